/**
 * UFTP's typed errors. Each carries what a user needs to act (HTTP status, the
 * auth server's `errorMessage`, the server name, the path) and never a secret:
 * no password, token or one-time secret is ever put into a message.
 * @module
 */
import { FerryError } from "../../errors.ts";

/**
 * Base of every error the UFTP plugin raises.
 *
 * @example
 * ```ts
 * throw new UftpError("something about UFTP went wrong");
 * ```
 */
export class UftpError extends FerryError {
  /** Makes the error (code `EUFTP` unless given). */
  constructor(message: string, options: { code?: string; cause?: unknown } = {}) {
    super(message, { code: options.code ?? "EUFTP", cause: options.cause });
  }
}

/**
 * A `uftp://` URL, a key file or a credential option that cannot be used.
 *
 * @example
 * ```ts
 * throw new UftpConfigError("uftp:// URL without a base directory");
 * ```
 */
export class UftpConfigError extends UftpError {
  /** Makes the error (code `EUFTPCONFIG`). */
  constructor(message: string, options: { cause?: unknown } = {}) {
    super(message, { code: "EUFTPCONFIG", cause: options.cause });
  }
}

/** Why the auth server refused (from its HTTP status). */
export type AuthFailure =
  | "unauthorized"
  | "forbidden"
  | "bad-request"
  | "unknown-server"
  | "unavailable"
  | "uftpd-refused"
  | "uftpd-unreachable"
  | "server-error"
  | "network"
  | "bad-response";

/**
 * The auth step failed: wrong credentials (401/403), an unknown server name
 * (404), a UFTPD the auth server cannot reach (500), a network problem, or a
 * reply that is not what UNICORE sends.
 *
 * @example
 * ```ts
 * try { await authenticate(...); } catch (e) { if (e instanceof UftpAuthError) console.log(e.status, e.serverMessage); }
 * ```
 */
export class UftpAuthError extends UftpError {
  /** HTTP status, when a reply came. */
  readonly status?: number;
  /** The auth server's `errorMessage` (or `reason`), when it sent one. */
  readonly serverMessage?: string;
  /** The kind of refusal: unauthorized, forbidden, unknown server... */
  readonly failure: AuthFailure;
  /** Makes the error with the HTTP status and the server's message, if any. */
  constructor(
    message: string,
    options: { failure: AuthFailure; status?: number; serverMessage?: string; cause?: unknown },
  ) {
    super(message, { code: `EUFTPAUTH${options.status ?? ""}`, cause: options.cause });
    this.status = options.status;
    this.serverMessage = options.serverMessage;
    this.failure = options.failure;
  }
}

/**
 * The UFTPD said something the protocol does not allow, or refused the session.
 *
 * @example
 * ```ts
 * throw new UftpProtocolError("bad EPSV reply");
 * ```
 */
export class UftpProtocolError extends UftpError {
  /** Makes the error (code `EUFTPPROTO` unless given). */
  constructor(message: string, options: { code?: string; cause?: unknown } = {}) {
    super(message, { code: options.code ?? "EUFTPPROTO", cause: options.cause });
  }
}

/**
 * A data connection ended before its transfer did (cut, reset, closed by the
 * peer): temporary, so the transfer is retried and resumes from the size the
 * server confirms.
 *
 * @example
 * ```ts
 * throw new UftpDataConnectionError("data connection closed while writing");
 * ```
 */
export class UftpDataConnectionError extends UftpProtocolError {
  /** Always true: sync/retry's `isTemporary` retries it. */
  readonly temporary = true;
  /** Makes the error (code `EUFTPDATA`). */
  constructor(message: string, options: { cause?: unknown } = {}) {
    super(message, { code: "EUFTPDATA", cause: options.cause });
  }
}

/**
 * A feature the server demands or the user asked for that ferry does not implement.
 *
 * @example
 * ```ts
 * throw new UftpUnsupportedError("UFTP compression is not implemented by ferry");
 * ```
 */
export class UftpUnsupportedError extends UftpError {
  /** Makes the error (code `EUFTPUNSUPPORTED`). */
  constructor(message: string) {
    super(message, { code: "EUFTPUNSUPPORTED" });
  }
}

/**
 * The UFTPD accepted the login and closed the session at once: it could not
 * enter the base directory the session was granted (missing, not a
 * directory, or not one the session's Unix user may enter). The UFTPD tells
 * the client nothing more (it logs "No such directory"); `baseDir` is the
 * directory asked for.
 *
 * @example
 * ```ts
 * throw new UftpBaseDirError("/data/missing", "127.0.0.1:64434");
 * ```
 */
export class UftpBaseDirError extends UftpError {
  /** The base directory of the session (the path after `NAME:` in the URL). */
  readonly baseDir: string;
  /** Makes the error (code `EUFTPBASEDIR`) naming the directory and the UFTPD. */
  constructor(baseDir: string, server: string, options: { cause?: unknown } = {}) {
    super(
      `base directory ${baseDir} does not exist on the UFTPD at ${server} (or is not a ` +
        `directory the session's user may enter): it closed the session right after the login`,
      { code: "EUFTPBASEDIR", cause: options.cause },
    );
    this.baseDir = baseDir;
  }
}
