/**
 * Opening data connections: passive (EPSV first, then PASV) and active (EPRT,
 * then PORT). Pure parts (address choice, PORT/EPRT arguments) are exported for
 * tests; the I/O parts take the control connection they belong to.
 * @module
 */
import type net from "node:net";
import { logger } from "../util/log.ts";
import {
  CommandNotImplementedError,
  errorForReply,
  FtpConnectionError,
  FtpTimeoutError,
} from "./errors.ts";
import type { ControlConnection } from "./control.ts";
import type { ControlSocket } from "./conn_socket.ts";
import { parseEpsv, parsePasv, type Reply } from "./reply.ts";
import { connectSocket } from "./socket.ts";
import { connectConn } from "./data_connection.ts";

const log = logger("ftp", "data");

/** How data connections are opened. */
export interface DataChannelOptions {
  /** Passive mode (default) or active mode (server connects to us). */
  passive: boolean;
  /** Try EPSV before PASV (default true); switched off after a refusal. */
  epsv: boolean;
  /**
   * Connect to the address a PASV reply names even if it differs from the
   * control peer. Off by default: no connections to third hosts.
   */
  trustPasvHost: boolean;
  /** Address to announce in active mode (default: the control connection's local address). */
  activeAddress?: string;
  /** Local address to bind data connections to. */
  sourceAddress?: string;
  /**
   * Passive connections may be a `Deno.Conn` (plain data, no source address):
   * leaner than node:net for the many short connections of small files.
   */
  plainConn?: boolean;
  timeoutMs: number;
}

/**
 * Chooses where to connect after PASV: the announced host only when trusted and
 * routable, else the control connection's peer.
 *
 * @example
 * ```ts
 * pasvTarget({ host: "10.0.0.5", port: 5000 }, "203.0.113.9", false); // { host: "203.0.113.9", port: 5000 }
 * ```
 */
export function pasvTarget(
  announced: { host: string; port: number },
  controlPeer: string,
  trust: boolean,
): { host: string; port: number } {
  if (trust && announced.host !== "0.0.0.0") return announced;
  return { host: controlPeer, port: announced.port };
}

/**
 * The argument of PORT for an IPv4 address and port.
 *
 * @example
 * ```ts
 * portArgument("127.0.0.1", 50000); // "127,0,0,1,195,80"
 * ```
 */
export function portArgument(host: string, port: number): string {
  return [...host.split("."), Math.floor(port / 256), port % 256].join(",");
}

/**
 * The argument of EPRT (RFC 2428).
 *
 * @example
 * ```ts
 * eprtArgument("::1", 50000); // "|2|::1|50000|"
 * ```
 */
export function eprtArgument(host: string, port: number): string {
  // An IPv6 literal is the only address with a colon (RFC 2428 protocol 2).
  return `|${host.includes(":") ? 2 : 1}|${host}|${port}|`;
}

/** A connected data channel before TLS or reading: a node:net socket or a `Deno.Conn`. */
export type RawDataChannel = { socket: net.Socket; conn?: undefined } | {
  conn: Deno.TcpConn;
  socket?: undefined;
};

/** A data connection being set up: either ready (passive) or awaiting the server (active). */
export interface PendingData {
  /** Resolves with the connected channel (passive: already connected). */
  channel(): Promise<RawDataChannel>;
  /** Releases everything if the transfer command failed. */
  cancel(): void;
}

/** What a session learned about its data connections. */
export interface DataChannelState {
  /** EPSV may be tried (false after the server refused it). */
  epsv: boolean;
  /** EPSV has worked on this session, so it may be pipelined. */
  epsvWorked?: boolean;
}

/**
 * Whether {@link openPipelined} may be used for a download on this session:
 * passive mode, and EPSV already worked here (so a refusal now is unlikely,
 * and handled).
 *
 * @example
 * ```ts
 * if (canPipeline(options, state)) pending = await openPipelined(control, "RETR a", options);
 * ```
 */
export function canPipeline(options: DataChannelOptions, state: DataChannelState): boolean {
  return options.passive && options.epsv && state.epsv && state.epsvWorked === true;
}

/**
 * Sends EPSV and a download command (RETR, LIST, MLSD, NLST: nothing that
 * changes the server) in one write, then connects to the port the 229 names;
 * the command's 1xx reply is the caller's to read next. The server reads the
 * command after its 229 and waits for the data connection, as it does when
 * the client connects first. Saves a write and a server wake-up per file.
 * `ahead` are queries (e.g. `MDTM path`) sent first in the same write; their
 * replies come back in `ahead`, in order, whatever they say. `alreadySent`:
 * the lines ({@link pipelinedLines}) went out earlier, queued behind a
 * running download; only the replies are read here.
 * `between` are lines that go after EPSV, right before the command (a `REST
 * offset`, which must be the last command before RETR); their replies come
 * back in `between`, read before the data connection is made, for the caller
 * to judge (the command already went out: a refused REST means the session
 * must be closed). `trailing` are lines that go right after the command in
 * the same write (an EPSV for the session's next transfer, which a server
 * that reads no commands during a transfer answers after the final reply):
 * their replies are the caller's to read after that reply, or after the
 * command's refusal; where EPSV is refused they are read and dropped here.
 * When EPSV is refused this time, the command's reply (a refusal without a
 * data connection) is read and dropped, and `pending` is undefined: the caller
 * opens the channel the usual way and sends the command again. With `between`
 * lines the server took those already, so the session is closed instead.
 *
 * @example
 * ```ts
 * const { pending, ahead } = await openPipelined(control, "RETR a.bin", options, ["MDTM a.bin"]);
 * const preliminary = await control.read(); // 150
 * ```
 */
export async function openPipelined(
  control: ControlConnection,
  command: string,
  options: DataChannelOptions,
  ahead: readonly string[] = [],
  alreadySent = false,
  between: readonly string[] = [],
  trailing: readonly string[] = [],
): Promise<{ pending?: PendingData; ahead: Reply[]; between: Reply[] }> {
  const peer = control.socket.remoteAddress ?? "127.0.0.1";
  if (!alreadySent) control.sendMany(pipelinedLines(command, ahead, between, trailing));
  const answers: Reply[] = [];
  for (const line of ahead) answers.push(await control.read(options.timeoutMs, line));
  const reply = await control.read(options.timeoutMs, "EPSV");
  const betweenAnswers: Reply[] = [];
  for (const line of between) betweenAnswers.push(await control.read(options.timeoutMs, line));
  if (reply.code !== 229 && between.length > 0) {
    // REST (or the like) was taken for a transfer that now has no channel: start afresh.
    control.destroy();
    throw new FtpConnectionError(
      `${control.peer} refused a pipelined EPSV (${reply.code}) after it worked; reconnecting`,
    );
  }
  if (reply.code !== 229) {
    const answer = await control.read(options.timeoutMs, command);
    if (answer.code < 300) {
      // The server started a transfer we have no data connection for: the
      // session is in a state we cannot trust.
      control.destroy();
      throw errorForReply(answer, command);
    }
    // The trailing lines were answered too: nothing of theirs is kept.
    for (const line of trailing) await control.read(options.timeoutMs, line);
    log.debug("pipelined EPSV refused ({code}); opening the data channel again", {
      code: reply.code,
    });
    return { ahead: answers, between: betweenAnswers };
  }
  try {
    const pending = await connectPassive(peer, parseEpsv(reply.text), options);
    return { pending, ahead: answers, between: betweenAnswers };
  } catch (error) {
    // A server that refused the command may have closed its port before we
    // connected (ProFTPD, when a RETR is refused with 550): its reply says
    // so, and the session, lines queued behind included, stays in step.
    const refusal = refusedConnect(error)
      ? await control.read(Math.min(options.timeoutMs, REFUSAL_WAIT_MS), command)
        .catch(() => undefined)
      : undefined;
    if (refusal && refusal.code >= 400) {
      // The trailing lines' replies come next: the caller reads them (as after a final reply).
      throw errorForReply(refusal, command);
    }
    // The command is waiting on the server's side: the session cannot be resynchronised cheaply.
    control.destroy();
    throw error;
  }
}

/**
 * How long (ms) the reply to a pipelined command is awaited after its data
 * port refused the connection (a server that refused the command closed it).
 */
const REFUSAL_WAIT_MS = 5_000;

/**
 * Whether a data connection failed because nothing listened on the port any
 * more: refused, or reset (a connection still in the backlog of a port the
 * server closed, seen on ProFTPD under load).
 */
function refusedConnect(error: unknown): boolean {
  const cause = error instanceof Error ? (error.cause ?? error) : error;
  const codes = [(error as { code?: string })?.code, (cause as { code?: string })?.code];
  return cause instanceof Deno.errors.ConnectionRefused ||
    cause instanceof Deno.errors.ConnectionReset ||
    codes.includes("ECONNREFUSED") || codes.includes("ECONNRESET");
}

/**
 * The lines {@link openPipelined} sends, in order.
 *
 * @example
 * ```ts
 * pipelinedLines("RETR a", ["MDTM a"]); // ["MDTM a", "EPSV", "RETR a"]
 * pipelinedLines("RETR a", [], ["REST 10"]); // ["EPSV", "REST 10", "RETR a"]
 * pipelinedLines("LIST -a d", [], [], ["EPSV"]); // ["EPSV", "LIST -a d", "EPSV"]
 * ```
 */
export function pipelinedLines(
  command: string,
  ahead: readonly string[] = [],
  between: readonly string[] = [],
  trailing: readonly string[] = [],
): string[] {
  return [...ahead, "EPSV", ...between, command, ...trailing];
}

/**
 * Prepares a data connection on `control`. Must be called right before the
 * transfer command; `state.epsv` is set to false when the server refuses EPSV.
 * `ahead` are lines sent first (in the same write as EPSV where it is tried),
 * their replies pushed to `answers` in order.
 */
export async function openDataChannel(
  control: ControlConnection,
  options: DataChannelOptions,
  state: DataChannelState,
  ahead: readonly string[] = [],
  answers: Reply[] = [],
): Promise<PendingData> {
  const controlSocket = control.socket;
  const epsv = options.passive && options.epsv && state.epsv;
  const lines = epsv ? [...ahead, "EPSV"] : ahead;
  if (lines.length > 0) control.sendMany(lines);
  for (const line of ahead) answers.push(await control.read(options.timeoutMs, line));
  if (!options.passive) return await openActive(control, controlSocket, options);
  const peer = controlSocket.remoteAddress ?? "127.0.0.1";
  let target: { host: string; port: number } | undefined;
  if (epsv) {
    const reply = await control.read(options.timeoutMs, "EPSV");
    if (reply.code === 229) {
      target = { host: peer, port: parseEpsv(reply.text) };
      state.epsvWorked = true;
    } else {
      const error = errorForReply(reply, "EPSV");
      if (!(error instanceof CommandNotImplementedError) && reply.code < 500) throw error;
      // Refused once: remembered for this session (lftp/curl do the same).
      state.epsv = false;
      log.debug("EPSV refused ({code}); using PASV from now on", { code: reply.code });
    }
  }
  if (!target) {
    const reply = await control.command("PASV");
    if (reply.code !== 227) throw errorForReply(reply, "PASV");
    const announced = parsePasv(reply.text);
    target = pasvTarget(announced, peer, options.trustPasvHost);
    if (target.host !== announced.host) {
      log.debug("PASV announced {announced}; connecting to the control peer {peer} instead", {
        announced: announced.host,
        peer,
      });
    }
  }
  return await connectPassive(target.host, target.port, options);
}

/**
 * Connects to a passive port the server opened earlier (an EPSV sent ahead of
 * its transfer, `FtpClientOptions.epsvAhead`); the transfer command follows.
 *
 * @example
 * ```ts
 * const pending = await openReady(control, 50123, options);
 * ```
 */
export function openReady(
  control: ControlConnection,
  port: number,
  options: DataChannelOptions,
): Promise<PendingData> {
  return connectPassive(control.socket.remoteAddress ?? "127.0.0.1", port, options);
}

async function connectPassive(
  host: string,
  port: number,
  options: DataChannelOptions,
): Promise<PendingData> {
  let raw: RawDataChannel;
  if (options.plainConn && !options.sourceAddress) {
    raw = { conn: await connectConn(host, port, options) };
  } else {
    raw = {
      socket: await connectSocket(host, port, {
        timeoutMs: options.timeoutMs,
        localAddress: options.sourceAddress,
      }),
    };
  }
  return { channel: () => Promise.resolve(raw), cancel: () => destroyChannel(raw) };
}

/** Drops a raw data channel, whichever kind it is. */
function destroyChannel(raw: RawDataChannel): void {
  if (raw.socket) raw.socket.destroy();
  else {
    try {
      raw.conn.close();
    } catch { /* already closed */ }
  }
}

async function openActive(
  control: ControlConnection,
  controlSocket: ControlSocket,
  options: DataChannelOptions,
): Promise<PendingData> {
  const localHost = options.activeAddress ?? controlSocket.localAddress ?? "127.0.0.1";
  const bindHost = controlSocket.localAddress ?? "0.0.0.0";
  const { default: net } = await import("node:net"); // active mode only
  const server = net.createServer();
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(0, bindHost, () => resolve());
  });
  const port = (server.address() as net.AddressInfo).port;
  const expectedPeer = controlSocket.remoteAddress;
  // Listen for the connection from the start: the server may connect before its
  // 150 reply reaches us, and a connection with no listener would be lost.
  const accepted = new Promise<net.Socket>((resolve, reject) => {
    const timer = setTimeout(() => {
      server.close();
      reject(new FtpTimeoutError(`server did not open the active data connection to port ${port}`));
    }, options.timeoutMs);
    server.on("connection", (socket: net.Socket) => {
      // Only the control peer may connect: anything else is a port-theft attempt.
      if (expectedPeer && socket.remoteAddress !== expectedPeer) {
        log.warn("refused active data connection from {from}", { from: socket.remoteAddress });
        socket.destroy();
        return;
      }
      clearTimeout(timer);
      server.close();
      resolve(socket);
    });
    server.once("close", () => {
      clearTimeout(timer);
      reject(new FtpConnectionError("active data connection cancelled"));
    });
  });
  accepted.catch(() => {});
  try {
    let reply = await control.command(`EPRT ${eprtArgument(localHost, port)}`);
    if (reply.code >= 500 && !localHost.includes(":")) {
      reply = await control.command(`PORT ${portArgument(localHost, port)}`);
    }
    if (reply.code !== 200) throw errorForReply(reply, "PORT");
  } catch (error) {
    server.close();
    throw error;
  }
  return {
    channel: () => accepted.then((socket) => ({ socket })),
    cancel: () => {
      server.close();
      accepted.then((s) => s.destroy(), () => {});
    },
  };
}

/** Error for a data connection that ended abnormally. */
export function dataConnectionError(cause: Error): FtpConnectionError {
  return new FtpConnectionError(`data connection failed: ${cause.message}`, { cause });
}
