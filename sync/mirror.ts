/**
 * The mirror job: make `to` look like `from` (new and changed files copied,
 * optionally extraneous ones deleted), safely. Walk both (in parallel), plan
 * purely, then execute unless it is a dry run.
 * @module
 */
import type { Endpoint } from "../endpoint/types.ts";
import { isInside, joinPath, normalizePath } from "../endpoint/path.ts";
import { commonHash, type CompareMode, type CompareOptions, hashSource } from "./compare.ts";
import {
  type ActionOutcome,
  type ExecuteOptions,
  executePlan,
  type PlanExecutor,
  PlanRun,
} from "./execute.ts";
import { type Filter, makeFilter } from "./filter.ts";
import { hasGlobs, loadGlobs } from "./glob_engine.ts";
import {
  canSymlink,
  type MirrorPlanOptions,
  type Plan,
  planMirror,
  type SentRecord,
} from "./plan.ts";
import type { MirrorStream } from "./mirror_stream.ts";
import type { SegmentOptions } from "./segments.ts";
import { forEachLimit } from "./pool.ts";
import type { ProgressListener } from "./progress.ts";
import { errorEntry, finishReport, type JobReport, newReport } from "./report.ts";
import { addWalkProblems, countPlan } from "./job_report.ts";
import type { RetryOptions } from "./retry.ts";
import { defaultStatePath, snapshotOf, StateStore, treeKey } from "./state.ts";
import {
  type ListedDir,
  listTree,
  type SymlinkPolicy,
  type Tree,
  type WalkOptions,
} from "./walk.ts";
import { pathExists } from "../util/files.ts";

/** Options of {@link mirror} (the workflow's `mirror:` job and `ferry mirror`). */
export interface MirrorOptions {
  /** Delete target entries the source lacks (default false). */
  delete?: boolean;
  /** Globs a path must match to be copied (all when empty). */
  include?: string[];
  /** Globs that leave a path (or a directory's subtree) out; excluded targets are never deleted. */
  exclude?: string[];
  /** Smallest file size in bytes to copy. */
  minSize?: number;
  /** Largest file size in bytes to copy. */
  maxSize?: number;
  /** Default `skip`. */
  symlinks?: SymlinkPolicy;
  /** Default `size+mtime`. */
  compare?: CompareMode;
  /** Extra mtime slack in ms on top of the coarser precision. */
  toleranceMs?: number;
  /** A clock offset of the target the endpoint does not correct itself (ms). */
  timeShiftMs?: number;
  /** Refuse to delete more than this many files, or this share like `"10%"`. */
  maxDelete?: number | string;
  /** Move deleted and replaced files here (a path on the target endpoint) instead. */
  backupDir?: string;
  /** Transfers in flight (default 4). */
  parallel?: number;
  /** Adapt the transfers in flight up to `parallel` (`ExecuteOptions.adaptive`; default false). */
  adaptive?: boolean;
  /** Segmented downloads of large files (default 8 segments from 64 MiB; `{ segments: 1 }`: off). */
  segments?: SegmentOptions;
  /** Directory listings in flight per endpoint (default 4). */
  listParallel?: number;
  /** Retries of temporary failures (421, dropped connections, short data). */
  retry?: RetryOptions;
  /** Plan only: the report carries the plan, nothing is touched. */
  dryRun?: boolean;
  /** Called with totals as the plan and the transfers progress. */
  onProgress?: ProgressListener;
  /** Stops the job: transfers in flight are aborted, partials kept for resume. */
  signal?: AbortSignal;
  /**
   * Where to remember what was sent to a target that cannot set mtimes.
   * Default: `statePath` is opened when (and only when) such a target needs it
   * (in a dry run only if it exists); `false` turns the memory off.
   */
  state?: StateStore | false;
  /** State file when no store is given (default `.ferry/state.db`). */
  statePath?: string;
  /** Carries out the plan (default {@link executePlan}, in this process). */
  executor?: PlanExecutor;
  /**
   * Start copies while the walks go on (default false: one 40 ms run did not gain; see
   * sync/mirror_stream.ts; deletions always wait for both complete walks).
   */
  stream?: boolean;
  /**
   * The target's walk, started by {@link walkTargetEarly} while the source
   * endpoint was still opening. Used when it walks this very target with these
   * options (filters, symlinks, listings in flight, retries, signal, backup
   * dir, streaming) and the roots do not nest on one endpoint; else it is
   * cancelled and the target walked again, as without it.
   */
  earlyTarget?: EarlyTargetWalk;
}

/** The trees and plan of a mirror, before execution (what `--dry-run` shows). */
export interface MirrorPreparation {
  /** The source tree as walked. */
  src: Tree;
  /** The target tree as walked. */
  dst: Tree;
  /** What the mirror would do. */
  plan: Plan;
}

/**
 * Walks both sides and plans the mirror, touching nothing.
 *
 * @example
 * ```ts
 * const { plan } = await prepareMirror(ftp, "pub", disk, "mirror", { delete: true });
 * console.log(plan.summary);
 * ```
 */
export function prepareMirror(
  src: Endpoint,
  srcRoot: string,
  dst: Endpoint,
  dstRoot: string,
  options: MirrorOptions = {},
): Promise<MirrorPreparation> {
  return prepare(src, srcRoot, dst, dstRoot, options);
}

async function prepare(
  src: Endpoint,
  srcRoot: string,
  dst: Endpoint,
  dstRoot: string,
  options: MirrorOptions,
  stream?: (planOptions: MirrorPlanOptions) => MirrorStream,
): Promise<MirrorPreparation & { stream?: MirrorStream }> {
  if (hasGlobs(options)) await loadGlobs();
  const filter = makeFilter(options);
  // Trees that must not be seen: a backup dir inside the target (see
  // targetWalkOptions), and, when both roots are on one endpoint and nest,
  // the inner one inside the outer (else a target inside the source is copied
  // into itself, and a source inside the target is "extraneous" and deleted).
  const srcSkip: string[] = [];
  const nestSkip: string[] = [];
  if (src.url === dst.url && normalizePath(srcRoot) !== normalizePath(dstRoot)) {
    addRelative(srcSkip, dstRoot, srcRoot);
    addRelative(nestSkip, srcRoot, dstRoot);
  }
  const compare: CompareOptions = {
    mode: options.compare,
    toleranceMs: options.toleranceMs,
    timeShiftMs: options.timeShiftMs,
  };
  const sent = options.state && !dst.capabilities().setMtime
    ? loadSent(options.state, src, srcRoot, dst, dstRoot)
    : undefined;
  const planOptions: MirrorPlanOptions = {
    delete: options.delete,
    compare,
    maxDelete: options.maxDelete,
    backupDir: options.backupDir,
    sent,
    dstCanSetMtime: dst.capabilities().setMtime,
    dstCanSymlink: canSymlink(dst),
  };
  const streaming = stream?.(planOptions);
  // A walk of the target started while the source opened, if it is this one's.
  const early = options.earlyTarget instanceof EarlyWalk
    ? options.earlyTarget.take(dst, dstRoot, options, nestSkip.length > 0, streaming?.onTarget)
    : undefined;
  if (!early && options.earlyTarget) await options.earlyTarget.cancel();
  // Far servers open all their sessions now, while the first listings run.
  src.warm?.().catch(() => {});
  if (!early) dst.warm?.().catch(() => {});
  const walkOptions = targetWalkOptions(options, dstRoot, filter);
  let srcTree: Tree, dstTree: Tree;
  try {
    [srcTree, dstTree] = await Promise.all([
      listTree(src, srcRoot, {
        ...walkOptions,
        missingOk: undefined,
        skipPaths: srcSkip,
        onListed: streaming?.onSource,
      }),
      early ?? listTree(dst, dstRoot, {
        ...walkOptions,
        skipPaths: [...walkOptions.skipPaths, ...nestSkip],
        onListed: streaming?.onTarget,
      }),
    ]);
  } catch (error) {
    // Copies already running end (an abort stops them) before the job does.
    await streaming?.done();
    throw error;
  }
  const hashes = options.compare === "checksum"
    ? await fetchHashes(src, srcTree, dst, dstTree, options)
    : undefined;
  const plan = planMirror(srcTree, dstTree, { ...planOptions, hashes });
  return { src: srcTree, dst: dstTree, plan, stream: streaming };
}

/**
 * How a mirror walks its target (the source's walk differs only in its skips
 * and `missingOk`): the backup dir inside the target is left out.
 */
function targetWalkOptions(options: MirrorOptions, dstRoot: string, filter: Filter) {
  const skipPaths: string[] = [];
  if (options.backupDir !== undefined) addRelative(skipPaths, options.backupDir, dstRoot);
  return {
    filter,
    symlinks: options.symlinks,
    concurrency: options.listParallel,
    retry: options.retry,
    signal: options.signal,
    missingOk: true as boolean | undefined,
    skipPaths,
  } satisfies WalkOptions;
}

/** A target walk started before the source endpoint was open ({@link walkTargetEarly}). */
export interface EarlyTargetWalk {
  /**
   * Stops the walk if it still runs (unless a mirror took it) and waits until
   * it has ended; never throws.
   *
   * @example
   * ```ts
   * const early = walkTargetEarly(disk, "mirror");
   * await early.cancel(); // the source could not be opened
   * ```
   */
  cancel(): Promise<void>;
}

/** The options that shape a target's walk: an early walk is used only when they match. */
const WALK_OPTIONS = [
  "include",
  "exclude",
  "minSize",
  "maxSize",
  "symlinks",
  "listParallel",
  "retry",
  "signal",
  "backupDir",
] as const satisfies readonly (keyof MirrorOptions)[];

class EarlyWalk implements EarlyTargetWalk {
  readonly #dst: Endpoint;
  readonly #dstRoot: string;
  readonly #options: MirrorOptions;
  readonly #stop = new AbortController();
  readonly #tree: Promise<Tree>;
  /** Listings heard before the mirror's stream exists (only when it may stream). */
  #heard?: ListedDir[];
  #onListed?: (dir: ListedDir) => void;
  #taken = false;

  constructor(dst: Endpoint, dstRoot: string, options: MirrorOptions) {
    this.#dst = dst;
    this.#dstRoot = dstRoot;
    this.#options = options;
    if (options.stream === true) this.#heard = [];
    const signal = options.signal
      ? AbortSignal.any([options.signal, this.#stop.signal])
      : this.#stop.signal;
    this.#tree = (async () => {
      if (hasGlobs(options)) await loadGlobs();
      const walkOptions = targetWalkOptions(options, dstRoot, makeFilter(options));
      dst.warm?.().catch(() => {});
      return await listTree(dst, dstRoot, {
        ...walkOptions,
        signal,
        onListed: this.#heard && this.#hear,
      });
    })();
    // Nobody may ever wait for it (the source failed to open): cancel() says so.
    this.#tree.catch(() => {});
  }

  readonly #hear = (dir: ListedDir): void => {
    if (this.#onListed) this.#onListed(dir);
    else this.#heard?.push(dir);
  };

  /**
   * The walk's tree, when it is the one the mirror would start now: the same
   * target and options, no nested roots to leave out, and its listings kept
   * when the mirror streams (they are handed to `onListed` first, in order).
   */
  take(
    dst: Endpoint,
    dstRoot: string,
    options: MirrorOptions,
    nested: boolean,
    onListed: ((dir: ListedDir) => void) | undefined,
  ): Promise<Tree> | undefined {
    const fits = !this.#taken && !nested && dst === this.#dst &&
      normalizePath(dstRoot) === normalizePath(this.#dstRoot) &&
      WALK_OPTIONS.every((key) => sameOption(options[key], this.#options[key])) &&
      (onListed === undefined || this.#heard !== undefined);
    if (!fits) return undefined;
    this.#taken = true;
    const heard = this.#heard ?? [];
    this.#heard = undefined;
    if (onListed) {
      for (const dir of heard) onListed(dir);
      this.#onListed = onListed;
    }
    return this.#tree;
  }

  async cancel(): Promise<void> {
    if (!this.#taken) this.#stop.abort();
    await this.#tree.catch(() => {});
  }
}

/** Equal option values: the same, or arrays and plain objects (retries) with the same items. */
function sameOption(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (Array.isArray(a) && Array.isArray(b)) {
    return a.length === b.length && a.every((v, i) => v === b[i]);
  }
  if (!isPlain(a) || !isPlain(b)) return false;
  const keys = Object.keys(a);
  return keys.length === Object.keys(b).length && keys.every((k) => a[k] === b[k]);
}

function isPlain(v: unknown): v is Record<string, unknown> {
  return typeof v === "object" && v !== null && Object.getPrototypeOf(v) === Object.prototype;
}

/**
 * Starts the walk of a mirror's target now, before the source endpoint is
 * open (a login takes a server tens of milliseconds): pass it to {@link mirror}
 * or {@link prepareMirror} as `earlyTarget` with the same options. A mirror
 * that cannot use it (other options, roots nested on one endpoint) walks the
 * target again; deletions still wait for both complete walks. Call `cancel()`
 * when done (a source that failed to open): it stops a walk no mirror took.
 *
 * @example
 * ```ts
 * const early = walkTargetEarly(disk, "mirror", options);
 * try {
 *   await mirror(await opening, "pub", disk, "mirror", { ...options, earlyTarget: early });
 * } finally {
 *   await early.cancel();
 * }
 * ```
 */
export function walkTargetEarly(
  dst: Endpoint,
  dstRoot: string,
  options: MirrorOptions = {},
): EarlyTargetWalk {
  return new EarlyWalk(dst, dstRoot, options);
}

/**
 * Whether a mirror may start copies while its walks go on (sync/mirror_stream.ts):
 * not for a dry run, another executor (a queue: it takes whole plans), checksums
 * (they need both walks first), a backup dir inside the target or two roots on one
 * endpoint (the walks leave paths out there), nor an adaptive count.
 */
function streams(src: Endpoint, dst: Endpoint, options: MirrorOptions): boolean {
  return options.stream === true && !options.dryRun && !options.executor &&
    options.compare !== "checksum" && options.backupDir === undefined && src.url !== dst.url &&
    !options.adaptive;
}

/**
 * Mirrors `srcRoot` on `src` to `dstRoot` on `dst` and reports what happened.
 * Never throws for per-file problems (they are in the report); throws for
 * bad options (a bad glob) and when interrupted before planning.
 *
 * @example
 * ```ts
 * const report = await mirror(ftp, "/pub", disk, "mirror", { delete: true, parallel: 8 });
 * if (!report.ok) console.error(report.errors);
 * ```
 */
export async function mirror(
  src: Endpoint,
  srcRoot: string,
  dst: Endpoint,
  dstRoot: string,
  options: MirrorOptions = {},
): Promise<JobReport> {
  const own = options.state === undefined && !dst.capabilities().setMtime
    ? openDefaultState(options)
    : undefined;
  try {
    return await run(src, srcRoot, dst, dstRoot, { ...options, state: options.state ?? own });
  } finally {
    own?.close();
  }
}

/** sync/mirror_stream.ts, by a specifier Deno does not read ahead (see {@link run}). */
const MIRROR_STREAM_MODULE = new URL("./mirror_stream.ts", import.meta.url).href;

async function run(
  src: Endpoint,
  srcRoot: string,
  dst: Endpoint,
  dstRoot: string,
  options: MirrorOptions,
): Promise<JobReport> {
  const report = newReport("mirror", { dryRun: options.dryRun });
  const lane = { src, srcRoot, dst, dstRoot };
  const executeOptions: ExecuteOptions = {
    parallel: options.parallel,
    adaptive: options.adaptive,
    segments: options.segments,
    retry: options.retry,
    signal: options.signal,
    onProgress: options.onProgress,
    statUnsetMtime: !!options.state && !dst.capabilities().setMtime,
    verify: options.compare === "checksum" ? "checksum" : "size",
  };
  const runner = streams(src, dst, options)
    ? new PlanRun({ target: lane }, report, executeOptions)
    : undefined;
  // The streamed plan's code only for a mirror that streams (a far source).
  const streamCode = runner
    ? await (import(MIRROR_STREAM_MODULE) as Promise<typeof import("./mirror_stream.ts")>)
    : undefined;
  const prep = await prepare(
    src,
    srcRoot,
    dst,
    dstRoot,
    options,
    runner && ((planOptions) => new streamCode!.MirrorStream(dst, dstRoot, planOptions, runner)),
  );
  // Nothing more runs ahead once both walks are done; what did is left out of the plan.
  const ran = await prep.stream?.close();
  // Problems of copies that ran ahead come after the walks' own, as without streaming.
  const aheadErrors = report.errors.splice(0);
  addWalkProblems(report, prep.src, "source");
  addWalkProblems(report, prep.dst, "target");
  const { plan } = prep;
  if (plan.deletesBlocked) report.deletesBlocked = plan.deletesBlocked;
  if (options.dryRun) {
    report.plan = plan.actions;
    countPlan(report, plan);
    return finishReport(report);
  }
  if (plan.deletesBlocked && options.delete) {
    report.errors.push({
      path: "",
      message: `deletions held back: ${plan.deletesBlocked}`,
      code: "EDELETEBLOCKED",
    });
  }
  report.errors.push(...aheadErrors);
  if (prep.stream?.rootError !== undefined) {
    report.errors.push(errorEntry("", prep.stream.rootError));
    return finishReport(report);
  }
  const needRoot = plan.actions.some((a) => a.op !== "skip") && prep.dst.entries.size === 0;
  if (needRoot && normalizePath(dstRoot) !== "" && !prep.stream?.rootMade) {
    try {
      await dst.mkdir(dstRoot, { parents: true });
    } catch (error) {
      report.errors.push(errorEntry("", error));
      // Copies that ran ahead end before the report does.
      await prep.stream?.done();
      return finishReport(report);
    }
  }
  let outcomes: ActionOutcome[];
  if (runner && ran) {
    // The whole plan, less what ran ahead (the very same actions: aheadOfPlan).
    const rest = plan.actions.filter((a) => !ran.has(streamCode!.aheadKey(a)));
    const later = await runner.run(rest, plan.actions);
    outcomes = [...await Promise.all(ran.values()), ...later];
  } else {
    const execute = options.executor ?? executePlan;
    outcomes = await execute(plan.actions, { target: lane }, report, executeOptions);
  }
  if (options.state && !dst.capabilities().setMtime) {
    const records = loadSent(options.state, src, srcRoot, dst, dstRoot);
    for (const path of records.keys()) if (!prep.src.entries.has(path)) records.delete(path);
    for (const o of outcomes) {
      if (o.action.op !== "transfer" || !o.ok || !o.dstStat) continue;
      const s = prep.src.entries.get(o.action.path);
      // A plan made by an earlier coordinator (queue) may name a path gone since.
      if (!s) continue;
      records.set(o.action.path, {
        srcSize: s.size,
        srcMtime: s.mtime?.getTime() ?? null,
        dstSize: o.dstStat.size,
        dstMtime: o.dstStat.mtime?.getTime() ?? null,
      });
    }
    saveSent(options.state, src, srcRoot, dst, dstRoot, records);
  }
  return finishReport(report);
}

function openDefaultState(options: MirrorOptions): StateStore | undefined {
  const path = options.statePath ?? defaultStatePath;
  if (options.dryRun && !pathExists(path)) return undefined; // a dry run creates nothing
  return StateStore.open(path);
}

/** Adds `path` relative to `root` to `list` when it lies strictly inside `root`. */
function addRelative(list: string[], path: string, root: string): void {
  const p = normalizePath(path);
  const r = normalizePath(root);
  if (p !== r && isInside(p, r)) list.push(r === "" ? p : p.slice(r.length + 1));
}

async function fetchHashes(
  src: Endpoint,
  srcTree: Tree,
  dst: Endpoint,
  dstTree: Tree,
  options: MirrorOptions,
): Promise<{ src: Map<string, string>; dst: Map<string, string> } | undefined> {
  const algorithm = commonHash(src.capabilities(), dst.capabilities());
  const hs = hashSource(src);
  const hd = hashSource(dst);
  if (!algorithm || !hs || !hd) return undefined;
  const out = { src: new Map<string, string>(), dst: new Map<string, string>() };
  // Only files present on both sides with equal sizes need a hash.
  const paths = [...srcTree.entries].filter(([p, s]) => {
    const d = dstTree.entries.get(p);
    return s.type === "file" && d?.type === "file" && d.size === s.size;
  }).map(([p]) => p);
  await forEachLimit(paths, options.parallel ?? 4, async (p) => {
    try {
      const [a, b] = await Promise.all([
        hs.hash(joinPath(srcTree.root, p), algorithm, options.signal),
        hd.hash(joinPath(dstTree.root, p), algorithm, options.signal),
      ]);
      out.src.set(p, a);
      out.dst.set(p, b);
    } catch {
      // No hash for this file: compare() falls back to size for it.
    }
  }, options.signal);
  return out;
}

function loadSent(
  store: StateStore,
  src: Endpoint,
  srcRoot: string,
  dst: Endpoint,
  dstRoot: string,
): Map<string, SentRecord> {
  const state = store.load("mirror", treeKey(src, srcRoot), treeKey(dst, dstRoot));
  const out = new Map<string, SentRecord>();
  for (const [path, e] of state.entries) {
    if (!e.a || !e.b) continue;
    out.set(path, {
      srcSize: e.a.size,
      srcMtime: e.a.mtime,
      dstSize: e.b.size,
      dstMtime: e.b.mtime,
    });
  }
  return out;
}

function saveSent(
  store: StateStore,
  src: Endpoint,
  srcRoot: string,
  dst: Endpoint,
  dstRoot: string,
  records: Map<string, SentRecord>,
): void {
  const entries = new Map(
    [...records].map(([path, r]) => [path, {
      a: snapshotOf({ type: "file", size: r.srcSize, mtime: date(r.srcMtime) }),
      b: snapshotOf({ type: "file", size: r.dstSize, mtime: date(r.dstMtime) }),
    }]),
  );
  store.save("mirror", treeKey(src, srcRoot), treeKey(dst, dstRoot), entries);
}

function date(ms: number | null): Date | undefined {
  return ms === null ? undefined : new Date(ms);
}
