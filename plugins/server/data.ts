/**
 * The data connection of one session: a passive listener (port range,
 * masquerade, foreign peers dropped) or an active connection (PORT/EPRT,
 * foreign hosts and privileged ports refused), then TLS when `PROT P`.
 * pyftpdlib's PassiveDTP/ActiveDTP in one small class.
 * @module
 */
import net from "node:net";
import type tls from "node:tls";
import { logger } from "../../plugin.ts";
import { ReplyError } from "./errors.ts";
import { after } from "./ticker.ts";
import { acceptTls } from "./tls.ts";

const log = logger("server", "data");

/** What the data channel needs to know about its session and server. */
export interface DataContext {
  /** Control connection's peer and local addresses (plain IPs). */
  remoteAddress: string;
  localAddress: string;
  passivePorts?: readonly [number, number];
  masqueradeAddress?: string;
  masqueradeAddressMap?: Readonly<Record<string, string>>;
  permitForeignAddresses: boolean;
  permitPrivilegedPorts: boolean;
  /** How long a data connection may take to arrive or be made. */
  connectTimeout: number;
  tlsHandshakeTimeout: number;
}

/**
 * Strips the IPv4-mapped prefix so `::ffff:127.0.0.1` equals `127.0.0.1`.
 *
 * @example
 * ```ts
 * plainIp("::ffff:10.0.0.1"); // "10.0.0.1"
 * ```
 */
export function plainIp(address: string | undefined): string {
  const a = address ?? "";
  return a.startsWith("::ffff:") && net.isIPv4(a.slice(7)) ? a.slice(7) : a;
}

/**
 * Parses a PORT argument `h1,h2,h3,h4,p1,p2`; undefined when malformed.
 *
 * @example
 * ```ts
 * parsePort("127,0,0,1,4,1"); // { host: "127.0.0.1", port: 1025 }
 * ```
 */
export function parsePort(arg: string): { host: string; port: number } | undefined {
  const parts = arg.trim().split(",");
  if (parts.length !== 6 || !parts.every((p) => /^\d{1,3}$/.test(p))) return undefined;
  const n = parts.map(Number);
  if (n.some((x) => x > 255)) return undefined;
  const port = n[4] * 256 + n[5];
  if (port === 0) return undefined;
  return { host: n.slice(0, 4).join("."), port };
}

/**
 * Parses an EPRT argument `|af|host|port|` (any delimiter, RFC 2428).
 *
 * @example
 * ```ts
 * parseEprt("|1|127.0.0.1|2000|"); // { family: 1, host: "127.0.0.1", port: 2000 }
 * ```
 */
export function parseEprt(arg: string): { family: number; host: string; port: number } | undefined {
  const d = arg[0];
  if (!d || d.charCodeAt(0) < 33 || d.charCodeAt(0) > 126) return undefined;
  const parts = arg.split(d);
  if (parts.length !== 5 || parts[0] !== "" || parts[4] !== "") return undefined;
  const family = Number(parts[1]);
  const port = Number(parts[3]);
  if (!/^\d+$/.test(parts[3]) || port < 1 || port > 65535) return undefined;
  if (family === 1 && net.isIPv4(parts[2])) return { family, host: parts[2], port };
  if (family === 2 && net.isIPv6(parts[2])) return { family, host: parts[2], port };
  return { family, host: "", port: -1 };
}

function listenOn(server: net.Server, host: string, port: number): Promise<boolean> {
  return new Promise((resolve, reject) => {
    const onError = (e: Error & { code?: string }) => {
      server.off("listening", onListening);
      if (e.code === "EADDRINUSE" || e.code === "EACCES") resolve(false);
      else reject(e);
    };
    const onListening = () => {
      server.off("error", onError);
      resolve(true);
    };
    server.once("error", onError);
    server.once("listening", onListening);
    server.listen({ host, port, exclusive: true });
  });
}

/**
 * The ports a passive listener tries, in turn: every port of `range` from a
 * random start (two sessions rarely race for the same one), or any (0).
 */
function* passivePorts(range: readonly [number, number] | undefined): Generator<number> {
  if (!range) {
    yield 0;
    return;
  }
  const [lo, hi] = range;
  const span = hi - lo + 1;
  const start = Math.floor(Math.random() * span);
  for (let i = 0; i < span; i++) yield lo + ((start + i) % span);
}

/** The 425 when no port of {@link passivePorts} could be bound (a full range is logged). */
function noPassivePort(range: readonly [number, number] | undefined): ReplyError {
  if (!range) return new ReplyError(425, "Can't open passive connection.");
  log.warn("all passive ports {lo}-{hi} are busy", { lo: range[0], hi: range[1] });
  return new ReplyError(425, "Can't open passive connection: all passive ports are busy.");
}

/**
 * Whether an accept failed for that one connection only: its client reset it
 * between the kernel's accept and Deno's look at its address (ENOTCONN, seen
 * under load from clients that connect and reset at once), or it was aborted.
 * The listener is fine and goes on accepting.
 *
 * @example
 * ```ts
 * goneBeforeAccepted(new Deno.errors.NotConnected("os error 107")); // true
 * ```
 */
export function goneBeforeAccepted(error: unknown): boolean {
  return error instanceof Deno.errors.NotConnected ||
    error instanceof Deno.errors.ConnectionAborted ||
    error instanceof Deno.errors.ConnectionReset;
}

/** A data connection: a node socket (active, TLS) or a plain passive `Deno.Conn`. */
export type DataSocket = net.Socket | Deno.Conn;

/** Whether a data socket is a plain `Deno.Conn` (read/write ops, not node streams). */
export function isConn(sock: DataSocket | tls.TLSSocket): sock is Deno.Conn {
  return !(sock instanceof net.Socket);
}

function denoListen(hostname: string, port: number): Deno.TcpListener | undefined {
  try {
    return Deno.listen({ hostname, port, transport: "tcp" });
  } catch (e) {
    if (e instanceof Deno.errors.AddrInUse || e instanceof Deno.errors.PermissionDenied) {
      return undefined;
    }
    throw e;
  }
}

/**
 * One session's data connection.
 *
 * @example
 * ```ts
 * const dc = new DataChannel(ctx);
 * const port = await dc.passive();           // answer 227/229 with it (a number without TLS)
 * const sock = await dc.take();              // when RETR/STOR/LIST comes
 * ```
 */
export class DataChannel {
  #listener?: net.Server | Deno.TcpListener;
  #socket?: DataSocket;
  #pending?: { resolve: (s: DataSocket) => void; reject: (e: Error) => void };
  /** Cancels the wait for the passive connection (ticker.ts). */
  #cancelWait?: () => void;

  constructor(readonly ctx: DataContext) {}

  /** Whether PASV/PORT prepared something a transfer can use. */
  get ready(): boolean {
    return this.#listener !== undefined || this.#socket !== undefined;
  }

  /** Whether the data connection is already established (125 rather than 150). */
  get connected(): boolean {
    return this.#socket !== undefined;
  }

  /** The address to advertise in a 227 reply (masquerade map, then address, then local). */
  advertisedAddress(): string {
    const local = this.ctx.localAddress;
    return this.ctx.masqueradeAddressMap?.[local] ?? this.ctx.masqueradeAddress ?? local;
  }

  /**
   * Opens a passive listener on the control connection's local address;
   * returns its port. Without `tls` the listener is `Deno.listen` and the
   * transfer reads and writes the `Deno.Conn` directly (node:net caps a
   * loopback upload at about 1.1 GiB/s here, `Deno.Conn.read` at 2.5-2.9:
   * bench/socket_ceiling.ts); with `tls` (PROT P) it is node:net, whose
   * socket node:tls can take over.
   */
  passive(tls = false): number | Promise<number> {
    return tls ? this.#passiveTls() : this.#passivePlain();
  }

  /** {@link passive} for PROT P: a node:net listener, bound asynchronously. */
  async #passiveTls(): Promise<number> {
    this.close();
    const server = net.createServer();
    const host = this.ctx.localAddress;
    let bound = false;
    for (const port of passivePorts(this.ctx.passivePorts)) {
      if ((bound = await listenOn(server, host, port))) break;
    }
    if (!bound) throw noPassivePort(this.ctx.passivePorts);
    this.#listener = server;
    server.on("connection", (sock) => this.#accepted(sock));
    server.on("error", (e) => log.warn("passive listener error: {error}", { error: e.message }));
    this.#arm();
    return (server.address() as net.AddressInfo).port;
  }

  /**
   * {@link passive} without TLS, synchronously (binding a `Deno.listen`
   * listener is): EPSV and PASV answer without a promise of their own.
   */
  #passivePlain(): number {
    this.close();
    const host = this.ctx.localAddress;
    const range = this.ctx.passivePorts;
    let listener: Deno.TcpListener | undefined;
    // Any port (no range, the usual server): one bind, no generator and its
    // results per EPSV.
    if (!range) listener = denoListen(host, 0);
    else {
      for (const port of passivePorts(range)) {
        if ((listener = denoListen(host, port))) break;
      }
    }
    if (!listener) throw noPassivePort(range);
    this.#listener = listener;
    void this.#acceptLoop(listener);
    this.#arm();
    return listener.addr.port;
  }

  async #acceptLoop(listener: Deno.TcpListener) {
    while (this.#listener === listener) {
      let conn: Deno.TcpConn;
      try {
        conn = await listener.accept();
      } catch (e) {
        if (this.#listener !== listener) return;
        if (goneBeforeAccepted(e)) {
          // That connection is gone; the client's own may still come.
          log.debug("a data connection went before it was accepted: {error}", {
            error: (e as Error).message,
          });
          continue;
        }
        log.warn("passive listener error: {error}", { error: (e as Error).message });
        this.#closeListener();
        return;
      }
      const peer = plainIp(conn.remoteAddr.hostname);
      if (
        this.#listener !== listener || this.#socket ||
        (!this.ctx.permitForeignAddresses && peer !== this.ctx.remoteAddress)
      ) {
        // Data peer must be the control peer (RFC 2577 §4); keep waiting for the real one.
        log.warn("rejected data connection from foreign address {peer}", { peer });
        conn.close();
        continue;
      }
      this.#closeListener();
      this.#connected(conn);
      return;
    }
  }

  #accepted(sock: net.Socket) {
    // Hold the bytes until a transfer takes the socket (pauseOnConnect stalls TLS in Deno).
    sock.pause();
    const peer = plainIp(sock.remoteAddress);
    if (this.#socket || (!this.ctx.permitForeignAddresses && peer !== this.ctx.remoteAddress)) {
      // Data peer must be the control peer (RFC 2577 §4); keep waiting for the real one.
      log.warn("rejected data connection from foreign address {peer}", { peer });
      sock.destroy();
      return;
    }
    this.#closeListener();
    this.#connected(sock);
  }

  #connected(sock: DataSocket) {
    this.#clearTimer();
    if (!isConn(sock)) sock.on("error", () => {}); // errors surface where the socket is used
    this.#socket = sock;
    const p = this.#pending;
    this.#pending = undefined;
    p?.resolve(sock);
  }

  /** Connects to the client (PORT/EPRT) after the bounce checks. */
  async active(host: string, port: number): Promise<void> {
    this.close();
    if (!this.ctx.permitForeignAddresses && host !== this.ctx.remoteAddress) {
      throw new ReplyError(501, `Rejected data connection to foreign address ${host}:${port}.`);
    }
    if (!this.ctx.permitPrivilegedPorts && port < 1024) {
      throw new ReplyError(501, `PORT against the privileged port "${port}" refused.`);
    }
    const sock = await new Promise<net.Socket>((resolve, reject) => {
      const s = net.connect({ host, port, localAddress: this.ctx.localAddress });
      s.pause();
      const timer = setTimeout(() => {
        s.destroy();
        reject(new ReplyError(425, "Can't connect to specified address: timed out."));
      }, this.ctx.connectTimeout);
      s.once("connect", () => {
        clearTimeout(timer);
        s.removeAllListeners("error");
        resolve(s);
      });
      s.once("error", () => {
        clearTimeout(timer);
        reject(new ReplyError(425, "Can't connect to specified address."));
      });
    });
    this.#connected(sock);
  }

  /**
   * Hands the data socket to a transfer, waiting for the passive connection
   * when needed, and runs the TLS handshake when `tlsContext` is given. The
   * channel is empty afterwards (one connection per transfer).
   */
  async take(
    tlsContext?: tls.SecureContext,
    requireReuse = false,
  ): Promise<DataSocket | tls.TLSSocket> {
    if (!this.ready) throw new ReplyError(425, "Use PORT or PASV first.");
    const sock = this.#socket ?? await new Promise<DataSocket>((resolve, reject) => {
      this.#pending = { resolve, reject };
    });
    this.#socket = undefined;
    if (!tlsContext) {
      if (!isConn(sock)) sock.resume();
      return sock;
    }
    if (isConn(sock)) {
      // PROT P came after PASV/EPSV: a Deno.Conn cannot be handed to node:tls.
      sock.close();
      throw new ReplyError(425, "Can't open data connection: use PASV or EPSV again after PROT P.");
    }
    let secure: tls.TLSSocket;
    try {
      secure = await acceptTls(sock, tlsContext, this.ctx.tlsHandshakeTimeout);
    } catch {
      throw new ReplyError(522, "SSL connection failed: TLS handshake on the data connection.");
    }
    if (requireReuse && !secure.isSessionReused()) {
      secure.destroy();
      throw new ReplyError(522, "SSL connection failed: session reuse required.");
    }
    secure.on("error", () => {});
    return secure;
  }

  #arm() {
    this.#clearTimer();
    this.#cancelWait = after(this.ctx.connectTimeout, () => {
      this.#cancelWait = undefined;
      const p = this.#pending;
      this.#pending = undefined;
      this.#closeListener();
      p?.reject(new ReplyError(425, "Can't open data connection: timed out."));
    });
  }

  #clearTimer() {
    this.#cancelWait?.();
    this.#cancelWait = undefined;
  }

  #closeListener() {
    const l = this.#listener;
    this.#listener = undefined;
    if (l instanceof net.Server) l.close();
    else if (l) {
      try {
        l.close();
      } catch { /* already closed */ }
    }
  }

  /** Drops the listener, the connection and any waiting transfer. */
  close(): void {
    this.#clearTimer();
    this.#closeListener();
    const sock = this.#socket;
    this.#socket = undefined;
    if (sock && isConn(sock)) {
      try {
        sock.close();
      } catch { /* already closed */ }
    } else sock?.destroy();
    const p = this.#pending;
    this.#pending = undefined;
    p?.reject(new ReplyError(426, "Data connection closed."));
  }
}
