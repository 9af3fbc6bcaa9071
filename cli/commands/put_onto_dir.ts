/**
 * `ferry put FILE ftp://host/dir` where `dir` is a directory on the server.
 * ferry writes `.dir.ferry.part` and renames it onto `dir`, which every
 * server refuses (vsftpd 550 "Rename failed.", ProFTPD 550 "Operation not
 * permitted", pyftpdlib 550 "Is a directory.", Pure-FTPd 451 "Is a
 * directory", a temporary code, so it was tried 3 times), and the partial
 * stayed on the server. curl (`-T f ftp://h/dir`: 553, exit 25) and lftp
 * (`put f -o dir`: 553) refuse it; with a trailing slash (`dir/`) all three
 * put the file into the directory, as ferry does. So: an `IsADirectoryError`
 * naming the remote path, nothing left behind. A file of {@link LOOK_FIRST_BYTES}
 * or more is checked before it is sent (one CWD, one round trip: small beside
 * its transfer); a smaller one only when its rename is refused (no round trip
 * on the way that works, a few bytes sent for nothing on the one that fails).
 * @module
 */
import type { FtpClient } from "../../ftp/client.ts";
import type * as FtpErrors from "../../ftp/errors.ts";
import type * as CwdTurn from "../../ftp/cwd_turn.ts";
import { IsADirectoryError } from "../../endpoint/errors.ts";
import { late } from "../late.ts";

/** From this size on a put checks first that its remote name is no directory. */
export const LOOK_FIRST_BYTES = 16 * 1024 * 1024;

/**
 * Throws `IsADirectoryError` when `path` is a directory on the server (CWD
 * into it works; the session is then left there, the put ending with this
 * error). A refused CWD is the usual answer: a file, or nothing yet.
 *
 * @example
 * ```ts
 * if (size >= LOOK_FIRST_BYTES) await refuseDirectory(client, "dir", errors);
 * ```
 */
export async function refuseDirectory(
  client: FtpClient,
  path: string,
  { FtpPermanentError }: typeof FtpErrors,
  cause?: unknown,
): Promise<void> {
  try {
    // Not while a listing from inside a directory has moved the session (ftp/cwd_turn.ts,
    // loaded late: a local put loads no FTP module).
    const { cwdTurn } = await late<typeof CwdTurn>(import.meta.url, "../../ftp/cwd_turn.ts");
    await cwdTurn(client, () => client.cwd(path));
  } catch (error) {
    if (error instanceof FtpPermanentError) return;
    throw error;
  }
  throw new IsADirectoryError(path, { cause });
}

/**
 * What a put throws when the server refused the rename of its partial onto
 * `path` (or, with `--no-atomic`, the STOR of `path` itself: no `partial`)
 * with `error`: the partial is removed when the server answered (it is
 * whole, and useless once the rename is refused), and an `IsADirectoryError`
 * replaces the server's words when `path` is a directory. A cut connection
 * leaves both as they are.
 *
 * @example
 * ```ts
 * try { await rename(); } catch (error) { throw await putRefused(client, path, error, errors, temp); }
 * ```
 */
export async function putRefused(
  client: FtpClient,
  path: string,
  error: unknown,
  errors: typeof FtpErrors,
  partial?: string,
): Promise<unknown> {
  // The rename's own check found the directory (sync/replace_checked.ts): no retry.
  const directory = error instanceof IsADirectoryError;
  const answered = directory || error instanceof errors.FtpPermanentError ||
    error instanceof errors.FtpTemporaryError;
  if (!answered) return error;
  if (partial !== undefined) await client.delete(partial).catch(() => undefined);
  if (directory) return error;
  try {
    await refuseDirectory(client, path, errors, error);
  } catch (refusal) {
    return refusal instanceof IsADirectoryError ? refusal : error;
  }
  return error;
}
