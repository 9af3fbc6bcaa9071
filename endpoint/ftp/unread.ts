/**
 * A LIST of a directory the FTP user may not read is seldom an error. Seen
 * here (2026-12-07) for a directory of mode 000 (or root's 0700) in the served tree:
 *
 * | server          | LIST / LIST -a of it                               | CWD into it |
 * | --------------- | -------------------------------------------------- | ----------- |
 * | vsftpd 3.0.3    | 150/226 "Directory send OK", one line: the directory itself (`d--------- ... locked`) | 550 |
 * | ProFTPD 1.3.8   | 150/226 "Transfer complete", no line               | 550 ... Permission denied |
 * | Pure-FTPd 1.0.50 | 150/226 "0 matches total", no line                | 550 ... Permission denied |
 *
 * (MLSD, where offered, answers 550.) A readable directory's `LIST -a` on all
 * three shows its own "." first, an empty one too. So a LIST without the
 * directory's "." is checked before anyone trusts it, since a mirror would
 * delete what it does not show: where this server's `LIST -a` has shown a "."
 * before, a listing without one is not the directory's; else an empty listing,
 * or one holding only an entry named as the directory, is believed only when
 * CWD into the directory works.
 * @module
 */
import type { Listing } from "../../ftp/listing/index.ts";
import type { ListEntry } from "../../ftp/listing/types.ts";
import { FtpPermanentError } from "../../ftp/errors.ts";
import { cwdTurn } from "../../ftp/cwd_turn.ts";
import type { FtpClient } from "../../ftp/client.ts";
import { PermissionDeniedError } from "../errors.ts";
import { remoteBasename } from "./remote_path.ts";

/**
 * Whether a LIST shows the listed directory's own "." entry, which only a
 * directory's listing holds: a file's LIST is its one line, a link listed as a
 * link its line, a missing path nothing (or a refusal). Servers that list
 * through a link to a directory show the "." of the place it leads to, whose
 * entries the link's listing is.
 *
 * @example
 * ```ts
 * hasOwnDot([{ name: ".", type: "dir", precision: 0 }]); // true
 * ```
 */
export function hasOwnDot(entries: readonly ListEntry[]): boolean {
  return entries.some((e) => e.name === "." && e.type === "dir");
}

/**
 * Whether the LIST `entries` of directory `dir` may be what a server sends for
 * a directory it cannot read: no "." of its own and either a "." was due (the
 * listing is a `LIST -a` one and `dotShown`: this server's `LIST -a` has shown
 * a directory's "." before) or nothing in it but (vsftpd's way) one directory
 * named as `dir` itself.
 *
 * @example
 * ```ts
 * mayBeUnread([], "/pub/locked", false); // true: check it
 * mayBeUnread([{ name: "locked", type: "dir", precision: 0 }], "/pub/locked", false); // true
 * mayBeUnread([{ name: "a", type: "file", precision: 0 }], "/pub/locked", false); // false
 * ```
 */
export function mayBeUnread(entries: Listing, dir: string, dotShown: boolean): boolean {
  if (hasOwnDot(entries)) return false;
  if (dotDue(entries, dotShown)) return true;
  return shown(entries, dir) !== undefined;
}

/** What a LIST holds besides dot entries when that is nothing or only `dir` itself. */
function shown(entries: Listing, dir: string): "nothing" | "only itself" | undefined {
  const named = entries.filter((e) => e.name !== "." && e.name !== "..");
  if (named.length === 0) return "nothing";
  const self = named.length === 1 && named[0].type === "dir" &&
    named[0].name === remoteBasename(dir);
  return self ? "only itself" : undefined;
}

/** A `LIST -a` listing on a server whose `LIST -a` has shown a "." before. */
function dotDue(entries: Listing, dotShown: boolean): boolean {
  return dotShown && entries.listedAll === true;
}

/**
 * Throws `PermissionDeniedError` (naming `dir` and the server's reply) when a
 * listing {@link mayBeUnread} found suspect is not the directory's: CWD into it
 * is refused, or it lacks the "." this server's `LIST -a` shows (`dotShown`).
 * The session's directory is put back after.
 *
 * @example
 * ```ts
 * if (mayBeUnread(entries, "/pub/locked", false)) await confirmRead(client, entries, "/pub/locked", false);
 * ```
 */
export async function confirmRead(
  c: FtpClient,
  entries: Listing,
  dir: string,
  dotShown: boolean,
): Promise<void> {
  // It moves the session's CWD (and back): in its turn (../../ftp/cwd_turn.ts).
  await cwdTurn(c, async () => {
    const back = await c.pwd();
    try {
      await c.cwd(dir);
    } catch (error) {
      if (!(error instanceof FtpPermanentError)) throw error;
      throw new PermissionDeniedError(dir, {
        message: `permission denied: cannot read directory ${dir} ` +
          `(its LIST showed ${shown(entries, dir) ?? 'no "." entry'}, and ${error.message})`,
        cause: error,
      });
    }
    await c.cwd(back);
  });
  if (dotDue(entries, dotShown)) {
    throw new PermissionDeniedError(dir, {
      message: `permission denied: cannot read directory ${dir} (its LIST -a shows no "." ` +
        `entry, which this server shows for every directory it can read)`,
    });
  }
}
