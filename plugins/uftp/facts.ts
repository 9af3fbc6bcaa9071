/**
 * `MFMT` and `MFF` on the UFTPD for every name. The UFTPD splits their
 * argument at ASCII spaces (Session.py `set_file_mtime`/`set_file_property`:
 * `mtime, target = params.split(" ", 2)`), so a path with a space is refused
 * with `500 Error processing command 'MFMT': too many values to unpack
 * (expected 2)`, and no quoting helps (the path is taken literally). So:
 *
 * - a path without a space goes as it is;
 * - a spaced directory, a plain name: `CWD` into the directory, the command on
 *   the bare name, `CWD` back to the base (one hold of the control
 *   connection, so no other command runs in between);
 * - a spaced name: the file is renamed to a name without white space in the
 *   same directory ({@link spaceFreeName}, a ferry temporary name), the
 *   command is sent there, and the file is renamed onto its name (or on to
 *   the rename's target: a rename keeps the mtime). A failure moves the file
 *   back, so nothing is left under the temporary name.
 * @module
 */
import { posix } from "node:path";
import type { RawControl, Reply } from "../../ftp.ts";
import { errorForReply } from "../../host.ts";
import { UftpError } from "./errors.ts";
import { relativePath, upToBase } from "./paths.ts";

/**
 * A file that was renamed to a temporary name to have its time set, and could
 * not be moved back: `left` says where it is now.
 *
 * @example
 * ```ts
 * throw new UftpStrandedError("/d/a b.txt", "/d/.k3x9ab.ferry-mtime.part", cause);
 * ```
 */
export class UftpStrandedError extends UftpError {
  /** The path (below the base) the file had. */
  readonly path: string;
  /** Where it is now. */
  readonly left: string;

  constructor(path: string, left: string, cause: unknown) {
    const why = cause instanceof Error ? cause.message : String(cause);
    super(`${path} is left at ${left}: cannot move it back (${why})`, {
      code: "EUFTPSTRANDED",
      cause,
    });
    this.path = path;
    this.left = left;
  }
}

/**
 * A name without white space for a file in the same directory while its time
 * is set: a ferry temporary name (`endpoint/atomic.ts isTempName`), so walks
 * pass over it, of a fixed length whatever the file's name.
 *
 * @example
 * ```ts
 * spaceFreeName("k3x9ab"); // ".k3x9ab.ferry-mtime.part"
 * ```
 */
export function spaceFreeName(random: string = randomTag()): string {
  return `.${random}.ferry-mtime.part`;
}

/** What {@link sendFact} needs besides the control connection. */
export interface FactContext {
  /** The hold on the session's control connection (`FtpClient.exclusive`). */
  ctl: RawControl;
  /** Called when the session was left out of its base directory: it must go. */
  lost: () => void;
  /** The temporary name's random part (tests). */
  random?: () => string;
}

/**
 * Sends `line(path)` (a command with one path at its end, `MFMT 2024... p`)
 * for the absolute path `path` (below the base), `path` in a form without
 * ASCII spaces: as it is, else from inside its directory. Resolves to the
 * command's reply (refusals returned, not thrown), or undefined when the
 * file's own name has a space (see {@link factThenRename}). A `CWD` refused
 * on the way in is the reply; one refused on the way back calls `lost` and
 * throws.
 *
 * @example
 * ```ts
 * await sendFact({ ctl, lost }, (p) => `MFMT 20240102030405 ${p}`, "/a b/c.txt");
 * // CWD a b, MFMT 20240102030405 c.txt, CWD ..
 * ```
 */
export async function sendFact(
  cx: FactContext,
  line: (sent: string) => string,
  path: string,
): Promise<Reply | undefined> {
  const sent = relativePath(path);
  if (!sent.includes(" ")) return await cx.ctl.command(line(sent));
  const name = relativePath(posix.basename(path));
  if (name.includes(" ")) return undefined;
  const dir = posix.dirname(path);
  const into = `CWD ${relativePath(dir)}`;
  const entered = await cx.ctl.command(into);
  if (entered.code >= 300) return entered;
  const reply = await cx.ctl.command(line(name));
  const up = `CWD ${upToBase(dir)}`;
  const back = await cx.ctl.command(up);
  if (back.code >= 300) {
    // Left inside `dir`, every relative path would be wrong.
    cx.lost();
    throw errorForReply(back, up);
  }
  return reply;
}

/**
 * Sets a fact on `from` with `line` (see {@link sendFact}) and renames it onto
 * `to` (`to` = `from`: the fact alone). Resolves to the command's reply
 * (refused or not: the rename is done either way); throws when the rename is
 * refused, with `from` as it was (or a {@link UftpStrandedError} saying where
 * the file is if it cannot be moved back).
 *
 * @example
 * ```ts
 * await factThenRename(cx, (p) => `MFMT 20240102030405 ${p}`, "/.a b.ferry.part", "/a b");
 * ```
 */
export async function factThenRename(
  cx: FactContext,
  line: (sent: string) => string,
  from: string,
  to: string,
): Promise<Reply> {
  const direct = await sendFact(cx, line, from);
  if (direct) {
    if (to !== from) await rename(cx.ctl, from, to);
    return direct;
  }
  const temp = posix.join(posix.dirname(from), spaceFreeName(cx.random?.()));
  await rename(cx.ctl, from, temp);
  let reply: Reply;
  try {
    reply = (await sendFact(cx, line, temp))!;
  } catch (error) {
    // The session is gone: nothing can move the file back.
    throw new UftpStrandedError(from, temp, error);
  }
  try {
    await rename(cx.ctl, temp, to);
  } catch (error) {
    if (to === from) throw new UftpStrandedError(from, temp, error);
    await rename(cx.ctl, temp, from).catch((e) => {
      throw new UftpStrandedError(from, temp, e);
    });
    throw error;
  }
  return reply;
}

/** RNFR + RNTO of two absolute paths below the base; a refusal throws. */
async function rename(ctl: RawControl, from: string, to: string): Promise<void> {
  const rnfr = `RNFR ${relativePath(from)}`;
  const first = await ctl.command(rnfr);
  if (first.code !== 350) throw errorForReply(first, rnfr);
  const rnto = `RNTO ${relativePath(to)}`;
  const second = await ctl.command(rnto);
  if (second.code < 200 || second.code >= 300) throw errorForReply(second, rnto);
}

function randomTag(): string {
  const bytes = crypto.getRandomValues(new Uint8Array(8));
  return Array.from(bytes, (b) => (b % 36).toString(36)).join("");
}
