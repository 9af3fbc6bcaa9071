/**
 * Large files by segment over the queue: the coordinator cuts a file that
 * would be fetched in segments (sync/segments.ts decides, as in a local run)
 * into one task per byte range, which different workers run at once, each
 * writing at its offsets into the one partial (`Endpoint.writeAt`); the
 * file's final task (the BullMQ flow parent of its segment tasks) verifies
 * the partial (size, and a hash where both sides offer one) and renames it
 * only when every segment succeeded.
 *
 * What was written is confirmed in Redis, per segment, as its task's
 * progress (`{ done }`: bytes from the segment's start whose write had
 * resolved; saved at the first write and then about once a second). A
 * segment task taken up again after its worker died continues from there,
 * not from zero. The record beside the partial (`.<name>.ferry-segments.part`)
 * is written before the partial's first byte, as a local run writes it, so a
 * later run (queued or local) never mistakes the partial, which has holes,
 * for a one-stream partial; a final task that finds a failed segment saves
 * what the finished segments confirmed into it.
 * @module
 */
import { partialName, segmentStateName } from "../../endpoint/atomic.ts";
import { NotFoundError } from "../../endpoint/errors.ts";
import { compareMtimes } from "../../endpoint/mtime.ts";
import { joinPath } from "../../endpoint/path.ts";
import type { Endpoint } from "../../endpoint/types.ts";
import type { Lane, Lanes } from "../../sync/execute.ts";
import type { Action } from "../../sync/plan.ts";
import { newReport } from "../../sync/report.ts";
import { withRetry } from "../../sync/retry.ts";
import {
  dropSegmentState,
  fetchSegment,
  saveSegmentState,
  startSegmentState,
} from "../../sync/segmented.ts";
import { segmentCount, type SegmentOptions, type SegmentState } from "../../sync/segments.ts";
import { applyMtime, moveAside, replace } from "../../sync/transfer.ts";
import { TransferVerificationError, verifyArrived } from "../../sync/verify.ts";
import { errorMessage, FerryError } from "../../util/errors.ts";
import { logger } from "../../util/log.ts";
import { Precision } from "../../util/precision.ts";
import { reportPart, type TaskData, type TaskResult } from "./tasks.ts";

const log = logger("queue", "segments");

type Transfer = Extract<Action, { op: "transfer" }>;

/** What a segment task gives back to its file's final task. */
export interface SegmentResult {
  segment: {
    /** Index in the file's {@link SegmentState}. */
    index: number;
    /** Bytes from the segment's start confirmed written (its whole length). */
    done: number;
    /** Bytes confirmed before this task's last attempt began (> 0: continued). */
    resumedFrom: number;
    retries: number;
    attempts: number;
    /** The exact mtime the source reported while opening the read (ISO). */
    mtime?: string;
  };
}

/** The part of a BullMQ job a segment task uses. */
export interface ProgressJob {
  progress: unknown;
  updateProgress(progress: object): Promise<void>;
}

/** The part of a BullMQ job a final task uses. */
export interface ParentJob {
  getChildrenValues<T>(): Promise<Record<string, T>>;
  getIgnoredChildrenFailures(): Promise<Record<string, string>>;
}

/** How often a segment task confirms its bytes in Redis while they flow, ms. */
export const SEGMENT_SAVE_MS = 1000;

const laneOf = (lanes: Lanes, a: Action): Lane => {
  const lane = a.side ? lanes[a.side] : lanes.target;
  if (!lane) throw new Error(`no lane for side ${a.side ?? "target"}`);
  return lane;
};

/**
 * The transfers of a plan that go by segment, with their segment counts:
 * those a local run would fetch in segments (`segmentCount` over the lane's
 * capabilities; not to a target whose writes appear only whole).
 *
 * @example
 * ```ts
 * segmentedFiles(actions, lanes, {}); // Map { 3 => 8 }: action 3 in 8 segments
 * ```
 */
export function segmentedFiles(
  actions: Action[],
  lanes: Lanes,
  options: SegmentOptions,
): Map<number, number> {
  const out = new Map<number, number>();
  actions.forEach((a, i) => {
    if (a.op !== "transfer") return;
    const lane = a.side ? lanes[a.side] : lanes.target;
    if (!lane) return;
    const src = lane.src.capabilities();
    const dst = lane.dst.capabilities();
    if (dst.wholeWrites && !a.backupTo) return;
    const count = segmentCount(a.size, options, {
      rangedReads: src.rangedReads,
      writeAt: dst.writeAt && typeof lane.dst.writeAt === "function",
      maxConnections: src.maxConnections,
      longLink: src.longLink,
    });
    if (count > 1) out.set(i, count);
  });
  return out;
}

/**
 * Starts each segmented file on its target (the coordinator, before any task
 * exists): an earlier run's record continued where the planner allows a
 * resume, else a fresh plan saved as the record and any old partial removed.
 *
 * @example
 * ```ts
 * const states = await startSegmented(actions, lanes, segmentedFiles(actions, lanes, {}));
 * ```
 */
export async function startSegmented(
  actions: Action[],
  lanes: Lanes,
  counts: Map<number, number>,
): Promise<Record<string, SegmentState>> {
  const out: Record<string, SegmentState> = {};
  for (const [i, count] of counts) {
    const a = actions[i] as Transfer;
    const lane = laneOf(lanes, a);
    out[i] = await startSegmentState(lane.dst, joinPath(lane.dstRoot, a.path), {
      size: a.size,
      mtime: a.mtime ? new Date(a.mtime) : undefined,
      count,
      resume: a.resumeFrom !== undefined,
    });
  }
  return out;
}

/**
 * The bytes a segment task confirmed in Redis (its progress), 0 when none.
 *
 * @example
 * ```ts
 * confirmedOf({ done: 4096 }); // 4096
 * ```
 */
export function confirmedOf(progress: unknown): number {
  const done = (progress as { done?: unknown } | null)?.done;
  return typeof done === "number" && Number.isSafeInteger(done) && done > 0 ? done : 0;
}

/**
 * Runs one segment task: fetches its byte range from what Redis confirms
 * (an earlier attempt's progress) to its end into the file's partial,
 * confirming progress on the way.
 *
 * @example
 * ```ts
 * const result = await runSegment(job, job.data, lanes, { signal });
 * ```
 */
export async function runSegment(
  job: ProgressJob,
  data: TaskData,
  lanes: Lanes,
  options: { signal: AbortSignal },
): Promise<SegmentResult> {
  const ref = data.segment!;
  const a = data.actions[0] as Transfer;
  const lane = laneOf(lanes, a);
  const dstPath = joinPath(lane.dstRoot, a.path);
  const partial = partialName(dstPath);
  const confirmed = Math.min(ref.end - ref.start, Math.max(ref.done, confirmedOf(job.progress)));
  if (confirmed > 0) {
    // The bytes Redis confirms must still be there (a partial removed since starts over).
    const have = await lane.dst.lstat(partial, { fresh: true }).then(
      (st) => st.size,
      (e) => {
        if (e instanceof NotFoundError) return 0;
        throw e;
      },
    );
    if (have < ref.start + confirmed) {
      throw new PartialLostError(partial, have, ref.start + confirmed);
    }
  }
  if (confirmed > ref.done) {
    log.info("{path}: continuing the segment at {start} from {done} confirmed bytes", {
      path: a.path,
      start: ref.start,
      done: confirmed,
    });
  }
  const segment = { start: ref.start, end: ref.end, done: confirmed };
  const saver = new ProgressSaver(job, segment);
  let retries = 0;
  let attempts = 0;
  let heard: Date | undefined;
  try {
    await withRetry(async (attempt) => {
      attempts = attempt + 1;
      await fetchSegment(
        lane.src,
        joinPath(lane.srcRoot, a.from ?? a.path),
        lane.dst,
        partial,
        segment,
        {
          size: a.size,
          signal: options.signal,
          onBytes: () => saver.changed(),
          onMtime: (m) => heard = m,
          inFlight: new Map(),
        },
      );
    }, {
      ...data.options.retry,
      signal: options.signal,
      onRetry: (error) => {
        retries++;
        log.info("{path}: segment at {start} failed ({error}); retrying", {
          path: a.path,
          start: segment.start + segment.done,
          error: errorMessage(error),
        });
      },
    });
  } finally {
    await saver.close();
  }
  return {
    segment: {
      index: ref.index,
      done: segment.done,
      resumedFrom: confirmed,
      retries,
      attempts,
      ...(heard ? { mtime: heard.toISOString() } : {}),
    },
  };
}

/**
 * Runs a file's final task, after its segment tasks: when every one of them
 * succeeded, verifies the partial (size, and a hash where both sides offer
 * one), moves an old file aside when asked, renames the partial onto the real
 * name, drops the record and sets the mtime. When one failed, the file fails
 * and the record keeps what the others confirmed (the next run continues).
 *
 * @example
 * ```ts
 * const result = await runFinish(job, job.data, lanes, { signal });
 * ```
 */
export async function runFinish(
  job: ParentJob,
  data: TaskData,
  lanes: Lanes,
  options: { signal: AbortSignal },
): Promise<TaskResult> {
  const state = data.finish!.state;
  const a = data.actions[0] as Transfer;
  const i = data.indexes[0];
  const lane = laneOf(lanes, a);
  const srcPath = joinPath(lane.srcRoot, a.from ?? a.path);
  const dstPath = joinPath(lane.dstRoot, a.path);
  const partial = partialName(dstPath);
  const results = Object.values(await job.getChildrenValues<SegmentResult>())
    .map((r) => r?.segment).filter((s) => s !== undefined);
  const failures = Object.values(await job.getIgnoredChildrenFailures());
  const report = newReport(data.job);
  report.retries = results.reduce((n, s) => n + s.retries, 0);
  const startedWith = state.segments.reduce((n, s) => n + s.done, 0);

  const failed = (message: string): TaskResult => {
    report.files.failed++;
    report.errors.push({ path: a.path, message });
    log.warn("transfer {path} failed: {error}", { path: a.path, error: message });
    return {
      report: reportPart(report),
      outcomes: [{ i, ok: false, error: message }],
      failedCopies: 1,
    };
  };

  if (failures.length > 0) {
    // What the finished segments wrote stays usable for the next run.
    const kept: SegmentState = structuredClone(state);
    for (const s of results) {
      const seg = kept.segments[s.index];
      if (seg) seg.done = Math.max(seg.done, s.done);
    }
    await saveSegmentState(lane.dst, segmentStateName(dstPath), kept).catch((e) =>
      log.warn("cannot save the record of {path}: {error}", { path: a.path, error: String(e) })
    );
    return failed(`${failures.length} segment(s) failed: ${failures[0]}`);
  }

  const listed = a.mtime ? new Date(a.mtime) : undefined;
  const mtime = exactMtime(listed, a.mtimePrecision, results.find((s) => s.mtime)?.mtime);
  const there = await exists(lane.dst, partial);
  try {
    // Without the partial, an earlier attempt of this task renamed it already.
    await verifyArrived(lane.src, srcPath, lane.dst, there ? partial : dstPath, {
      size: a.size,
      mode: "checksum",
      final: true,
      signal: options.signal,
    });
  } catch (error) {
    if (!(error instanceof TransferVerificationError) || !there) throw error;
    // Wrong bytes: nothing of this partial may be continued.
    await lane.dst.remove(partial).catch(() => {});
    await dropSegmentState(lane.dst, dstPath);
    return failed(errorMessage(error));
  }
  if (there) {
    if (a.backupTo) await moveAside(lane.dst, dstPath, a.backupTo);
    await replace(lane.dst, partial, dstPath);
  }
  await dropSegmentState(lane.dst, dstPath);
  const mtimeSet = await applyMtime(lane.dst, dstPath, mtime);
  const resumedFrom = startedWith + results.reduce((n, s) => n + s.resumedFrom, 0);
  report.files.transferred++;
  report.bytes.transferred += a.size - startedWith;
  if (resumedFrom > 0) report.resumed++;
  const stat = data.options.statUnsetMtime && !mtimeSet ? await lane.dst.stat(dstPath) : undefined;
  return {
    report: reportPart(report),
    outcomes: [{
      i,
      ok: true,
      transfer: {
        bytesSent: a.size - startedWith,
        resumedFrom,
        attempts: Math.max(1, ...results.map((s) => s.attempts)),
        mtimeSet,
        segments: state.segments.length,
        ...(mtimeSet && mtime && mtime !== listed ? { exactMtime: mtime.toISOString() } : {}),
      },
      ...(stat
        ? {
          dstStat: {
            type: stat.type,
            size: stat.size,
            ...(stat.mtime ? { mtime: stat.mtime.toISOString() } : {}),
          },
        }
        : {}),
    }],
    failedCopies: 0,
  };
}

/** A segment's partial holds fewer bytes than Redis confirms (removed or cut since). */
export class PartialLostError extends FerryError {
  constructor(partial: string, have: number, needed: number) {
    super(
      `${partial} holds ${have} bytes, but bytes up to ${needed} were confirmed written: ` +
        "the partial changed under the segments; the next run fetches them again",
      { code: "EQUEUEPARTIAL" },
    );
  }
}

/**
 * The mtime to set: the exact one a segment heard from the source when it
 * lies within the listing's interval (as a local run decides), else the listed one.
 */
function exactMtime(listed: Date | undefined, precision: number | undefined, heard?: string) {
  if (!listed || !heard || !((precision ?? Precision.seconds) > Precision.seconds)) return listed;
  const exact = new Date(heard);
  const order = compareMtimes({ mtime: exact, precision: Precision.seconds }, {
    mtime: listed,
    precision: precision!,
  });
  return order === "undecided" ? exact : listed;
}

async function exists(ep: Endpoint, path: string): Promise<boolean> {
  try {
    await ep.lstat(path, { fresh: true });
    return true;
  } catch (e) {
    if (e instanceof NotFoundError) return false;
    throw e;
  }
}

/**
 * Confirms a segment's `done` as its task's progress: at the first write,
 * then at most every {@link SEGMENT_SAVE_MS}, and when the task ends (one
 * save at a time; a failed save only means a later resume starts earlier).
 */
class ProgressSaver {
  #timer?: ReturnType<typeof setTimeout>;
  #saving: Promise<void> = Promise.resolve();
  #saved = -1;
  #first = true;
  constructor(readonly job: ProgressJob, readonly segment: { done: number }) {}

  changed(): void {
    if (this.#first) {
      this.#first = false;
      this.#save();
      return;
    }
    this.#timer ??= setTimeout(() => {
      this.#timer = undefined;
      this.#save();
    }, SEGMENT_SAVE_MS);
  }

  #save(): void {
    const done = this.segment.done;
    if (done === this.#saved) return;
    this.#saved = done;
    this.#saving = this.#saving.then(() => this.job.updateProgress({ done })).catch((e) =>
      log.debug("progress: {error}", { error: String(e) })
    );
  }

  async close(): Promise<void> {
    clearTimeout(this.#timer);
    this.#timer = undefined;
    this.#save();
    await this.#saving;
  }
}
