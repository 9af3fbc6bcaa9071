/**
 * Copying one file between any two endpoints, safely:
 * - the bytes go to ferry's fixed partial name beside the target
 *   (`.<name>.ferry.part`, see endpoint/atomic.ts), never to the real name;
 * - a temporary failure (dropped connection, 4xx reply, short stream) is
 *   retried with back-off and the retry RESUMES at the partial's size as the
 *   target reports it now (a fresh stat, never a cache) when both endpoints
 *   can seek, else starts over from zero (see verify.ts);
 * - before the rename onto the real name, the target's own (fresh) size of
 *   the partial must equal the source's, and with `verify: "checksum"` or
 *   after a resume their hashes too (where both sides can hash): a mismatch
 *   is retried once from zero, then fails the file with both values; an
 *   existing target may first be moved to a backup;
 * - the source mtime is set on the target when the target can;
 * - a rename whose outcome a cut left unknown is checked on the target, not
 *   repeated blindly nor taken as done (replace_checked.ts).
 *
 * The partial is written with `atomic: false` and renamed here, not by the
 * endpoint's atomic write, so that a backup of the old file can happen at the
 * last moment (the old file stays in place while the new one is on its way).
 * @module
 */
import type { DirectSink, Endpoint } from "../endpoint/types.ts";
import { InvalidOffsetError, NotFoundError, SizeMismatchError } from "../endpoint/errors.ts";
import { partialName } from "../endpoint/atomic.ts";
import { dirname } from "../endpoint/path.ts";
import { exactWithinListed } from "../endpoint/mtime.ts";
import { Precision } from "../util/precision.ts";
import { logger } from "../util/log.ts";
import { type RetryOptions, withRetry } from "./retry.ts";
import { pump } from "./pump.ts";
import { errorMessage } from "../util/errors.ts";
import { classify, SourceChangedError, TransferInterruptedError } from "./transfer_errors.ts";
import { segmentCount, type SegmentOptions } from "./segments.ts";
import {
  downloadSegments,
  dropSegmentState,
  hasSegmentState,
  type SegmentedDownloadResult,
} from "./segmented.ts";
export { SourceChangedError, TransferInterruptedError };
import { applyMtime, type RenameTarget, replace, replaceDated } from "./replace.ts";
export { applyMtime, replace, replaceDated };
export type { RenameTarget };
// With the plan (a mirror asks it without loading this module); exported here as before.
import { canSymlink } from "./plan.ts";
export { canSymlink };
import {
  RenameUnconfirmedError,
  replaceChecked,
  type ReplaceCheckedOptions,
} from "./replace_checked.ts";
export { RenameUnconfirmedError };
import {
  TransferVerificationError,
  verifiedOffset,
  verifyArrived,
  type VerifyMode,
} from "./verify.ts";

const log = logger("sync", "transfer");

/** Options of {@link transferFile}. */
export interface TransferOptions {
  /** Expected size in bytes (the source's size from its listing). */
  size: number;
  /** The source mtime, set on the target after the rename when the target can. */
  mtime?: Date;
  /**
   * How exact `mtime` is (ms; default: exact to the second). Coarser (a
   * listing that gives minutes) lets the source report the file's exact time
   * on the way (see `ReadOptions.onMtime`); it is set instead when it lies
   * within the listed interval.
   */
  mtimePrecision?: number;
  /**
   * Whether a partial left by an earlier run may be continued on the first
   * attempt (retries within this call always continue their own partial).
   * Planners allow it when the partial is younger than the source file.
   */
  resume?: boolean;
  /**
   * `checksum`: also compare a hash both endpoints offer after the transfer
   * (default `size`; a resumed transfer is always checked by hash where possible).
   */
  verify?: VerifyMode;
  /** Move an existing target here (a path on the target endpoint) before replacing it. */
  backupTo?: string;
  /** Retries of temporary failures. */
  retry?: RetryOptions;
  /** Aborts the copy; a partial is kept for resume. */
  signal?: AbortSignal;
  /** Bytes of this file on the target so far (after each chunk). */
  onBytes?: (bytes: number) => void;
  /** A temporary failure is about to be retried. */
  onRetry?: (error: unknown, attempt: number, delayMs: number) => void;
  /**
   * Segmented downloads (lftp's `pget -n`): a file of `threshold` bytes or
   * more comes over up to `segments` connections at once when the source
   * reads ranges and the target writes at positions (default: 8 segments
   * from 64 MiB; `{ segments: 1 }` turns it off). See segments.ts.
   */
  segments?: SegmentOptions;
}

/** What {@link transferFile} did. */
export interface TransferResult {
  /** Bytes this call put on the target: the size minus what an earlier run's partial held. */
  bytesSent: number;
  /** Offset the last (successful) attempt started at; > 0 means it resumed. */
  resumedFrom: number;
  /** Attempts made (1 when the first one worked). */
  attempts: number;
  /** Whether the target now carries the source mtime. */
  mtimeSet: boolean;
  /**
   * The mtime set on the target (ISO), when it is not the planned one: the
   * source reported a more exact time than its listing (see `mtimePrecision`).
   */
  exactMtime?: string;
  /**
   * Segments fetched at once (connections; absent: one stream). A connection
   * that finished early may have taken part of another's segment on the way.
   */
  segments?: number;
}

/**
 * Copies `srcPath` on `src` to `dstPath` on `dst` (see the module notes).
 * Throws the last error when all attempts failed; the partial stays for a
 * later resume, the real name keeps its old content.
 *
 * @example
 * ```ts
 * const r = await transferFile(ftp, "pub/a.iso", disk, "a.iso", { size: 1 << 30, mtime });
 * console.log(r.resumedFrom > 0 ? "resumed" : "fresh", r.bytesSent);
 * ```
 */
export async function transferFile(
  src: Endpoint,
  srcPath: string,
  dst: Endpoint,
  dstPath: string,
  options: TransferOptions,
): Promise<TransferResult> {
  if (dst.capabilities().wholeWrites && !options.backupTo) {
    return await transferWhole(src, srcPath, dst, dstPath, options);
  }
  const count = segmentCount(options.size, options.segments ?? {}, {
    rangedReads: src.capabilities().rangedReads,
    writeAt: dst.capabilities().writeAt && typeof dst.writeAt === "function",
    maxConnections: src.capabilities().maxConnections,
    longLink: src.capabilities().longLink,
  });
  if (count > 1) return await transferSegmented(src, srcPath, dst, dstPath, options, count);
  const partial = partialName(dstPath);
  if (options.resume && dst.writeAt && await hasSegmentState(dst, dstPath)) {
    // A segmented download's partial has holes: its size is no place to continue at.
    log.info("{partial} was written in segments; starting it over as one stream", { partial });
    await dst.remove(partial).catch((error) => {
      if (!(error instanceof NotFoundError)) throw error;
    });
    await dropSegmentState(dst, dstPath);
    options = { ...options, resume: false };
  }
  const canSeek = src.capabilities().readOffset && dst.capabilities().writeOffset;
  let ownPartial = false;
  // The partial may exist from here on (a server can create it, then refuse the data connection).
  let touched = false;
  let attempts = 0;
  let offset = 0;
  let firstOffset = 0;
  let mismatches = 0;
  let overlap = dst.capabilities().resumeOverlap ?? 0;
  let resumed = false;
  const exact = exactMtime(options);
  const attempt = withRetry(async (attempt) => {
    attempts = attempt + 1;
    // After a verification mismatch the partial's bytes are not trusted: start over.
    offset = canSeek && mismatches === 0 && (ownPartial || options.resume)
      ? await verifiedOffset(dst, partial, options.size, overlap)
      : 0;
    if (attempt === 0) firstOffset = offset;
    if (offset > 0) resumed = true;
    const readOptions = { offset, signal: options.signal, onMtime: exact.hear };
    // pump moves the bytes itself: a source and a sink without streams where both
    // endpoints have them (a source read into pump's buffer needs a direct sink).
    const direct = dst.writeDirect && src.readDirect;
    const input = direct
      ? await src.readDirect!(srcPath, readOptions)
      : await src.read(srcPath, readOptions);
    let output: WritableStream<Uint8Array> | DirectSink;
    touched = true;
    try {
      const writeOptions = { atomic: false, offset, size: options.size, signal: options.signal };
      output = dst.writeDirect
        ? await dst.writeDirect(partial, writeOptions)
        : await dst.write(partial, writeOptions);
    } catch (error) {
      await input.cancel().catch(() => {});
      if (error instanceof InvalidOffsetError && error.available > offset) {
        if (error.available - offset <= overlap) {
          // The server cannot rewrite the overlap (then it never tears blocks): resume at its end.
          log.info("{partial}: the target cannot write inside it; resuming at its end", {
            partial,
          });
          overlap = 0;
        }
        // Else the partial grew since it was measured: the server is still writing the cut
        // transfer's data. Measured again after the retry's delay.
        throw new TransferInterruptedError(error.message, { cause: error });
      }
      throw error;
    }
    ownPartial = true;
    let position = offset;
    if (offset > 0) options.onBytes?.(offset);
    const onChunk = (bytes: number) => {
      position += bytes;
      options.onBytes?.(position);
    };
    try {
      await pump(input, output, { signal: options.signal, onChunk });
    } catch (error) {
      if (error instanceof SizeMismatchError && error.actual > error.expected) {
        // The source grew while being read: its partial must not be resumed later.
        ownPartial = touched = false;
        await dst.remove(partial).catch(() => {});
        throw new SourceChangedError(srcPath, error);
      }
      throw classify(error, partial, position > offset && !options.signal?.aborted);
    }
    if (position !== options.size) {
      throw new TransferInterruptedError(
        `${srcPath}: got ${position} of ${options.size} bytes`,
      );
    }
    try {
      await verifyArrived(src, srcPath, dst, partial, {
        size: options.size,
        // Resumes are where bytes go wrong (torn blocks, a partial of another program):
        // a resumed file is checked by hash wherever both sides can hash.
        mode: resumed ? "checksum" : options.verify,
        final: mismatches > 0,
        signal: options.signal,
      });
    } catch (error) {
      if (error instanceof TransferVerificationError) mismatches++;
      throw error;
    }
  }, { ...options.retry, signal: options.signal, onRetry: options.onRetry });
  try {
    await attempt;
  } catch (error) {
    if (touched && !options.signal?.aborted) {
      await dropUnresumablePartial(dst, partial, error, canSeek);
    }
    throw error;
  }

  if (options.backupTo) await moveAside(dst, dstPath, options.backupTo);
  const mtimeSet = await replaceChecked(dst, partial, dstPath, renameOptions(options, exact));
  return {
    bytesSent: options.size - firstOffset,
    resumedFrom: offset,
    attempts,
    mtimeSet,
    ...exact.reported(mtimeSet),
  };
}

/**
 * The segmented download (segmented.ts), then the same checks as one stream:
 * the target's size of the partial (and a hash with `checksum`, or after a
 * continued download, where both sides hash); a first mismatch starts the
 * whole file over, a second fails it. A failed download keeps the partial and
 * its record for the next run, unless the source changed under it.
 */
async function transferSegmented(
  src: Endpoint,
  srcPath: string,
  dst: Endpoint,
  dstPath: string,
  options: TransferOptions,
  count: number,
): Promise<TransferResult> {
  const partial = partialName(dstPath);
  const discard = async () => {
    await dst.remove(partial).catch(() => {});
    await dropSegmentState(dst, dstPath);
  };
  const exact = exactMtime(options);
  let resume = options.resume ?? false;
  let mismatches = 0;
  let firstResumedFrom: number | undefined;
  for (;;) {
    let result: SegmentedDownloadResult;
    try {
      result = await downloadSegments(src, srcPath, dst, dstPath, {
        size: options.size,
        mtime: options.mtime,
        count,
        resume,
        splitMin: options.segments?.splitMin,
        retry: options.retry,
        signal: options.signal,
        onBytes: options.onBytes,
        onRetry: options.onRetry,
        onMtime: exact.hear,
      });
    } catch (error) {
      if (error instanceof SourceChangedError) await discard();
      throw error;
    }
    firstResumedFrom ??= result.resumedFrom;
    try {
      await verifyArrived(src, srcPath, dst, partial, {
        size: options.size,
        mode: result.resumedFrom > 0 ? "checksum" : options.verify,
        final: mismatches > 0,
        signal: options.signal,
      });
    } catch (error) {
      if (!(error instanceof TransferVerificationError)) throw error;
      mismatches++;
      if (!error.temporary) {
        await discard();
        throw error;
      }
      log.info("{partial}: {error}; fetching it again", { partial, error: error.message });
      options.onRetry?.(error, mismatches, 0);
      resume = false;
      continue;
    }
    if (options.backupTo) await moveAside(dst, dstPath, options.backupTo);
    const mtimeSet = await replaceChecked(dst, partial, dstPath, renameOptions(options, exact));
    await dropSegmentState(dst, dstPath);
    return {
      bytesSent: options.size - firstResumedFrom,
      resumedFrom: result.resumedFrom,
      attempts: result.attempts + mismatches,
      mtimeSet,
      ...exact.reported(mtimeSet),
      segments: count,
    };
  }
}

/**
 * The transfer to a target whose writes appear only whole
 * (`capabilities().wholeWrites`): straight to the real name, carrying the
 * mtime, checked by size (and hash when asked) by the write itself and after
 * it; a failed attempt leaves the old content and is retried from zero.
 */
async function transferWhole(
  src: Endpoint,
  srcPath: string,
  dst: Endpoint,
  dstPath: string,
  options: TransferOptions,
): Promise<TransferResult> {
  let attempts = 0;
  let mismatches = 0;
  let undated = false; // the write's time did not stick (the bytes did)
  const exact = exactMtime(options);
  await withRetry(async (attempt) => {
    attempts = attempt + 1;
    const input = await src.read(srcPath, { signal: options.signal, onMtime: exact.hear });
    let output: WritableStream<Uint8Array>;
    try {
      undated = false;
      output = await dst.write(dstPath, {
        size: options.size,
        mtime: exact.mtime(),
        onMtimeNotSet: () => undated = true,
        signal: options.signal,
      });
    } catch (error) {
      await input.cancel().catch(() => {});
      throw error;
    }
    let position = 0;
    const onChunk = (bytes: number) => {
      position += bytes;
      options.onBytes?.(position);
    };
    try {
      await pump(input, output, { signal: options.signal, onChunk });
    } catch (error) {
      if (error instanceof SizeMismatchError && error.actual > error.expected) {
        throw new SourceChangedError(srcPath, error);
      }
      throw classify(error, dstPath, position > 0 && !options.signal?.aborted);
    }
    if (options.verify !== "checksum") return;
    try {
      await verifyArrived(src, srcPath, dst, dstPath, {
        size: options.size,
        mode: "checksum",
        final: mismatches > 0,
        signal: options.signal,
      });
    } catch (error) {
      if (error instanceof TransferVerificationError) mismatches++;
      throw error;
    }
  }, { ...options.retry, signal: options.signal, onRetry: options.onRetry });
  const mtimeSet = options.mtime !== undefined && !undated;
  return {
    bytesSent: options.size,
    resumedFrom: 0,
    attempts,
    mtimeSet,
    ...exact.reported(mtimeSet),
  };
}

/**
 * After a failed transfer, removes the partial unless a later run can resume
 * it: it goes when it holds no bytes, when its bytes are known to be wrong (a
 * verification mismatch, a source that changed), or when the endpoints cannot
 * resume at all; a partial with bytes the target confirms stays, as lftp keeps
 * its partials. A failing cleanup is logged; the transfer's error stands.
 */
async function dropUnresumablePartial(
  dst: Endpoint,
  partial: string,
  error: unknown,
  canSeek: boolean,
): Promise<void> {
  try {
    const wrong = error instanceof TransferVerificationError || error instanceof SourceChangedError;
    if (canSeek && !wrong) {
      const have = await verifiedOffset(dst, partial, Number.MAX_SAFE_INTEGER);
      if (have > 0) {
        log.info("keeping {partial} ({have} bytes) for a later resume", { partial, have });
        return;
      }
    }
    await dst.remove(partial);
  } catch (cleanup) {
    if (cleanup instanceof NotFoundError) return;
    log.warn("cannot remove {partial}: {error}", { partial, error: errorMessage(cleanup) });
  }
}

/**
 * Moves `path` to `backupTo` (creating its parents, replacing an older backup);
 * a missing `path` is fine.
 *
 * @example
 * ```ts
 * await moveAside(dst, "a/b.txt", ".backup/a/b.txt");
 * ```
 */
export async function moveAside(ep: Endpoint, path: string, backupTo: string): Promise<boolean> {
  try {
    // Fresh: a file another client made since the listing must still be backed up.
    await ep.lstat(path, { fresh: true });
  } catch (error) {
    if (error instanceof NotFoundError) return false;
    throw error;
  }
  await ep.mkdir(dirname(backupTo), { parents: true });
  await replace(ep, path, backupTo);
  return true;
}

/** What the rename after a transfer needs of its options (see replace_checked.ts). */
function renameOptions(
  options: TransferOptions,
  exact: { mtime: () => Date | undefined },
): ReplaceCheckedOptions {
  return {
    size: options.size,
    mtime: exact.mtime(),
    retry: options.retry,
    signal: options.signal,
    onRetry: options.onRetry,
  };
}

/**
 * The mtime to give the target: the listed one, or the exact one the source
 * reported while opening the file when that lies within the listed interval
 * (the precision rules of endpoint/mtime.ts; outside it the file changed
 * since the listing, or the server answers in another zone: the listing stands).
 */
function exactMtime(options: TransferOptions): {
  hear?: (mtime: Date) => void;
  mtime: () => Date | undefined;
  reported: (set: boolean) => { exactMtime?: string };
} {
  const listed = options.mtime;
  const precision = options.mtimePrecision ?? Precision.seconds;
  if (!listed || !(precision > Precision.seconds)) {
    return { mtime: () => listed, reported: () => ({}) };
  }
  let exact: Date | undefined;
  return {
    reported: (set) => set && exact ? { exactMtime: exact.toISOString() } : {},
    hear: (mtime) => {
      if (exactWithinListed({ mtime: listed, precision }, mtime) === mtime) exact = mtime;
      else {log.debug("MDTM time {mtime} is outside the listed {listed}; keeping the listing's", {
          mtime: mtime.toISOString(),
          listed: listed.toISOString(),
        });}
    },
    mtime: () => exact ?? listed,
  };
}

/**
 * Recreates a symlink on an endpoint that can make them (a `symlink(target,
 * path)` method beside the contract, as the memory and local endpoints have).
 * Returns false when it cannot.
 *
 * @example
 * ```ts
 * await copyLink(dst, "latest", "releases/1.2");
 * ```
 */
export async function copyLink(ep: Endpoint, path: string, target: string): Promise<boolean> {
  if (!canSymlink(ep)) return false;
  try {
    await ep.remove(path);
  } catch (error) {
    if (!(error instanceof NotFoundError)) throw error;
  }
  await ep.symlink(target, path);
  return true;
}
