/**
 * The UFTPD: a command port where an auth server registers sessions
 * (`uftp-transfer-request` and `uftp-ping-request`, one request per TCP
 * connection, answered `OK::<port>` / `ERROR::<message>`), and an FTP port
 * where clients log in with those one-time secrets. It serves any endpoint
 * (a local directory for `ferry uftp-serve`); each session is jailed in its
 * job's base directory inside it.
 * @module
 */
import net from "node:net";
import { type Endpoint, LocalEndpoint, logger } from "../../../plugin.ts";
import {
  isCompleteRequest,
  parseRequestLines,
  parseTransferRequest,
  type TransferRequest,
} from "../command_port.ts";
import { JobStore } from "./jobs.ts";
import { systemUtcOffset, type UtcOffset } from "./listing.ts";
import { type SessionContext, UftpdSession } from "./session.ts";
import { COMMANDS } from "./commands.ts";
import { TRANSFERS } from "./transfer.ts";

const log = logger("uftp", "uftpd");

/** The version the greeting and the ping name. */
export const UFTPD_VERSION = "ferry-uftpd-0.1";

/** Options of {@link startUftpd}. */
export interface UftpdOptions {
  /** What is served; job base directories are paths inside it. */
  endpoint: Endpoint;
  /** FTP listen address (default 127.0.0.1) and port (default 0 = any free one). */
  host?: string;
  /** FTP port (default 0: a free one). */
  port?: number;
  /** Command port address (default 127.0.0.1: it is unauthenticated) and port (default 0). */
  commandHost?: string;
  /** Command port (default 0: a free one). */
  commandPort?: number;
  /** Address announced in PASV replies (NAT). */
  advertiseHost?: string;
  /** Most streams a client may ask for with `NOOP n` (default 4, as UFTPD). */
  maxStreams?: number;
  /** Most jobs per user (default 16, as UFTPD). */
  maxConnections?: number;
  /** Accept logins from any address (UFTPD's DISABLE_IP_CHECK; default false). */
  disableIpCheck?: boolean;
  /** How long a client may take to open a passive data connection (default 30 s). */
  acceptTimeoutMs?: number;
  /** The server's local time zone for MLSD/MFMT (default: the process's). */
  utcOffset?: UtcOffset;
  /** The clock of job expiry and listings (tests). */
  now?: () => number;
}

/** A running UFTPD. */
export interface UftpdHandle extends AsyncDisposable {
  /** The address the FTP port is bound to. */
  readonly host: string;
  /** The FTP port clients log in on. */
  readonly port: number;
  /** The address the command port is bound to. */
  readonly commandHost: string;
  /** The command port. */
  readonly commandPort: number;
  /** The registered transfer jobs. */
  readonly jobs: JobStore;
  /** Registers a job directly (what the command port does after parsing). */
  register(request: TransferRequest): void;
  /** Sessions open now. */
  readonly sessions: number;
  /** Stops listening and closes every session. */
  close(): Promise<void>;
}

/**
 * Starts the UFTPD's two listeners.
 *
 * @example
 * ```ts
 * const uftpd = await startUftpd({ endpoint: new LocalEndpoint("/srv/data") });
 * console.log(uftpd.port, uftpd.commandPort);
 * await uftpd.close();
 * ```
 */
export async function startUftpd(options: UftpdOptions): Promise<UftpdHandle> {
  const now = options.now ?? Date.now;
  const jobs = new JobStore({
    now,
    maxPerUser: options.maxConnections,
    disableIpCheck: options.disableIpCheck,
  });
  const served = options.endpoint;
  const ctx: SessionContext = {
    endpoint: served,
    jail: (base) =>
      served instanceof LocalEndpoint ? new LocalEndpoint(`${served.root}${base}`) : undefined,
    jobs,
    version: UFTPD_VERSION,
    maxStreams: options.maxStreams ?? 4,
    utcOffset: options.utcOffset ?? systemUtcOffset,
    acceptTimeoutMs: options.acceptTimeoutMs ?? 30_000,
    advertiseHost: options.advertiseHost,
    now,
    log: (message) => log.info(message),
  };
  const handlers = { ...COMMANDS, ...TRANSFERS };
  const sockets = new Set<net.Socket>();
  const running = new Set<Promise<void>>();
  const track = (socket: net.Socket) => {
    sockets.add(socket);
    socket.once("close", () => sockets.delete(socket));
  };
  const register = (request: TransferRequest) => {
    if (request.key) {
      throw new Error("Encrypted connections are not supported by this UFTPD server.");
    }
    if (request.compress) throw new Error("Compression is not supported by this UFTPD server.");
    jobs.add(request);
    log.info("new transfer request for '{user}' in '{file}'", {
      user: request.user,
      file: request.file,
    });
  };
  const ftp = net.createServer((socket) => {
    track(socket);
    socket.setNoDelay(true);
    const task = new UftpdSession(socket, ctx, handlers).run().catch((error) => {
      log.warn("session from {peer} ended with {error}", {
        peer: socket.remoteAddress,
        error: String(error),
      });
    });
    running.add(task);
    task.finally(() => running.delete(task));
  });
  const command = net.createServer((socket) => {
    track(socket);
    handleCommand(socket, register, () => port);
  });
  const host = options.host ?? "127.0.0.1";
  const commandHost = options.commandHost ?? "127.0.0.1";
  const port = await listen(ftp, host, options.port ?? 0);
  const commandPort = await listen(command, commandHost, options.commandPort ?? 0).catch(
    (error) => {
      ftp.close();
      throw error;
    },
  );
  let closing: Promise<void> | undefined;
  const close = () =>
    closing ??= (async () => {
      const stopped = Promise.all(
        [ftp, command].map((s) => new Promise<void>((resolve) => s.close(() => resolve()))),
      );
      for (const socket of sockets) socket.destroy();
      await Promise.all([...running]);
      await stopped;
    })();
  return {
    host,
    port,
    commandHost,
    commandPort,
    jobs,
    register,
    get sessions() {
      return running.size;
    },
    close,
    [Symbol.asyncDispose]: close,
  };
}

function listen(server: net.Server, host: string, port: number): Promise<number> {
  return new Promise((resolve, reject) => {
    server.once("error", reject);
    server.listen(port, host, () => {
      server.off("error", reject);
      // Accept failures (EMFILE, ...) are the listener's, never the process's.
      server.on("error", (e) => log.error("listener error: {error}", { error: e.message }));
      resolve((server.address() as net.AddressInfo).port);
    });
  });
}

/** One command-port request: read until `END`, answer one line, close. */
function handleCommand(
  socket: net.Socket,
  register: (request: TransferRequest) => void,
  port: () => number,
): void {
  let text = "";
  const decoder = new TextDecoder();
  const timer = setTimeout(() => socket.destroy(), 60_000);
  socket.on("error", () => {});
  socket.on("close", () => clearTimeout(timer));
  socket.on("data", (chunk: Uint8Array) => {
    text += decoder.decode(chunk, { stream: true });
    if (text.length > 65536) return void socket.destroy();
    if (!isCompleteRequest(text)) return;
    socket.removeAllListeners("data");
    const fields = parseRequestLines(text);
    const type = fields["request-type"] ?? "n/a";
    let answer: string;
    if (type === "uftp-transfer-request") {
      try {
        register(parseTransferRequest(fields));
        answer = `OK::${port()}`;
      } catch (error) {
        answer = `ERROR::${error instanceof Error ? error.message : String(error)}`;
      }
    } else if (type === "uftp-ping-request") {
      answer = `Version: ${UFTPD_VERSION}\nListenPort: ${port()}\nListenAddress: ${
        socket.localAddress ?? ""
      }\nMaxSessionsPerClient: 16`;
    } else {
      answer = `ERROR::Unsupported request type '${type}'`;
    }
    socket.end(`${answer}\n`);
  });
}
