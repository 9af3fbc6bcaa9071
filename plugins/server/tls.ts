/**
 * Server-side TLS on accepted sockets (FACTS.md: Deno has no server
 * `startTls`, but node:tls `TLSSocket` with `isServer` upgrades a node:net
 * socket). One secure context per server so that data connections can resume
 * the control connection's session (checked with `isSessionReused()`).
 * @module
 */
import type { Socket } from "node:net";
import tls from "node:tls";
import { FtpServerError } from "./errors.ts";

/** Certificate material, PEM text. */
export interface TlsOptions {
  /** Server certificate chain (leaf first). */
  cert: string;
  /** Private key of the leaf. */
  key: string;
  /** Minimum protocol version (default TLSv1.2). */
  minVersion?: "TLSv1.2" | "TLSv1.3";
  /**
   * Maximum protocol version (default TLSv1.2). TLS 1.3 servers send session
   * tickets after the handshake; curl before 8.8 closes an upload's data
   * connection without reading them, the kernel answers with a reset, and the
   * tail of the upload is lost (curl KNOWN_BUGS "FTPS upload data loss with
   * TLS 1.3", curl#6149; ProFTPD#2015). Seen here with curl 7.88 against this
   * server: about half of 300 kB uploads arrived cut at 112 KiB. Set
   * "TLSv1.3" when every client is known to be unaffected.
   */
  maxVersion?: "TLSv1.2" | "TLSv1.3";
}

/**
 * Builds the server's secure context; throws `FtpServerError` for unusable PEM.
 *
 * @example
 * ```ts
 * const ctx = createTlsContext({ cert: await Deno.readTextFile("c.pem"), key: await Deno.readTextFile("k.pem") });
 * ```
 */
export function createTlsContext(options: TlsOptions): tls.SecureContext {
  try {
    return tls.createSecureContext({
      cert: options.cert,
      key: options.key,
      minVersion: options.minVersion ?? "TLSv1.2",
      maxVersion: options.maxVersion ?? "TLSv1.2",
    });
  } catch (e) {
    throw new FtpServerError(`unusable TLS certificate or key: ${(e as Error).message}`, {
      code: "ESERVERTLS",
      cause: e,
    });
  }
}

/** Where a reader wants the events of a TLS socket delivered. */
export interface TlsReaderCallbacks {
  data(chunk: Uint8Array): void;
  end(): void;
  error(e: Error): void;
}

interface Recorder {
  events: Array<["data", Uint8Array] | ["end"] | ["error", Error]>;
  target?: TlsReaderCallbacks;
}

const recorders = new WeakMap<tls.TLSSocket, Recorder>();

/**
 * Hands the reading side of a socket from {@link acceptTls} to `callbacks`:
 * whatever arrived since the handshake is replayed first, in order.
 *
 * Why a recorder at all: Deno 2.9.6's server-side `TLSSocket` loses the end of
 * the stream (and can drop buffered data on close) once its readable side has
 * been stopped, which happens both on `pause()` and when nobody reads and its
 * buffer fills. So a TLS socket is read in flowing mode from its first byte.
 *
 * @example
 * ```ts
 * readTls(secure, { data: (c) => queue.push(c), end: () => done(), error: fail });
 * ```
 */
export function readTls(sock: tls.TLSSocket, callbacks: TlsReaderCallbacks): void {
  const r = recorders.get(sock);
  if (!r) {
    sock.on("data", (c: Uint8Array) => callbacks.data(c));
    sock.on("end", () => callbacks.end());
    sock.on("error", (e: Error) => callbacks.error(e));
    return;
  }
  for (const ev of r.events) {
    if (ev[0] === "data") callbacks.data(ev[1]);
    else if (ev[0] === "end") callbacks.end();
    else callbacks.error(ev[1]);
  }
  r.events = [];
  r.target = callbacks;
}

/**
 * Runs the server side of a TLS handshake on an accepted (or, in active
 * mode, connected) socket. Resolves once the handshake is done; rejects and
 * destroys the socket on failure or after `timeoutMs`. Read the result with
 * {@link readTls}.
 *
 * @example
 * ```ts
 * const secure = await acceptTls(socket, ctx, 10_000);
 * secure.isSessionReused();
 * ```
 */
export function acceptTls(
  socket: Socket,
  context: tls.SecureContext,
  timeoutMs: number,
): Promise<tls.TLSSocket> {
  return new Promise((resolve, reject) => {
    const secure = new tls.TLSSocket(socket, { isServer: true, secureContext: context });
    const rec: Recorder = { events: [] };
    recorders.set(secure, rec);
    secure.on(
      "data",
      (c: Uint8Array) => rec.target ? rec.target.data(c) : rec.events.push(["data", c]),
    );
    secure.on("end", () => rec.target ? rec.target.end() : rec.events.push(["end"]));
    secure.on(
      "error",
      (e: Error) => rec.target ? rec.target.error(e) : rec.events.push(["error", e]),
    );
    const timer = setTimeout(() => {
      fail(new FtpServerError("TLS handshake timed out", { code: "ESERVERTLSTIMEOUT" }));
    }, timeoutMs);
    const fail = (e: Error) => {
      clearTimeout(timer);
      secure.off("secure", ok);
      secure.destroy();
      socket.destroy();
      reject(e);
    };
    const ok = () => {
      clearTimeout(timer);
      secure.off("error", fail);
      secure.off("close", closed);
      resolve(secure);
    };
    const closed = () => fail(new FtpServerError("connection closed during TLS handshake"));
    secure.once("secure", ok);
    secure.once("error", fail);
    secure.once("close", closed);
  });
}
