/**
 * Typed TLS errors. A {@link TlsError} is a handshake that did not finish (timeout,
 * protocol failure, a peer that could not prove it holds its key); a
 * {@link TlsVerificationError} is a handshake that finished but whose peer ferry
 * refused after checking the certificate itself (see docs/TLS.md for why ferry, and
 * not the TLS stack, does that check).
 * @module
 */
import { FtpError } from "../errors.ts";

/**
 * Codes of {@link TlsError}: `ETLSTIMEOUT` may be retried, the others are permanent.
 * `ENOTTLS`: the peer answered the handshake with bytes that are no TLS record
 * (a plain FTP server's `220` welcome, say).
 */
export type TlsErrorCode =
  | "ETLSTIMEOUT"
  | "ETLSHANDSHAKE"
  | "ENOTTLS"
  | "ETLSCONFIG"
  | "ETLSSTATE";

/**
 * A TLS handshake that failed or ran past its deadline, or TLS options that cannot
 * be used. The socket is destroyed before this is thrown.
 *
 * @example
 * ```ts
 * try { await startTlsClient(sock, host, {}, 10_000); }
 * catch (e) { if (e instanceof TlsError && e.code === "ETLSTIMEOUT") retryLater(); }
 * ```
 */
export class TlsError extends FtpError {
  /** The host name (or IP) the connection was for. */
  readonly host?: string;
  /** Makes the error with its code (`ETLS...`) and the host it was for. */
  constructor(
    message: string,
    options: { code: TlsErrorCode | TlsVerificationCode; host?: string; cause?: unknown },
  ) {
    super(message, { code: options.code, cause: options.cause });
    this.host = options.host;
  }
}

/**
 * A TLS 1.2 handshake, tried because the server had refused a TLS 1.3 data
 * connection, was refused in turn: the server speaks TLS 1.3 only. ferry goes
 * back to TLS 1.3 for it, so this one is worth retrying with a new connection.
 *
 * @example
 * ```ts
 * catch (e) { if (e instanceof TlsFallbackError) reconnect(); }
 * ```
 */
export class TlsFallbackError extends TlsError {
  /** sync/retry's `isTemporary` reads this: the next connection negotiates TLS 1.3. */
  readonly temporary = true;
}

/**
 * Codes of {@link TlsVerificationError}:
 * - `ECERTUNTRUSTED`: no chain to a trusted CA (unknown issuer, self-signed).
 * - `ECERTEXPIRED` / `ECERTNOTYETVALID`: a certificate of the chain is outside its dates.
 * - `ECERTHOSTNAME`: the server certificate does not name the host.
 * - `ECERTCHAIN`: a malformed chain (an issuer that is not a CA, too long).
 * - `ECERTMISSING`: the peer sent no certificate.
 * - `ECERTPINNED`: a data connection's certificate differs from its control connection's.
 */
export type TlsVerificationCode =
  | "ECERTUNTRUSTED"
  | "ECERTEXPIRED"
  | "ECERTNOTYETVALID"
  | "ECERTHOSTNAME"
  | "ECERTCHAIN"
  | "ECERTMISSING"
  | "ECERTPINNED";

/**
 * The peer's certificate was refused. Never retry this automatically: it is what a
 * man in the middle looks like.
 *
 * @example
 * ```ts
 * try { await startTlsClient(sock, "ftp.example.org", { ca }, 10_000); }
 * catch (e) { if (e instanceof TlsVerificationError) console.error(e.code, e.message); }
 * ```
 */
export class TlsVerificationError extends TlsError {
  /** Subject of the certificate the check failed on, e.g. `CN=localhost`. */
  readonly subject?: string;
  /** SHA-256 fingerprint of the server's (leaf) certificate, colon-separated hex. */
  readonly fingerprint256?: string;
  /** Which check failed (expired, wrong host, untrusted, pin mismatch...). */
  declare readonly code: TlsVerificationCode;
  /** Makes the error with the failed check's code and the certificate's subject and fingerprint. */
  constructor(
    message: string,
    options: {
      code: TlsVerificationCode;
      host?: string;
      subject?: string;
      fingerprint256?: string;
      cause?: unknown;
    },
  ) {
    super(message, options);
    this.subject = options.subject;
    this.fingerprint256 = options.fingerprint256;
  }
}
