/**
 * The last step of a transfer, safe against a cut: the checked partial renamed
 * onto its real name (`replaceDated`), and when that rename fails in a way
 * that leaves its outcome unknown (a dropped connection, a timeout, a 4xx),
 * the target is asked again, on a new session, what happened:
 * - the partial is still there, with all its bytes: the rename is tried again;
 * - the partial is gone and the real name has the expected size (and the
 *   mtime that went with the rename, where one did): the rename happened;
 * - anything else: {@link RenameUnconfirmedError}, naming the path and the
 *   rename's last failure (the server's reply, or the cut).
 * Never an upload again, never "done" without the target's word. The last
 * cut rename is looked into also when no retry is left (`--retries 0`): the
 * file is then done, or fails with the rename's error and keeps its partial.
 *
 * rclone removes the partial after a failed move and reports the error (its
 * next retry uploads the file again); lftp (`xfer:use-temp-file`) fails the
 * transfer with the rename's error. Both lose a finished upload to a cut
 * that came after the server had all its bytes; asking first keeps it.
 * @module
 */
import type { Stat } from "../endpoint/types.ts";
import { IsADirectoryError, NotFoundError } from "../endpoint/errors.ts";
import { compareMtimes } from "../endpoint/mtime.ts";
import { Precision } from "../util/precision.ts";
import { causeChain, errorMessage, FerryError } from "../util/errors.ts";
import { logger } from "../util/log.ts";
import { applyMtime, type RenameTarget, replaceDated } from "./replace.ts";
import { isTemporary, type RetryOptions, withRetry } from "./retry.ts";

const log = logger("sync", "transfer");

/** The rename after a transfer failed, and what the target shows since does not say it happened. */
export class RenameUnconfirmedError extends FerryError {
  /** The real name the partial was to take. */
  readonly path: string;
  /** The rename's failure that left its outcome unknown (kept out of `cause`: that one was temporary). */
  readonly cut: unknown;
  /** Makes the error for `path`: `found` says what the target shows now. */
  constructor(from: string, path: string, cut: unknown, found: string) {
    super(
      `${path}: the rename of ${from} onto it failed (${errorMessage(cut)}); since then ${found}`,
      { code: "ERENAME" },
    );
    this.path = path;
    this.cut = cut;
  }
}

/** Options of {@link replaceChecked}. */
export interface ReplaceCheckedOptions {
  /** The partial's size, checked before: what the real name must have after the rename. */
  size: number;
  /** The mtime to give the target (with the rename where the endpoint can). */
  mtime?: Date;
  /**
   * Renames again after a cut one that had not happened. The outcome of a cut
   * rename is asked whatever the count, with `retries: 0` too: that sends no
   * bytes and renames nothing, so it is no retry.
   */
  retry?: RetryOptions;
  /** Stops the retries (and their delays). */
  signal?: AbortSignal;
  /**
   * The rename was made once already, by the caller, and failed with this
   * temporary error (its outcome unknown): the target is asked first.
   */
  cut?: unknown;
  /** A failed rename is about to be checked (see `TransferOptions.onRetry`). */
  onRetry?: (error: unknown, attempt: number, delayMs: number) => void;
}

/**
 * Renames the checked `partial` onto `path` (see the module notes); resolves
 * to whether the mtime was set.
 *
 * @example
 * ```ts
 * await replaceChecked(ftp, "up/.a.bin.ferry.part", "up/a.bin", { size: 1024, mtime });
 * ```
 */
export async function replaceChecked(
  dst: RenameTarget,
  partial: string,
  path: string,
  options: ReplaceCheckedOptions,
): Promise<boolean> {
  const { mtime } = options;
  // The time goes with the rename (set on the partial first, FTP's MFMT): a target without
  // it after a cut is not known to be the new file.
  const carried = mtime !== undefined && dst.capabilities().setMtime &&
    dst.renameWithMtime !== undefined;
  let cut: unknown = options.cut;
  /** Whether the cut rename happened (true), or did not and the partial is whole (false). */
  const happened = async (cut: unknown): Promise<boolean> => {
    if (!await renamed(dst, partial, path, cut, options.size, carried ? mtime : undefined)) {
      return false;
    }
    if (answered(cut)) {
      log.info("{path}: the server answered the rename with {error}, yet it had happened", {
        path,
        error: errorMessage(cut),
      });
    } else log.info("{path}: the rename was cut, and it had happened", { path });
    return true;
  };
  try {
    return await withRetry(async () => {
      if (cut !== undefined) {
        if (await happened(cut)) return carried || await applyMtime(dst, path, mtime);
        if (answered(cut)) {
          log.info("{path}: the server refused the rename for now ({error}); renaming again", {
            path,
            error: errorMessage(cut),
          });
        } else log.info("{path}: the rename was cut before it happened; renaming again", { path });
      }
      try {
        return await replaceDated(dst, partial, path, mtime);
      } catch (error) {
        // A refusal that is final (550) left both names as they were; anything temporary
        // may have renamed on the way: looked at before anything else is done.
        if (isTemporary(error)) {
          cut = error;
          // A temporary refusal (Pure-FTPd's "451 Rename/move failure: Is a directory")
          // of a rename onto a directory will never work: no retry.
          if (answered(error)) await refuseDirectory(dst, path, error);
        }
        throw error;
      }
    }, { ...options.retry, signal: options.signal, onRetry: options.onRetry });
  } catch (error) {
    // The retries are spent (none with `--retries 0`) and the last rename was cut: its
    // outcome is still asked, as that sends nothing and renames nothing. A rename that did
    // not happen is not made again here: the rename's error stands, the partial stays.
    if (error !== cut || options.signal?.aborted) throw error;
    let done: boolean;
    try {
      done = await happened(cut);
    } catch (check) {
      if (check instanceof RenameUnconfirmedError) throw check;
      throw new RenameUnconfirmedError(
        partial,
        path,
        cut,
        `it could not be checked (${errorMessage(check)})`,
      );
    }
    if (!done) throw error;
    return carried || await applyMtime(dst, path, mtime);
  }
}

/**
 * Whether a failed rename was answered by the server (an FTP reply code in
 * it or its causes), not cut on the way (a dropped connection, a timeout).
 */
function answered(error: unknown): boolean {
  for (const e of causeChain(error)) if (typeof e.ftpCode === "number") return true;
  return false;
}

/**
 * Throws `IsADirectoryError` when `path` is a directory now: a rename onto it
 * is refused for good, whatever code the server gave. The `refusal` goes to
 * the log, not into the error's `cause` (its 4xx would make it a temporary
 * error, to be retried). A failed look changes nothing (the retries go on).
 */
async function refuseDirectory(dst: RenameTarget, path: string, refusal: unknown): Promise<void> {
  const target = await statOrMissing(dst, path, true).catch(() => undefined);
  if (target?.type !== "dir") return;
  log.info("{path}: the server refused the rename ({error}), and {path} is a directory: no retry", {
    path,
    error: errorMessage(refusal),
  });
  throw new IsADirectoryError(path);
}

/**
 * After a cut rename: true when it happened (the partial gone, the target as
 * expected), false when the partial is still there whole (to rename again);
 * otherwise {@link RenameUnconfirmedError}.
 */
async function renamed(
  dst: RenameTarget,
  partial: string,
  path: string,
  cut: unknown,
  size: number,
  mtime: Date | undefined,
): Promise<boolean> {
  const left = await statOrMissing(dst, partial, true);
  if (left) {
    if (left.type === "file" && left.size === size) return false;
    throw new RenameUnconfirmedError(
      partial,
      path,
      cut,
      `${partial} is ${describe(left)}, not the ${size} bytes checked`,
    );
  }
  // The time from a listing made now (the cut rename dropped both names from the cache),
  // asked before the fresh stat, which may be a size alone (FTP's SIZE) and is cached.
  const dated = mtime ? await statOrMissing(dst, path, false) : undefined;
  const target = await statOrMissing(dst, path, true);
  if (!target || target.type !== "file" || target.size !== size) {
    const found = target ? describe(target) : "missing";
    throw new RenameUnconfirmedError(
      partial,
      path,
      cut,
      `${partial} is gone and ${path} is ${found}, not the ${size} bytes sent`,
    );
  }
  if (!mtime) return true;
  const known = dated?.mtime !== undefined && Number.isFinite(dated.precision);
  if (known && compareMtimes({ mtime, precision: Precision.seconds }, dated) === "undecided") {
    return true;
  }
  throw new RenameUnconfirmedError(
    partial,
    path,
    cut,
    `${partial} is gone and ${path} has the size sent but ${
      known ? `the time ${dated.mtime!.toISOString()}` : "no time the server tells"
    }, not ${mtime.toISOString()} set with the rename: it may be the old file`,
  );
}

/** The stat of `path` (`fresh`: the storage's own word), undefined when it is missing. */
async function statOrMissing(
  dst: RenameTarget,
  path: string,
  fresh: boolean,
): Promise<Stat | undefined> {
  try {
    return await dst.lstat(path, { fresh });
  } catch (error) {
    if (error instanceof NotFoundError) return undefined;
    throw error;
  }
}

function describe(stat: Stat): string {
  return stat.type === "file" ? `${stat.size} bytes` : `a ${stat.type}`;
}
