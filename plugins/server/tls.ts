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
    });
  } catch (e) {
    throw new FtpServerError(`unusable TLS certificate or key: ${(e as Error).message}`, {
      code: "ESERVERTLS",
      cause: e,
    });
  }
}

/**
 * Runs the server side of a TLS handshake on an accepted (or, in active
 * mode, connected) socket. Resolves once the handshake is done; rejects and
 * destroys the socket on failure or after `timeoutMs`.
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
