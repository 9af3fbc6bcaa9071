/**
 * The mirror job: make `to` look like `from` (new and changed files copied,
 * optionally extraneous ones deleted), safely. Walk both (in parallel), plan
 * purely, then execute unless it is a dry run.
 * @module
 */
import { nestedPath } from "./overlap.ts";
import type { Endpoint } from "../endpoint/types.ts";
import { joinPath, normalizePath } from "../endpoint/path.ts";
import { commonHash, type CompareOptions, hashSource } from "./compare.ts";
import { type ActionOutcome, type ExecuteOptions, executePlan, PlanRun } from "./execute.ts";
import { makeFilter } from "./filter.ts";
import { hasGlobs, loadGlobs } from "./glob_engine.ts";
import {
  canSymlink,
  type MirrorPlanOptions,
  type Plan,
  planMirror,
  type SentRecord,
} from "./plan.ts";
import type { MirrorStream } from "./mirror_stream.ts";
import { forEachLimit } from "./pool.ts";
import { errorEntry, finishReport, type JobReport, newReport } from "./report.ts";
import { addTypeConflicts, addWalkProblems, countPlan } from "./job_report.ts";
import { defaultStatePath, snapshotOf, StateStore, treeKey } from "./state.ts";
import { listTree, type Tree } from "./walk.ts";
import { pathExists } from "../util/files.ts";
import type { MirrorOptions } from "./mirror_options.ts";
import { addRelative, EarlyWalk, targetWalkOptions } from "./mirror_target.ts";

export type { EarlyTargetWalk, MirrorOptions } from "./mirror_options.ts";
export { walkTargetEarly } from "./mirror_target.ts";

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
  } else if (src.url !== dst.url) {
    // Two endpoints whose trees nest all the same (the CLI opens `./p` and `./p/copy` as two
    // local endpoints): the same skips, found by location.
    const inSrc = nestedPath(dst, dstRoot, src, srcRoot);
    const inDst = nestedPath(src, srcRoot, dst, dstRoot);
    if (inSrc !== undefined) srcSkip.push(inSrc);
    if (inDst !== undefined) nestSkip.push(inDst);
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
  // A dry run says the same hold, and fails as the real run would (rclone --dry-run does).
  if (plan.deletesBlocked && options.delete) {
    report.errors.push({
      path: "",
      message: `deletions held back: ${plan.deletesBlocked}`,
      code: "EDELETEBLOCKED",
    });
  }
  if (options.dryRun) {
    report.plan = plan.actions;
    countPlan(report, plan);
    return finishReport(report);
  }
  addTypeConflicts(report, plan);
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
