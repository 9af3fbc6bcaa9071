/**
 * How a session sets up its data connections, as strategy objects chosen once
 * per session (basic-ftp's `prepareTransfer`): how the channel opens (passive
 * or active, with the transfer command pipelined where it can be) and what the
 * data connection needs before bytes flow (TLS with the control connection's
 * session, or nothing). `FtpClient` asks its session's strategies and keeps
 * TYPE, REST, replies and ABOR to itself.
 * @module
 */
import type net from "node:net";
import type tls from "node:tls";
import type { ControlConnection } from "./control.ts";
import {
  canPipeline,
  type DataChannelOptions,
  type DataChannelState,
  openDataChannel,
  openPipelined,
  openReady,
  type PendingData,
  pipelinedLines,
  type RawDataChannel,
} from "./data.ts";
import { connData, type DataConnection, socketData } from "./data_connection.ts";
import type { TlsOptions } from "./tls.ts";
import { tlsCode } from "./tls_code.ts";
import type { Reply } from "./reply.ts";
import { FtpConnectionError } from "./errors.ts";
import { logger } from "../util/log.ts";

const log = logger("ftp", "data");

/** What one transfer asks of the channel. */
export interface ChannelRequest {
  command: string;
  direction: "read" | "write";
  /** Commands between the channel and `command` that stop pipelining (UFTPD's RANG). */
  inBetween: boolean;
  /**
   * Lines that go right before `command` (a `REST offset`): in the same write
   * as EPSV and `command` when pipelined (replies in `between` of the result),
   * else the caller sends them after the channel is open.
   */
  between?: readonly string[];
  /**
   * Queries sent before the channel is opened (in the same write as EPSV and
   * `command` where those are pipelined); their replies are returned in order.
   */
  ahead?: readonly string[];
  /**
   * The session's next transfer's EPSV, sent in the write that carries
   * `command` wherever the opener makes that write (queued, pipelined, on a
   * port opened ahead). Its reply is the caller's to read after the final
   * reply; here only where the pipelined EPSV was refused (read with the
   * command's refusal, {@link NextPort.answered}).
   */
  nextPort?: NextPort;
  /** The lines went out already ({@link ChannelOpener.queue}): only read the replies. */
  queued?: boolean;
  /**
   * A passive port the server opened ahead (`FtpClientOptions.epsvAhead`):
   * connected to instead of a new EPSV; when that fails, the usual way.
   */
  readyPort?: number;
  /**
   * Whether the channel may be opened the usual way after the server refused
   * a pipelined EPSV (not while other lines wait behind it: the server would
   * read those first). Default yes; otherwise the session is closed.
   */
  mayReopen?: () => boolean;
}

/**
 * The session's next transfer's EPSV, sent in the same write as a transfer's
 * command, wherever that write is made, and never in a later one: a server
 * that reads commands during a transfer (ProFTPD without sendfile) answers a
 * later one "450 EPSV: data transfer in progress" before the 226, while a
 * line that came with the command waits in its input until the transfer is
 * done. Its 229 comes right behind the final reply; the transfer reads it as
 * it finishes and keeps the port for the session's next transfer
 * (`FtpClient`), which connects at once instead of asking: a round trip less.
 *
 * @example
 * ```ts
 * const next = new NextPort(() => true);
 * control.sendMany(["LIST -a d", ...next.lines()]); // LIST -a d, EPSV
 * next.owed; // true: its reply comes after the LIST's 226
 * ```
 */
export class NextPort {
  readonly #wanted: () => boolean;
  #owed = false;

  /** `wanted` is asked as the command's write is made (a session pool's answer changes). */
  constructor(wanted: () => boolean) {
    this.#wanted = wanted;
  }

  /** The lines to write after the command now ([] when not wanted or already out). */
  lines(): string[] {
    if (this.#owed || !this.#wanted()) return [];
    this.#owed = true;
    return ["EPSV"];
  }

  /** Whether the EPSV went out and its reply is still to be read. */
  get owed(): boolean {
    return this.#owed;
  }

  /** The lines that went out and await their reply ([] when none). */
  get owedLines(): string[] {
    return this.#owed ? ["EPSV"] : [];
  }

  /** Its reply was read with a refused command's (no port kept): it may go again. */
  answered(): void {
    this.#owed = false;
  }
}

/** Opens data channels; `sent` says whether `command` already went out with it. */
export interface ChannelOpener {
  open(control: ControlConnection, request: ChannelRequest): Promise<{
    pending: PendingData;
    sent: boolean;
    /** The replies to `request.ahead`, in order. */
    ahead: Reply[];
    /** The replies to `request.between` when they went out with the channel (else undefined). */
    between?: Reply[];
  }>;
  /**
   * Sends the request's lines now, before its turn (queued behind a running
   * download, where the server reads them after that one's final reply);
   * false when this request cannot be pipelined (nothing sent). `open` with
   * `queued: true` reads the replies later.
   */
  queue(control: ControlConnection, request: ChannelRequest): boolean;
}

/**
 * The session's channel opener: downloads without REST or extra commands send
 * EPSV and the command together once EPSV worked (unless `pipeline` is off);
 * everything else opens the channel first (passive or active, per `channel`).
 *
 * @example
 * ```ts
 * const opener = channelOpener(channel, state, true);
 * const { pending, sent } = await opener.open(control, { command: "RETR a", direction: "read", inBetween: false });
 * ```
 */
export function channelOpener(
  channel: DataChannelOptions,
  state: DataChannelState,
  pipeline: boolean,
): ChannelOpener {
  const pipelines = ({ direction, inBetween }: ChannelRequest) =>
    pipeline && direction === "read" && !inBetween && canPipeline(channel, state);
  return {
    queue(control, request) {
      if (!pipelines(request) || (request.between?.length ?? 0) > 0) return false;
      if (request.readyPort !== undefined) return false; // connects to that port first
      const after = request.nextPort?.lines() ?? [];
      control.sendMany(pipelinedLines(request.command, request.ahead, [], after));
      return true;
    },
    async open(control, request) {
      const { command, ahead = [], queued = false, between = [], nextPort } = request;
      if (request.readyPort !== undefined && !queued) {
        const pending = await openReady(control, request.readyPort, channel).catch((error) => {
          log.debug("the port opened ahead took no connection ({error}); a new EPSV", {
            error: String(error),
          });
          return undefined;
        });
        if (pending) {
          // A download or listing goes in the same write as the lines ahead of it (a
          // TYPE: the caller cuts the session when one is refused); an upload is sent
          // by the caller (its bytes may go before the 150).
          const withCommand = ahead.length > 0 && request.direction === "read" &&
            !request.inBetween && between.length === 0;
          const answers: Reply[] = [];
          if (withCommand) control.sendMany([...ahead, command, ...nextPort?.lines() ?? []]);
          else if (ahead.length > 0) control.sendMany(ahead);
          for (const line of ahead) answers.push(await control.read(channel.timeoutMs, line));
          return { pending, sent: withCommand, ahead: answers };
        }
      }
      if (queued || pipelines(request)) {
        // Queued, the lines went out already: the next port's, if any, is read on a refusal.
        const after = queued ? nextPort?.owedLines ?? [] : nextPort?.lines() ?? [];
        const pipelined = await openPipelined(
          control,
          command,
          channel,
          ahead,
          queued,
          between,
          after,
        );
        if (pipelined.pending) {
          return {
            pending: pipelined.pending,
            sent: true,
            ahead: pipelined.ahead,
            between: pipelined.between,
          };
        }
        // The EPSV refused: the command's and the next port's replies were read.
        nextPort?.answered();
        if (request.mayReopen?.() === false) {
          control.destroy();
          throw new FtpConnectionError(
            `${control.peer} refused a pipelined EPSV with more commands queued; reconnecting`,
          );
        }
        const pending = await openDataChannel(control, channel, state);
        return { pending, sent: false, ahead: pipelined.ahead };
      }
      const answers: Reply[] = [];
      return {
        pending: await openDataChannel(control, channel, state, ahead, answers),
        sent: false,
        ahead: answers,
      };
    },
  };
}

/** Options of one data connection (see data_connection.ts). */
export interface ConnectionRequest {
  command: string;
  timeoutMs: number;
  direction: "read" | "write";
  mapError: (cause: Error) => Error;
  expectedBytes: Promise<number | undefined>;
  /** Resolves when the server confirmed the transfer (the TLS end-of-stream hint). */
  confirmation: Promise<void>;
}

/** What a data connection needs before bytes flow on this session. */
export interface DataSecurity {
  /** TLS data: the final reply is read alongside a download, a 4xx waits for the handshake. */
  readonly encrypted: boolean;
  /** Whether the channel may be a native `Deno.Conn` (plain data only). */
  readonly nativeConn: boolean;
  /** Turns the connected channel into a data connection. */
  connect(raw: RawDataChannel, request: ConnectionRequest): Promise<DataConnection>;
}

function ready(socket: net.Socket, request: ConnectionRequest): DataConnection {
  const { confirmation, direction, ...options } = request;
  return socketData(socket, {
    ...options,
    download: direction === "read",
    endHint: "encrypted" in socket ? { signal: confirmation, graceMs: 250 } : undefined,
  });
}

function connOptions(request: ConnectionRequest) {
  const { command, timeoutMs, mapError, expectedBytes } = request;
  return { command, timeoutMs, mapError, expectedBytes };
}

/**
 * Clear data connections (`Deno.Conn` where `native`, else node:net sockets).
 *
 * @example
 * ```ts
 * const data = await plainData(true).connect(raw, request);
 * ```
 */
export function plainData(native: boolean): DataSecurity {
  return {
    encrypted: false,
    nativeConn: native,
    connect(raw, request) {
      return Promise.resolve(
        raw.conn ? connData(raw.conn, connOptions(request)) : ready(raw.socket, request),
      );
    },
  };
}

/**
 * TLS data connections resuming `control`'s session and pinned to its
 * certificate (docs/TLS.md).
 *
 * @example
 * ```ts
 * const data = await tlsData(controlSocket, {}, 30_000).connect(raw, request);
 * ```
 */
export function tlsData(
  control: tls.TLSSocket,
  options: TlsOptions,
  timeoutMs: number,
): DataSecurity {
  return {
    encrypted: true,
    nativeConn: false,
    async connect(raw, request) {
      if (raw.conn) return connData(raw.conn, connOptions(request));
      const { startTlsData } = await tlsCode();
      return ready(await startTlsData(raw.socket, control, options, timeoutMs), request);
    },
  };
}
