/**
 * Carrying out a plan over real endpoints: the thin I/O edge under every job.
 * Actions run in plan order; consecutive copies (and consecutive file
 * deletions) run in parallel over a bounded pool; mkdirs and rmdirs run level
 * by level (parallel within a level); renames run one by one. Once a transfer failed, later deletions are held back, as
 * rclone holds them after any error.
 * @module
 */
import type { Endpoint, Stat } from "../endpoint/types.ts";
import { NotEmptyError } from "../endpoint/errors.ts";
import { joinPath } from "../endpoint/path.ts";
import { logger } from "../util/log.ts";
import type { Action, Side } from "./plan.ts";
import { forEachLimit } from "./pool.ts";
import { type ProgressListener, ProgressTracker } from "./progress.ts";
import { errorEntry, type JobReport } from "./report.ts";
import { errorMessage } from "../util/errors.ts";
import { type RetryOptions, withRetry } from "./retry.ts";
import type { TransferResult } from "./transfer.ts";
import { prefetchTransferCode, transferCode } from "./transfer_code.ts";
import type { VerifyMode } from "./verify.ts";
import type { SegmentOptions } from "./segments.ts";
import { AdaptiveLimit, isTooMany } from "./adaptive.ts";

const log = logger("sync", "execute");

/** A direction of copying: from `src` under `srcRoot` to `dst` under `dstRoot`. */
export interface Lane {
  /** The endpoint copied from. */
  src: Endpoint;
  /** The source root on it. */
  srcRoot: string;
  /** The endpoint copied to. */
  dst: Endpoint;
  /** The target root on it. */
  dstRoot: string;
}

/**
 * Lanes by the side an action changes: `target` for one-way jobs; `a` (copies
 * from b to a) and `b` (from a to b) for two-way sync.
 */
export type Lanes = { target?: Lane } & Partial<Record<Side, Lane>>;

/** Options of {@link executePlan}. */
export interface ExecuteOptions {
  /** Transfers in flight at once (default 4; capped by both endpoints' maxConnections). */
  parallel?: number;
  /** Retries of temporary failures. */
  retry?: RetryOptions;
  /** Stops the plan cleanly when aborted. */
  signal?: AbortSignal;
  /** Hears progress events (must not throw). */
  onProgress?: ProgressListener;
  /** Stat each transferred file whose mtime could not be set (for state stores). */
  statUnsetMtime?: boolean;
  /** How each finished transfer is checked before its rename (default `size`). */
  verify?: VerifyMode;
  /** Segmented downloads of large files (default 8 segments from 64 MiB; `{ segments: 1 }`: off). */
  segments?: SegmentOptions;
  /**
   * Adapt the copies in flight (sync/adaptive.ts): start at half of
   * `parallel`, add one while each step makes the copies faster, one fewer
   * when a server turns a session away as one too many (421). Never above
   * `parallel` (itself capped by the endpoints' maxConnections). Default false.
   */
  adaptive?: boolean;
  /**
   * Transfers of the same job that failed before this call (another task of a
   * plan split over workers): deletions are held back as after a failure here.
   */
  failedBefore?: number;
}

/**
 * What carries out a plan: {@link executePlan} in this process (the default),
 * or another executor with the same contract (a queue of workers). It returns
 * one outcome per action, in order, with the same action objects.
 */
export type PlanExecutor = (
  actions: Action[],
  lanes: Lanes,
  report: JobReport,
  options: ExecuteOptions,
) => Promise<ActionOutcome[]>;

/** What became of one action. */
export interface ActionOutcome {
  /** The action carried out. */
  action: Action;
  /** Whether it succeeded. */
  ok: boolean;
  /** Why not, when it failed. */
  error?: string;
  /** For transfers. */
  transfer?: TransferResult;
  /** For transfers with `statUnsetMtime` whose mtime could not be set: the target's stat. */
  dstStat?: Stat;
}

type Group = "copy" | "delete-files" | "mkdir" | "rmdir" | "serial" | "skip";

function groupOf(a: Action): Group {
  if (a.op === "transfer" || a.op === "symlink" || a.op === "setMtime") return "copy";
  if (a.op === "delete") return a.type === "dir" ? "rmdir" : "delete-files";
  if (a.op === "mkdir") return "mkdir";
  if (a.op === "skip") return "skip";
  return "serial";
}

/**
 * Directories of one depth do not depend on each other: mkdirs run level by
 * level from the top, rmdirs from the bottom, each level in parallel (one
 * round trip per level on a slow link instead of one per directory).
 */
function levels(indexes: number[], actions: Action[], group: Group): number[][] {
  const byDepth = new Map<number, number[]>();
  for (const i of indexes) {
    const depth = actions[i].path.split("/").length;
    byDepth.set(depth, [...(byDepth.get(depth) ?? []), i]);
  }
  const depths = [...byDepth.keys()].sort((x, y) => (group === "mkdir" ? x - y : y - x));
  return depths.map((d) => byDepth.get(d)!);
}

/**
 * Executes `actions` over `lanes`, counting into `report` (files, bytes,
 * errors...) and returning one outcome per action (same order).
 *
 * @example
 * ```ts
 * const report = newReport("mirror");
 * const outcomes = await executePlan(plan.actions, { target: { src, srcRoot: "", dst, dstRoot: "" } }, report, {
 *   parallel: 8,
 * });
 * ```
 */
export function executePlan(
  actions: Action[],
  lanes: Lanes,
  report: JobReport,
  options: ExecuteOptions = {},
): Promise<ActionOutcome[]> {
  return new PlanRun(lanes, report, options).run(actions);
}

/**
 * One execution of a plan that may begin before the plan is whole (a
 * streaming plan, sync/mirror_stream.ts): copies and mkdirs handed to
 * {@link PlanRun.ahead} while the walks go on share the copy slots, the
 * report, the progress and the failure count (a failed copy holds back the
 * deletions) with {@link PlanRun.run}, which waits for them before it runs
 * the rest of the plan in order.
 *
 * @example
 * ```ts
 * const run = new PlanRun({ target: lane }, report, { parallel: 8 });
 * const early = run.ahead({ op: "mkdir", path: "d" });
 * const rest = await run.run(restOfPlan, wholePlan);
 * ```
 */
export class PlanRun {
  readonly #ctx: Ctx;
  readonly #limit: number;
  readonly #copyLimit: number;
  /** Actions handed in ahead, not started yet (mkdirs first: copies wait on them). */
  readonly #waiting: { dirs: (() => void)[]; copies: (() => void)[] } = { dirs: [], copies: [] };
  readonly #ahead: Promise<ActionOutcome>[] = [];
  #active = 0;

  /** Prepares a run; nothing happens until {@link ahead} or {@link run}. */
  constructor(lanes: Lanes, report: JobReport, options: ExecuteOptions = {}) {
    this.#limit = parallelism(lanes, options.parallel);
    this.#copyLimit = this.#limit + queuedBehind(lanes, this.#limit);
    this.#ctx = {
      lanes,
      report,
      progress: new ProgressTracker(options.onProgress),
      options,
      movedAsideFailed: new Set(),
      failedCopies: options.failedBefore ?? 0,
    };
    // Progress of what runs ahead is told once the plan is whole, after it.
    this.#ctx.progress.hold();
  }

  /**
   * Runs a copy (transfer, symlink) or a mkdir before the plan is whole, in
   * one of the copy slots (mkdirs go first); never a deletion.
   *
   * @example
   * ```ts
   * const outcome = await run.ahead({ op: "transfer", path: "a.txt", size: 5, reason: "missing" });
   * ```
   */
  ahead(action: Action): Promise<ActionOutcome> {
    if (action.op !== "transfer" && action.op !== "symlink" && action.op !== "mkdir") {
      return Promise.reject(new TypeError(`${action.op} cannot run ahead of the plan`));
    }
    // A mkdir ahead is a new directory: its copies follow.
    prefetchTransferCode();
    const done = new Promise<ActionOutcome>((resolve) => {
      const start = () => {
        if (this.#ctx.options.signal?.aborted) {
          resolve({ action, ok: false, error: "not run" });
          this.#next();
          return;
        }
        this.#active++;
        runOne(action, this.#ctx).then(
          resolve,
          (error) => resolve({ action, ok: false, error: errorMessage(error) }),
        ).finally(() => {
          this.#active--;
          this.#next();
        });
      };
      (action.op === "mkdir" ? this.#waiting.dirs : this.#waiting.copies).push(start);
    });
    this.#ahead.push(done);
    this.#next();
    return done;
  }

  #next(): void {
    while (this.#active < this.#copyLimit) {
      const start = this.#waiting.dirs.shift() ?? this.#waiting.copies.shift();
      if (!start) return;
      start();
    }
  }

  /**
   * Announces the totals of `planned` (the whole plan, what ran ahead
   * included), waits for what ran ahead, then executes `actions` in plan order.
   * Returns one outcome per action of `actions` (same order).
   *
   * @example
   * ```ts
   * const outcomes = await new PlanRun(lanes, report).run(plan.actions);
   * ```
   */
  async run(actions: Action[], planned: Action[] = actions): Promise<ActionOutcome[]> {
    const { options, progress } = this.#ctx;
    const copies = planned.filter((a) => a.op === "transfer" || a.op === "symlink");
    // Loaded while the mkdirs and the first steps run (a plan of skips never loads it).
    if (copies.length > 0 || planned.some((a) => a.op === "delete" && a.backupTo !== undefined)) {
      prefetchTransferCode();
    }
    // Announced now, while what ran ahead may still run: the bar shows it.
    progress.plan(
      copies.length,
      copies.reduce((n, a) => n + (a.op === "transfer" ? a.size : 0), 0),
      planned.filter((a) => a.op === "delete").length,
    );
    // The rest (mkdirs its copies need, deletions) begins once what ran ahead is done.
    for (let k = 0; k < this.#ahead.length; k++) await this.#ahead[k];
    const outcomes: ActionOutcome[] = new Array(actions.length);
    const limit = this.#limit;
    const ctx = this.#ctx;
    let i = 0;
    while (i < actions.length) {
      const group = groupOf(actions[i]);
      let j = i;
      while (j < actions.length && groupOf(actions[j]) === group) j++;
      const indexes = Array.from({ length: j - i }, (_, k) => i + k);
      const run = async (index: number) => {
        outcomes[index] = await runOne(actions[index], ctx);
      };
      if (group === "copy" || group === "delete-files") {
        const n = group === "copy" ? this.#copyLimit : limit * 2;
        if (group === "copy" && options.adaptive) {
          const adaptive = ctx.adaptive ??= new AdaptiveLimit({ max: n });
          await forEachLimit(indexes, () => adaptive.limit, run, options.signal);
        } else await forEachLimit(indexes, n, run, options.signal);
      } else if (group === "skip") {
        // Counted in one go: a step of an async function each was most of
        // executing a no-change re-run's plan (thousands of skips).
        for (let k = i; k < j && !options.signal?.aborted; k++) {
          outcomes[k] = skipped(actions[k], ctx.report);
        }
      } else if (group === "mkdir" || group === "rmdir") {
        for (const level of levels(indexes, actions, group)) {
          await forEachLimit(level, limit, run, options.signal);
        }
      } else {
        for (const index of indexes) {
          if (options.signal?.aborted) break;
          await run(index);
        }
      }
      i = j;
    }
    for (let k = 0; k < actions.length; k++) {
      outcomes[k] ??= { action: actions[k], ok: false, error: "not run" };
    }
    if (options.signal?.aborted) {
      ctx.report.errors.push({ path: "", message: "interrupted", code: "EINTR" });
    }
    return outcomes;
  }
}

interface Ctx {
  lanes: Lanes;
  report: JobReport;
  progress: ProgressTracker;
  options: ExecuteOptions;
  /** `side:path` of entries a failed rename should have moved aside: never overwrite them. */
  movedAsideFailed: Set<string>;
  /** Failed transfers so far: deletions after them are held back. */
  failedCopies: number;
  /** The adaptive count of copies in flight (`ExecuteOptions.adaptive`). */
  adaptive?: AdaptiveLimit;
}

/** A skip, counted. */
function skipped(action: Action, report: JobReport): ActionOutcome {
  report.files.skipped++;
  report.bytes.skipped += (action.op === "skip" ? action.size : undefined) ?? 0;
  return { action, ok: true };
}

async function runOne(action: Action, ctx: Ctx): Promise<ActionOutcome> {
  const { lanes, report, progress, options } = ctx;
  if (action.op === "skip") return skipped(action, report);
  const lane = action.side ? lanes[action.side] : lanes.target;
  if (!lane) throw new Error(`no lane for side ${action.side ?? "target"}`);
  const dstPath = (p: string) => joinPath(lane.dstRoot, p);
  if (action.op === "delete" && ctx.failedCopies > 0) {
    const why = `${ctx.failedCopies} transfer(s) failed`;
    report.deletesBlocked ??= why;
    report.files.skipped++;
    return { action, ok: false, error: `not deleted: ${why}` };
  }
  if (action.op === "transfer" && ctx.movedAsideFailed.has(`${action.side}:${action.path}`)) {
    // keep-both could not move the loser aside: copying over it would lose it.
    const error = "not copied: the entry there could not be moved aside";
    report.files.failed++;
    report.errors.push({ path: action.path, message: error });
    return { action, ok: false, error };
  }
  // Every operation gets the same retries on temporary errors (a 421 on DELE...).
  const again = <T>(fn: () => Promise<T>) =>
    withRetry(fn, {
      ...options.retry,
      signal: options.signal,
      onRetry: () => void report.retries++,
    });
  const kind = action.op === "transfer" ? "transfer" : action.op;
  const size = action.op === "transfer" ? action.size : 0;
  progress.start(action.path, size, kind);
  try {
    const outcome: ActionOutcome = { action, ok: true };
    switch (action.op) {
      case "mkdir":
        await again(() => lane.dst.mkdir(dstPath(action.path), { parents: true }));
        report.dirsCreated++;
        break;
      case "transfer": {
        const mtime = action.mtime ? new Date(action.mtime) : undefined;
        const { transferFile } = await transferCode();
        const result = await transferFile(
          lane.src,
          joinPath(lane.srcRoot, action.from ?? action.path),
          lane.dst,
          dstPath(action.path),
          {
            size: action.size,
            mtime,
            mtimePrecision: action.mtimePrecision,
            resume: action.resumeFrom !== undefined,
            backupTo: action.backupTo,
            verify: options.verify,
            segments: options.segments,
            retry: options.retry,
            signal: options.signal,
            onBytes: (bytes) => progress.bytes(action.path, bytes, action.size),
            onRetry: (error, attempt, delayMs) => {
              report.retries++;
              if (ctx.adaptive && isTooMany(error)) {
                log.info("{limit} transfer(s) at once from now on (the server said too many)", {
                  limit: ctx.adaptive.refused(),
                });
              }
              progress.retry(action.path, attempt, delayMs, error);
              log.info("retrying {path} ({attempt}) after: {error}", {
                path: action.path,
                attempt,
                error: errorMessage(error),
              });
            },
          },
        );
        outcome.transfer = result;
        if (ctx.adaptive) {
          const before = ctx.adaptive.limit;
          const after = ctx.adaptive.done(performance.now(), result.bytesSent);
          if (after !== before) log.debug("{limit} transfers at once", { limit: after });
        }
        report.files.transferred++;
        report.bytes.transferred += result.bytesSent;
        if (result.resumedFrom > 0) report.resumed++;
        if (options.statUnsetMtime && !result.mtimeSet) {
          outcome.dstStat = await lane.dst.stat(dstPath(action.path));
        }
        break;
      }
      case "symlink": {
        const { copyLink } = await transferCode();
        if (!await again(() => copyLink(lane.dst, dstPath(action.path), action.target))) {
          throw new Error("the target cannot create symlinks");
        }
        report.files.transferred++;
        break;
      }
      case "setMtime":
        await again(() => lane.dst.setMtime(dstPath(action.path), new Date(action.mtime)));
        report.files.skipped++;
        break;
      case "rename":
        await again(() => lane.dst.rename(dstPath(action.from), dstPath(action.path)));
        break;
      case "delete":
        await again(() => deleteEntry(lane.dst, action, dstPath(action.path)));
        if (action.type === "dir") report.dirsDeleted++;
        else (report.files.deleted++, report.bytes.deleted += action.size);
        break;
    }
    progress.end(action.path, kind);
    return outcome;
  } catch (error) {
    progress.end(action.path, kind, error);
    if (action.op === "delete" && action.type === "dir" && error instanceof NotEmptyError) {
      // Filtered-out entries keep a directory; rsync and rclone only warn about it.
      report.warnings.push(`directory not removed, not empty: ${action.path}`);
      return { action, ok: false, error: errorMessage(error) };
    }
    if (action.op === "rename") ctx.movedAsideFailed.add(`${action.side}:${action.from}`);
    if (action.op === "transfer" || action.op === "symlink") ctx.failedCopies++;
    if (action.op !== "mkdir" && action.op !== "rename") report.files.failed++;
    report.errors.push(errorEntry(action.path, error));
    log.warn("{op} {path} failed: {error}", {
      op: action.op,
      path: action.path,
      error: errorMessage(error),
    });
    return { action, ok: false, error: errorMessage(error) };
  }
}

async function deleteEntry(
  ep: Endpoint,
  action: Extract<Action, { op: "delete" }>,
  path: string,
): Promise<void> {
  if (action.type === "dir") await ep.rmdir(path);
  else if (action.backupTo !== undefined) {
    await (await transferCode()).moveAside(ep, path, action.backupTo);
  } else await ep.remove(path);
}

/**
 * Copies kept going beyond `limit`, queued behind running reads on the
 * sources' own connections (`Capabilities.queuedReads`): as many as the
 * sources have connections, when every copy reads from such a source and
 * `limit` already uses all its connections. Else 0.
 */
function queuedBehind(lanes: Lanes, limit: number): number {
  let extra = Number.POSITIVE_INFINITY;
  for (const lane of [lanes.target, lanes.a, lanes.b]) {
    if (!lane) continue;
    const caps = lane.src.capabilities();
    if (!caps.queuedReads || lane.src === lane.dst || caps.maxConnections <= 0) return 0;
    if (limit < caps.maxConnections) return 0;
    extra = Math.min(extra, caps.maxConnections);
  }
  return Number.isFinite(extra) ? extra : 0;
}

function parallelism(lanes: Lanes, wanted = 4): number {
  let n = Math.max(1, Math.floor(wanted));
  for (const lane of [lanes.target, lanes.a, lanes.b]) {
    if (!lane) continue;
    for (const ep of [lane.src, lane.dst]) {
      let cap = ep.capabilities().maxConnections;
      // A copy within one endpoint holds two of its connections (one reads,
      // one writes): as many copies as connections would each hold one and
      // wait for a second forever. (0 means no limit.)
      if (lane.src === lane.dst && cap > 0) cap = Math.max(1, Math.floor(cap / 2));
      if (cap > 0) n = Math.min(n, cap);
    }
  }
  return n;
}
