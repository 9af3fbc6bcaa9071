/**
 * An error of a one-off command's remote (or local) path, named where it is:
 * the server's or endpoint's message, then `(URL-of-the-path)`. Light to load:
 * `get`/`put` of every scheme use it, not only FTP's (cli/ftp.ts).
 * @module
 */
import { FerryError } from "../util/errors.ts";

/**
 * What the server (or the host over it) refused for a one-off command, its
 * message followed by where: `(ftp://user@host:port/path)`, never a password,
 * as a refused login names user@host:port. The server's own error is the
 * cause; its code is kept.
 *
 * @example
 * ```ts
 * new RemotePathError("ftp://bob@127.0.0.1:21/a.txt", cause).message;
 * // "server replied 550 Failed to open file. to RETR a.txt (ftp://bob@127.0.0.1:21/a.txt)"
 * ```
 */
export class RemotePathError extends FerryError {
  /** Makes the error for the remote path `where` and the error the server's refusal made. */
  constructor(where: string, cause: FerryError) {
    super(`${cause.message} (${where})`, { code: cause.code, cause });
  }
}
