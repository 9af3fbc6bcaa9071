/**
 * A segmented download (lftp's `pget -n`): the file's byte ranges fetched at
 * once, each over its own read of the source (for FTP: REST + RETR on its
 * own session from the host's pool, so the pool's connection limit holds),
 * each written at its place in the one partial (`Endpoint.writeAt`).
 *
 * Progress is recorded beside the partial ({@link segmentStateName}): per
 * segment, the bytes from its start whose write had resolved. The record is
 * written before the partial's first byte and saved about once a second and
 * when the download stops, so a re-run continues every segment from bytes
 * that were written, never from the partial's size (which, with segments,
 * says nothing: there are holes until the end). A segment that fails is
 * retried from its own confirmed end; when one fails for good the others
 * stop, the record is saved, and the partial stays for the next run.
 * @module
 */
import type { Endpoint } from "../endpoint/types.ts";
import { NotFoundError } from "../endpoint/errors.ts";
import { partialName, segmentStateName } from "../endpoint/atomic.ts";
import { collect } from "../endpoint/streams.ts";
import { errorMessage } from "../util/errors.ts";
import { logger } from "../util/log.ts";
import { type RetryOptions, withRetry } from "./retry.ts";
import {
  confirmedBytes,
  parseSegmentState,
  pendingSegments,
  planSegments,
  resumable,
  type Segment,
  SEGMENT_DEFAULTS,
  type SegmentState,
  splitLargest,
} from "./segments.ts";
import { verifiedOffset } from "./verify.ts";
import { classify, SourceChangedError, TransferInterruptedError } from "./transfer_errors.ts";

const log = logger("sync", "segments");

/** Options of {@link downloadSegments}. */
export interface SegmentedDownloadOptions {
  /** The source's size. */
  size: number;
  /** The source's mtime (part of the record: a changed source is not continued). */
  mtime?: Date;
  /** Segments for a fresh download (see `segmentCount`). */
  count: number;
  /** Whether an earlier run's record may be continued. */
  resume: boolean;
  retry?: RetryOptions;
  signal?: AbortSignal;
  /** Bytes of the file confirmed on the target so far. */
  onBytes?: (bytes: number) => void;
  onRetry?: (error: unknown, attempt: number, delayMs: number) => void;
  /** Hears the exact mtime a source reports while opening a read (`ReadOptions.onMtime`). */
  onMtime?: (mtime: Date) => void;
  /** Least bytes left in a running segment for a free connection to take half (see `splitLargest`). */
  splitMin?: number;
  /** How often the record is saved while bytes flow, ms (default 1000). */
  saveEveryMs?: number;
}

/** What {@link downloadSegments} did. */
export interface SegmentedDownloadResult {
  /** Bytes an earlier run had confirmed (0 for a fresh download). */
  resumedFrom: number;
  /** The most attempts any one segment needed. */
  attempts: number;
  /** The final record (every segment done). */
  state: SegmentState;
}

/**
 * Fetches `srcPath` into the partial of `dstPath` (see the module notes).
 * Leaves the partial complete and the record beside it; the caller verifies,
 * renames, and then removes the record ({@link dropSegmentState}).
 *
 * @example
 * ```ts
 * const r = await downloadSegments(ftp, "pub/big.iso", disk, "big.iso", { size, count: 8, resume: true });
 * ```
 */
export async function downloadSegments(
  src: Endpoint,
  srcPath: string,
  dst: Endpoint,
  dstPath: string,
  options: SegmentedDownloadOptions,
): Promise<SegmentedDownloadResult> {
  if (!dst.writeAt) throw new Error(`${dst.url} cannot write at positions`);
  const partial = partialName(dstPath);
  const record = segmentStateName(dstPath);
  const state = await startSegmentState(dst, dstPath, options);
  const resumedFrom = confirmedBytes(state);
  if (resumedFrom > 0) {
    log.info("{path}: continuing {n} segment(s) at {bytes} confirmed bytes", {
      path: dstPath,
      n: pendingSegments(state).length,
      bytes: resumedFrom,
    });
  }
  const stop = new AbortController();
  const signal = options.signal ? AbortSignal.any([options.signal, stop.signal]) : stop.signal;
  const saver = new Saver(dst, record, state, options.saveEveryMs ?? 1000);
  let total = resumedFrom;
  if (total > 0) options.onBytes?.(total);
  const onBytes = (n: number) => {
    total += n;
    saver.dirty = true;
    options.onBytes?.(total);
  };
  let attempts = 1;
  let failure: unknown;
  const active = new Set<Segment>();
  const inFlight = new Map<Segment, number>();
  const splitMin = options.splitMin ?? SEGMENT_DEFAULTS.splitMin;
  // The next segment for a free connection: one nobody fetches, else half of the largest.
  const next = () =>
    state.segments.find((s) => !active.has(s) && s.done < s.end - s.start) ??
      splitLargest(state, (s) => inFlight.get(s) ?? 0, splitMin);
  const worker = async () => {
    for (let segment = next(); segment && failure === undefined; segment = next()) {
      active.add(segment);
      const fetching = segment;
      try {
        await withRetry(async (attempt) => {
          attempts = Math.max(attempts, attempt + 1);
          await fetchSegment(src, srcPath, dst, partial, fetching, {
            size: options.size,
            signal,
            onBytes,
            onMtime: options.onMtime,
            inFlight,
          });
        }, {
          ...options.retry,
          signal,
          onRetry: (error, attempt, delayMs) => {
            log.info("{path}: segment at {start} failed ({error}); retrying", {
              path: dstPath,
              start: fetching.start + fetching.done,
              error: errorMessage(error),
            });
            options.onRetry?.(error, attempt, delayMs);
          },
        });
      } catch (error) {
        // The first failure stops the others; theirs are consequences.
        if (failure === undefined) {
          failure = error;
          stop.abort(error);
        }
      } finally {
        active.delete(fetching);
      }
    }
  };
  const workers = Math.max(1, options.count);
  try {
    await Promise.all(Array.from({ length: workers }, worker));
  } finally {
    await saver.close();
  }
  if (failure !== undefined) throw failure;
  return { resumedFrom, attempts, state };
}

/**
 * The segments of a download about to start: an earlier run's record when
 * `resume` allows and it may be continued, else a fresh plan of `count`
 * segments (a one-stream partial continued as a done first segment; any
 * other partial removed), saved as the record before the partial holds a
 * byte (a partial without a record is never a segmented one). Exported for
 * the cluster queue, whose segments are tasks on several workers.
 *
 * @example
 * ```ts
 * const state = await startSegmentState(disk, "big.iso", { size, mtime, count: 8, resume: false });
 * ```
 */
export async function startSegmentState(
  dst: Endpoint,
  dstPath: string,
  options: Pick<SegmentedDownloadOptions, "size" | "mtime" | "count" | "resume">,
): Promise<SegmentState> {
  const state = options.resume ? await loadState(dst, dstPath, options) : undefined;
  if (state) return state;
  const partial = partialName(dstPath);
  // A one-stream partial (no record) continues as a done first segment; anything else goes.
  const have = options.resume && !(await hasSegmentState(dst, dstPath))
    ? await verifiedOffset(dst, partial, options.size)
    : 0;
  if (have === 0) await removeIfThere(dst, partial);
  const fresh = planSegments(options.size, options.count, options.mtime, have);
  await saveSegmentState(dst, segmentStateName(dstPath), fresh);
  return fresh;
}

/**
 * Removes a download's record (after the partial was renamed or removed); a
 * missing one is fine, a failure is logged.
 *
 * @example
 * ```ts
 * await dropSegmentState(disk, "big.iso");
 * ```
 */
export async function dropSegmentState(dst: Endpoint, dstPath: string): Promise<void> {
  const record = segmentStateName(dstPath);
  try {
    await dst.remove(record);
  } catch (error) {
    if (error instanceof NotFoundError) return;
    log.warn("cannot remove {record}: {error}", { record, error: errorMessage(error) });
  }
}

/**
 * Whether a record of a segmented download is beside `dstPath`'s partial (its
 * partial then has holes: a one-stream resume must not continue at its size).
 *
 * @example
 * ```ts
 * if (await hasSegmentState(disk, "big.iso")) console.log("segmented partial");
 * ```
 */
export async function hasSegmentState(dst: Endpoint, dstPath: string): Promise<boolean> {
  try {
    await dst.lstat(segmentStateName(dstPath), { fresh: true });
    return true;
  } catch (error) {
    if (error instanceof NotFoundError) return false;
    throw error;
  }
}

/**
 * One segment from its confirmed end to its end (exported for the cluster
 * queue, where a segment is a task); `segment.done` follows each
 * resolved write. The end may move closer while this runs (another connection
 * took the rest: `splitLargest`): the read then stops there, and a write in
 * flight is announced in `inFlight`, so that its bytes stay with this segment.
 */
export async function fetchSegment(
  src: Endpoint,
  srcPath: string,
  dst: Endpoint,
  partial: string,
  segment: Segment,
  how: {
    size: number;
    signal: AbortSignal;
    onBytes: (n: number) => void;
    onMtime?: (mtime: Date) => void;
    inFlight: Map<Segment, number>;
  },
): Promise<void> {
  const { size, signal, onBytes, inFlight } = how;
  const from = segment.start + segment.done;
  if (segment.end - from <= 0) return;
  // The last segment reads to the end of the file, so a source that grew is noticed.
  const input = await src.read(srcPath, {
    offset: from,
    ...(segment.end === size ? {} : { length: segment.end - from }),
    signal,
    onMtime: how.onMtime,
  });
  let output: WritableStream<Uint8Array>;
  try {
    output = await dst.writeAt!(partial, from, { signal });
  } catch (error) {
    await input.cancel().catch(() => {});
    throw error;
  }
  const reader = input.getReader();
  const writer = output.getWriter();
  const room = () => segment.end - (segment.start + segment.done);
  let got = 0;
  try {
    for (;;) {
      if (room() === 0 && segment.end !== size) break;
      const { value, done } = await reader.read();
      if (done) break;
      const take = Math.min(value.byteLength, room());
      if (take < value.byteLength && segment.end === size) {
        throw new SourceChangedError(srcPath, new Error(`more than ${size} bytes`));
      }
      if (take > 0) {
        inFlight.set(segment, take);
        await writer.write(take === value.byteLength ? value : value.subarray(0, take));
        inFlight.delete(segment);
        got += take;
        segment.done += take;
        onBytes(take);
      }
    }
    if (room() > 0) {
      throw new TransferInterruptedError(
        `${srcPath}: segment at ${segment.start} got ${segment.done} of ${
          segment.end - segment.start
        } bytes`,
      );
    }
    await writer.close();
  } catch (error) {
    inFlight.delete(segment);
    await Promise.allSettled([reader.cancel(error), writer.abort(error)]);
    if (error instanceof SourceChangedError || error instanceof TransferInterruptedError) {
      throw error;
    }
    throw classify(error, partial, got > 0 && !signal.aborted);
  }
  // The segment ends before the source does (or was cut short by a split): the rest is not needed.
  await reader.cancel().catch(() => {});
}

/** An earlier run's record when it may be continued, else undefined (said in the log). */
async function loadState(
  dst: Endpoint,
  dstPath: string,
  options: Pick<SegmentedDownloadOptions, "size" | "mtime">,
): Promise<SegmentState | undefined> {
  const record = segmentStateName(dstPath);
  let text: string;
  try {
    text = new TextDecoder().decode(await collect(await dst.read(record)));
  } catch (error) {
    if (error instanceof NotFoundError) return undefined;
    throw error;
  }
  const parsed = parseSegmentState(text);
  let why: string | true;
  if ("invalid" in parsed) why = `its record is unreadable (${parsed.invalid})`;
  else {
    const partialSize = await dst.lstat(partialName(dstPath), { fresh: true }).then(
      (st) => st.type === "file" ? st.size : undefined,
      (error) => {
        if (error instanceof NotFoundError) return undefined;
        throw error;
      },
    );
    why = resumable(parsed, { size: options.size, mtime: options.mtime, partialSize });
    if (why === true) return parsed;
  }
  log.info("not continuing the segments of {path}: {why}; starting over", { path: dstPath, why });
  return undefined;
}

/**
 * Writes a download's record (atomically: a reader sees the old or the new one).
 *
 * @example
 * ```ts
 * await saveSegmentState(disk, segmentStateName("big.iso"), state);
 * ```
 */
export async function saveSegmentState(
  dst: Endpoint,
  record: string,
  state: SegmentState,
): Promise<void> {
  const out = await dst.write(record, { atomic: true });
  const writer = out.getWriter();
  await writer.write(new TextEncoder().encode(JSON.stringify(state)));
  await writer.close();
}

async function removeIfThere(dst: Endpoint, path: string): Promise<void> {
  try {
    await dst.remove(path);
  } catch (error) {
    if (!(error instanceof NotFoundError)) throw error;
  }
}

/**
 * Saves the record every `everyMs` while it changed, one save at a time, and
 * once more at the end. A failed save is logged: the download goes on, and a
 * re-run then continues from an older record (safe, only slower).
 */
class Saver {
  dirty = false;
  readonly #timer: ReturnType<typeof setInterval>;
  #saving: Promise<void> = Promise.resolve();

  constructor(
    readonly dst: Endpoint,
    readonly record: string,
    readonly state: SegmentState,
    everyMs: number,
  ) {
    this.#timer = setInterval(() => this.#save(), everyMs);
  }

  #save(): Promise<void> {
    if (!this.dirty) return this.#saving;
    this.dirty = false;
    // A snapshot: `done` only grows, and only after a write resolved.
    const snapshot: SegmentState = {
      ...this.state,
      segments: this.state.segments.map((s) => ({ ...s })),
    };
    this.#saving = this.#saving.then(() => saveSegmentState(this.dst, this.record, snapshot)).catch(
      (error) => {
        log.warn("cannot save {record}: {error}", {
          record: this.record,
          error: errorMessage(error),
        });
      },
    );
    return this.#saving;
  }

  async close(): Promise<void> {
    clearInterval(this.#timer);
    await this.#save();
  }
}
