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
   * Lines that go right after `command`, in the same write, wherever the
   * opener sends the command (`sent` in the result); the caller reads their
   * replies after the final reply.
   */
  trailing?: readonly string[];
  /**
   * Lines that go right after `command` when it goes in the same write as the
   * lines ahead of it on a port opened ahead (`readyPort`), or pipelined by
   * {@link ChannelOpener.queue}: the next transfer's EPSV
   * (`FtpClient.portBehindReads`). Not read here. (A download's;
   * `trailing` is a listing's: the two never meet in one request.)
   */
  behind?: readonly string[];
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

/** Opens data channels; `sent` says whether `command` already went out with it. */
export interface ChannelOpener {
  open(control: ControlConnection, request: ChannelRequest): Promise<{
    pending: PendingData;
    sent: boolean;
    /** The replies to `request.ahead`, in order. */
    ahead: Reply[];
    /** The replies to `request.between` when they went out with the channel (else undefined). */
    between?: Reply[];
    /** `request.behind` went out (after the command). */
    behindSent?: boolean;
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
      control.sendMany(
        pipelinedLines(request.command, request.ahead, [], [
          ...request.trailing ?? [],
          ...request.behind ?? [],
        ]),
      );
      return true;
    },
    async open(control, request) {
      const { command, ahead = [], queued = false, between = [], trailing = [] } = request;
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
          const behind = withCommand ? request.behind ?? [] : [];
          if (ahead.length > 0) {
            control.sendMany(withCommand ? [...ahead, command, ...trailing, ...behind] : ahead);
          }
          for (const line of ahead) answers.push(await control.read(channel.timeoutMs, line));
          return { pending, sent: withCommand, ahead: answers, behindSent: behind.length > 0 };
        }
      }
      if (queued || pipelines(request)) {
        const pipelined = await openPipelined(
          control,
          command,
          channel,
          ahead,
          queued,
          between,
          trailing,
        );
        if (pipelined.pending) {
          return {
            pending: pipelined.pending,
            sent: true,
            ahead: pipelined.ahead,
            between: pipelined.between,
          };
        }
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
