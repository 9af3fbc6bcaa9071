/**
 * The listener: accepts control connections (plain or implicit TLS), applies
 * the connection limits, and owns the sessions until they close.
 * @module
 */
import net from "node:net";
import type tls from "node:tls";
import { logger } from "../../plugin.ts";
import { FtpServerError } from "./errors.ts";
import { type FtpServerOptions, type ResolvedOptions, resolveOptions } from "./options.ts";
import { Session, type SessionHost } from "./session.ts";
import { COMMANDS } from "./commands.ts";
import { acceptTls, createTlsContext } from "./tls.ts";
import { goneBeforeAccepted, plainIp } from "./data.ts";
import { glibcTrim, MemoryTrimmer, ReleaseGate, serverTrim, v8Release } from "./trim.ts";
import { ConnSocket, type ControlSocket } from "./control.ts";

const log = logger("server");
/** A control socket's errors end its session (session.ts); this keeps them from being unhandled. */
const ignoreError = () => {};

/** What {@link startFtpServer} returns. */
export interface FtpServerHandle {
  /** The bound address (e.g. `127.0.0.1`). */
  readonly address: string;
  /** The bound port (useful with `port: 0`). */
  readonly port: number;
  /** The server itself (session count, close). */
  readonly server: FtpServer;
  /** Stops listening and closes every session (421 to each); resolves when done. */
  close(): Promise<void>;
}

/**
 * An FTP/FTPS server over any endpoint.
 *
 * @example
 * ```ts
 * const server = new FtpServer({ endpoint, authorizer, port: 0 });
 * const { port } = await server.listen();
 * // ...
 * await server.close();
 * ```
 */
export class FtpServer {
  /** The options with every default filled in. */
  readonly options: ResolvedOptions;
  /** TLS context when a certificate was given. */
  readonly #tlsContext?: tls.SecureContext;
  /** What sessions see of their server (kept off the public API: sessions are internal). */
  readonly #host: SessionHost;
  #listener?: net.Server | Deno.TcpListener;
  #sessions = new Set<Session>();
  #sockets = new Set<ControlSocket>();
  #perIp = new Map<string, number>();
  #idle?: () => void;
  readonly #trimmer: MemoryTrimmer;
  readonly #release = new ReleaseGate(() => this.#sessions.size);

  /** Checks the options (throws FtpServerError on a bad combination); call {@link listen} to serve. */
  constructor(options: FtpServerOptions) {
    this.options = resolveOptions(options);
    this.#trimmer = new MemoryTrimmer(
      () => [...this.#sessions].some((s) => s.activeTransfer !== undefined),
      2000,
      this.options.trimMemory
        ? serverTrim(glibcTrim(), v8Release(), this.#release.due)
        : "trimMemory is off",
    );
    if (this.options.tls) this.#tlsContext = createTlsContext(this.options.tls);
    this.#host = {
      options: this.options,
      commands: COMMANDS,
      tlsContext: this.#tlsContext,
      sessionClosed: (session) => {
        this.#sessions.delete(session);
        this.#trimmer.poke();
      },
      transferEnded: () => this.#trimmer.poke(),
    };
    if (this.options.implicitTls && !this.#tlsContext) {
      throw new FtpServerError("implicit TLS needs a certificate and key", {
        code: "ESERVERCONFIG",
      });
    }
    if ((this.options.tlsControlRequired || this.options.tlsDataRequired) && !this.#tlsContext) {
      throw new FtpServerError("TLS required but no certificate and key given", {
        code: "ESERVERCONFIG",
      });
    }
    const m = this.options.masqueradeAddress;
    if (m !== undefined && !net.isIPv4(m)) {
      throw new FtpServerError(`masquerade address must be an IPv4 address: ${m}`, {
        code: "ESERVERCONFIG",
      });
    }
    const range = this.options.passivePorts;
    if (range && !(range[0] >= 1 && range[1] <= 65535 && range[0] <= range[1])) {
      throw new FtpServerError(`invalid passive port range ${range.join("-")}`, {
        code: "ESERVERCONFIG",
      });
    }
  }

  /** Number of open sessions. */
  get sessionCount(): number {
    return this.#sessions.size;
  }

  /**
   * Binds and starts accepting; resolves with the bound address and port.
   *
   * @example
   * ```ts
   * const { port } = await server.listen();
   * ```
   */
  listen(): Promise<{ address: string; port: number }> {
    // Without a certificate no connection can turn to TLS: plain Deno.Conn
    // control connections (control.ts), cheaper per session than node:net's.
    if (!this.#tlsContext) return this.#listenPlain();
    const server = net.createServer((sock) => this.#accept(sock));
    this.#listener = server;
    return new Promise((resolve, reject) => {
      server.once("error", (e) =>
        reject(
          new FtpServerError(
            `cannot listen on ${this.options.host}:${this.options.port}: ${e.message}`,
            {
              code: "ESERVERLISTEN",
              cause: e,
            },
          ),
        ));
      // A burst of clients (300 at once) must not overflow the accept queue: a
      // lost SYN costs the client a 1 s retransmit (node's default is 511).
      server.listen({ host: this.options.host, port: this.options.port, backlog: 1024 }, () => {
        server.on("error", (e) => log.error("listener error: {error}", { error: e.message }));
        const a = server.address() as net.AddressInfo;
        log.info(">>> starting FTP{s} server on {address}:{port} <<<", {
          s: this.options.implicitTls ? "S (implicit TLS)" : this.#tlsContext ? "/FTPS" : "",
          address: a.address,
          port: a.port,
        });
        resolve({ address: a.address, port: a.port });
      });
    });
  }

  #listenPlain(): Promise<{ address: string; port: number }> {
    let listener: Deno.TcpListener;
    try {
      // Deno.listen's backlog is 511 (node's default; the node:net listener asks for 1024).
      listener = Deno.listen({ hostname: this.options.host, port: this.options.port });
    } catch (e) {
      return Promise.reject(
        new FtpServerError(
          `cannot listen on ${this.options.host}:${this.options.port}: ${(e as Error).message}`,
          { code: "ESERVERLISTEN", cause: e },
        ),
      );
    }
    this.#listener = listener;
    void this.#acceptLoop(listener);
    const a = listener.addr;
    log.info(">>> starting FTP server on {address}:{port} <<<", {
      address: a.hostname,
      port: a.port,
    });
    return Promise.resolve({ address: a.hostname, port: a.port });
  }

  async #acceptLoop(listener: Deno.TcpListener) {
    while (this.#listener === listener) {
      let conn: Deno.TcpConn;
      try {
        conn = await listener.accept();
      } catch (e) {
        if (this.#listener !== listener) return;
        // A client that reset before its accept finished: nothing to wait for (was: a
        // 100 ms pause in accepting each time, 72 in 480 abusive sessions).
        if (goneBeforeAccepted(e)) continue;
        // Out of descriptors and the like: say so, wait a little, go on accepting.
        log.error("listener error: {error}", { error: (e as Error).message });
        await new Promise((r) => setTimeout(r, 100));
        continue;
      }
      this.#accept(new ConnSocket(conn));
    }
  }

  #accept(sock: ControlSocket) {
    const ip = plainIp(sock.remoteAddress);
    sock.setNoDelay(true);
    this.#sockets.add(sock);
    const count = (this.#perIp.get(ip) ?? 0) + 1;
    this.#perIp.set(ip, count);
    // `on`, not `once`: a socket closes once, and once's wrapper is two more
    // objects held per session.
    sock.on("close", () => {
      this.#sockets.delete(sock);
      const n = (this.#perIp.get(ip) ?? 1) - 1;
      if (n <= 0) this.#perIp.delete(ip);
      else this.#perIp.set(ip, n);
      if (this.#sockets.size === 0) this.#idle?.();
    });
    sock.on("error", ignoreError);
    const o = this.options;
    let refusal: string | undefined;
    if (o.maxConnections > 0 && this.#sockets.size > o.maxConnections) {
      refusal = "Too many connections. Service temporarily unavailable.";
    } else if (o.maxConnectionsPerIp > 0 && count > o.maxConnectionsPerIp) {
      refusal = "Too many connections from the same IP address.";
    }
    // Once connections stop coming (2 s), V8 gives back what their logins
    // left (~16 KiB a session of young-generation pages and garbage, 300 idle
    // sessions; bench/server_memory.ts), even while they stay open.
    this.#release.arrived();
    this.#trimmer.poke();
    if (refusal) {
      log.info("{ip}:{port} refused: {why}", { ip, port: sock.remotePort, why: refusal });
      if (o.implicitTls) sock.destroy();
      else sock.end(`421 ${refusal}\r\n`);
      return;
    }
    if (!o.implicitTls) {
      this.#open(sock, false);
      return;
    }
    acceptTls(sock as net.Socket, this.#tlsContext!, o.tlsHandshakeTimeoutMs).then(
      (secure) => this.#open(secure, true),
      (e) =>
        log.info("{ip}:{port} TLS handshake failed: {error}", {
          ip,
          port: sock.remotePort,
          error: (e as Error).message,
        }),
    );
  }

  #open(sock: ControlSocket, secure: boolean) {
    const session = new Session(this.#host, sock, secure);
    this.#sessions.add(session);
    session.start();
  }

  /**
   * Stops listening, closes all sessions and waits until every socket is gone.
   *
   * @example
   * ```ts
   * await server.close();
   * ```
   */
  async close(): Promise<void> {
    const listener = this.#listener;
    this.#listener = undefined;
    const closed = listener instanceof net.Server
      ? new Promise<void>((resolve) => listener.close(() => resolve()))
      : Promise.resolve(listener?.close());
    for (const s of [...this.#sessions]) {
      s.reply(421, "Server shutting down.");
      s.close("server shutdown");
    }
    for (const sock of this.#sockets) sock.destroy();
    if (this.#sockets.size) {
      await new Promise<void>((resolve) => this.#idle = resolve);
    }
    await closed;
    this.#trimmer.stop();
  }
}

/**
 * Starts an FTP/FTPS server in-process (the library form of `ferry serve`).
 *
 * @example
 * ```ts
 * const auth = new VirtualAuthorizer().addUser("bob", { password: "pw", perm: "elradfmwMT" });
 * const srv = await startFtpServer({ endpoint: new MemoryEndpoint(), authorizer: auth, port: 0 });
 * console.log(`listening on ${srv.address}:${srv.port}`);
 * await srv.close();
 * ```
 */
export async function startFtpServer(options: FtpServerOptions): Promise<FtpServerHandle> {
  const server = new FtpServer(options);
  const { address, port } = await server.listen();
  return { address, port, server, close: () => server.close() };
}
