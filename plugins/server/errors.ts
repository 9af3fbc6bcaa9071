/**
 * Typed errors of the server plugin, and the one place that turns an endpoint
 * error into an FTP reply (SFTPGo's lesson: map errors to replies in one spot).
 * @module
 */
import { FerryError } from "../../plugin.ts";

/**
 * Any error the server raises on purpose (bad configuration, bind failure...).
 *
 * @example
 * ```ts
 * throw new FtpServerError("no certificate configured", { code: "ESERVERCONFIG" });
 * ```
 */
export class FtpServerError extends FerryError {
  /** Makes the error (code `ESERVER` unless given). */
  constructor(message: string, options: { code?: string; cause?: unknown } = {}) {
    super(message, { code: options.code ?? "ESERVER", cause: options.cause });
  }
}

/**
 * Thrown inside a command handler to answer the client with one reply.
 * The session catches it and sends `code text`; nothing else happens.
 *
 * @example
 * ```ts
 * throw new ReplyError(550, "No such file or directory.");
 * ```
 */
export class ReplyError extends FerryError {
  readonly reply: number;
  constructor(reply: number, text: string, options: { cause?: unknown } = {}) {
    super(text, { code: "EFTPREPLY", cause: options.cause });
    this.reply = reply;
  }
}

/**
 * A path that would leave the user's home (`..`, an absolute symlink, a
 * symlink whose target lies outside). Always answered with 550.
 *
 * @example
 * ```ts
 * throw new JailError("/etc/passwd");
 * ```
 */
export class JailError extends ReplyError {
  constructor(path: string) {
    super(550, `${path}: no such file or directory (outside the home directory).`);
  }
}

/**
 * A hook refused a finished upload; the file is removed and the client told why.
 *
 * @example
 * ```ts
 * onFileReceived: (ev) => { if (ev.bytes === 0) throw new UploadVetoError("empty files are not accepted"); }
 * ```
 */
export class UploadVetoError extends FerryError {
  /** Makes the veto; `reason` goes into the 550 reply. */
  constructor(reason: string) {
    super(reason, { code: "EUPLOADVETO" });
  }
}

/** Replies for the endpoint contract's error codes; texts never carry backend paths. */
const replies: Record<string, [number, string]> = {
  ENOENT: [550, "No such file or directory."],
  EEXIST: [550, "File exists."],
  ENOTDIR: [550, "Not a directory."],
  EISDIR: [550, "Is a directory."],
  ENOTEMPTY: [550, "Directory not empty."],
  EACCES: [550, "Permission denied."],
  EPERM: [550, "Operation not permitted."],
  ENOTSUP: [502, "Not supported by this storage."],
  EINVAL: [553, "Invalid file name."],
  ENOSPC: [452, "Insufficient storage space."],
  EDQUOT: [552, "Quota exceeded."],
};

/** Deno's error class names for the same conditions (a plugin endpoint may leak them). */
const denoNames: Record<string, string> = {
  NotFound: "ENOENT",
  AlreadyExists: "EEXIST",
  NotADirectory: "ENOTDIR",
  IsADirectory: "EISDIR",
  PermissionDenied: "EACCES",
  NotSupported: "ENOTSUP",
};

/**
 * The FTP reply for an error thrown by an endpoint or a handler. Unknown errors
 * become a generic 451 so that backend details (real paths) never reach the client.
 *
 * @example
 * ```ts
 * const [code, text] = replyFor(new NotFoundError("a")); // [550, "No such file or directory."]
 * ```
 */
export function replyFor(error: unknown): [number, string] {
  if (error instanceof ReplyError) return [error.reply, error.message];
  const e = error as { code?: unknown; name?: unknown } | undefined;
  const code = typeof e?.code === "string"
    ? e.code
    : typeof e?.name === "string"
    ? denoNames[e.name]
    : undefined;
  return (code && replies[code]) ||
    [451, "Requested action aborted: local error in processing."];
}

/**
 * The endpoint error code of `error` (`ENOENT`, ...), whatever produced it.
 *
 * @example
 * ```ts
 * if (errorCode(e) === "ENOENT") return undefined;
 * ```
 */
export function errorCode(error: unknown): string | undefined {
  const e = error as { code?: unknown; name?: unknown } | undefined;
  if (typeof e?.code === "string") return e.code;
  if (typeof e?.name === "string") return denoNames[e.name];
  return undefined;
}

/**
 * Whether an error is a programming fault (TypeError, RangeError, ...) rather
 * than a refusal, an endpoint error or a network error: such a fault closes
 * the one session that met it, logged with the session, never the server.
 *
 * @example
 * ```ts
 * isFault(new TypeError("x is undefined")); // true
 * isFault(new ReplyError(550, "No such file.")); // false
 * ```
 */
export function isFault(error: unknown): boolean {
  return error instanceof TypeError || error instanceof RangeError ||
    error instanceof ReferenceError || error instanceof SyntaxError || error instanceof EvalError;
}
