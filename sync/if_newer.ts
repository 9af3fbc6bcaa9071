/**
 * ftputil's `upload_if_newer` / `download_if_newer`, generalized to any pair
 * of endpoints and to whole trees: a file is copied when the target is
 * missing or the source may be newer, counting mtime precision and
 * transferring when in doubt (`shouldTransfer` in endpoint/ftp/time_shift.ts).
 *
 * One deliberate addition: ferry preserves mtimes, so a copied file carries
 * its source's time and ftputil's "equal means transfer" would copy it again
 * on every run. A target with the same size and the same mtime (within both
 * precisions, both known) therefore counts as already copied.
 * @module
 */
import type { Endpoint, Stat } from "../endpoint/types.ts";
import { IsADirectoryError, NotFoundError } from "../endpoint/errors.ts";
import { shouldTransfer } from "../endpoint/mtime.ts";
import { dirname, isInside, normalizePath } from "../endpoint/path.ts";
import { sameMtime } from "./compare.ts";
import { assertSeparateTrees } from "./overlap.ts";
import { executePlan } from "./execute.ts";
import { makeFilter } from "./filter.ts";
import type { CopyJobOptions } from "./job_options.ts";
import { hasGlobs, loadGlobs } from "./glob_engine.ts";
import { addWalkProblems, countPlan } from "./job_report.ts";
import { type Action, sourceTime, summarize } from "./plan.ts";
import { errorEntry, finishReport, type JobReport, newReport } from "./report.ts";
import { comparePaths, listTree, type Tree } from "./walk.ts";

/** Options of {@link copyIfNewer}. */
export interface IfNewerOptions extends CopyJobOptions {
  /** Links are followed (`follow`, the default here, as ftputil does) or skipped. */
  symlinks?: "follow" | "skip";
  /** Extra slack (ms) for the "already copied" check. */
  toleranceMs?: number;
}

/** The decision on one file. */
export interface IfNewerDecision {
  /** Whether to copy. */
  transfer: boolean;
  /** Why (for dry runs and logs). */
  reason: string;
}

/**
 * Whether to copy `src` onto `dst` (pure).
 *
 * @example
 * ```ts
 * const s = { name: "a", type: "file", size: 3, mtime: new Date(60_000), precision: 60_000 } as const;
 * ifNewer(s, undefined);                                   // { transfer: true, reason: "missing" }
 * ifNewer(s, { ...s, size: 4, mtime: new Date(200_000) }); // { transfer: false, reason: "target is newer" }
 * ifNewer(s, { ...s, size: 4, mtime: new Date(90_000) });  // transfer: in doubt (inside the listed minute)
 * ```
 */
export function ifNewer(src: Stat, dst: Stat | undefined, toleranceMs = 0): IfNewerDecision {
  if (!dst) return { transfer: true, reason: "missing" };
  if (dst.type !== "file") return { transfer: false, reason: `target is a ${dst.type}` };
  if (src.size === dst.size && sameMtime(src, dst, { toleranceMs }) === true) {
    return { transfer: false, reason: "same size and mtime" };
  }
  if (!shouldTransfer(src, dst)) return { transfer: false, reason: "target is newer" };
  const known = src.mtime && dst.mtime && Number.isFinite(src.precision);
  return { transfer: true, reason: known ? "source is newer or as new" : "mtime unknown" };
}

/**
 * Plans copy-if-newer for a tree (pure): transfers by {@link ifNewer}, mkdirs
 * for missing directories, skips with reasons; never deletes. A name the
 * target does not show inside a directory whose listing failed (or was left
 * incomplete) is skipped, not sent as missing: what is there is not known,
 * and it may be newer (a 500 on a bucket listing's second page once made
 * upload-if-newer replace 1 of 1,001 newer objects with older files).
 *
 * @example
 * ```ts
 * const actions = planIfNewer(await listTree(local, "site"), await listTree(ftp, "www", { missingOk: true }));
 * ```
 */
export function planIfNewer(src: Tree, dst: Tree, toleranceMs = 0): Action[] {
  const mkdirs: Action[] = [];
  const copies: Action[] = [];
  const skips: Action[] = [];
  const unlisted = dst.errors.map((e) => e.path);
  const unknown = (path: string) => unlisted.some((dir) => isInside(dirname(path), dir));
  for (const [path, s] of src.entries) {
    const d = dst.entries.get(path);
    if (!d && (s.type === "dir" || s.type === "file") && unknown(path)) {
      const size = s.type === "file" ? { size: s.size } : {};
      skips.push({ op: "skip", path, reason: "target directory not listed", ...size });
      continue;
    }
    if (s.type === "dir") {
      if (!d) mkdirs.push({ op: "mkdir", path });
      else if (d.type !== "dir") skips.push({ op: "skip", path, reason: `target is a ${d.type}` });
      continue;
    }
    if (s.type !== "file") continue;
    const decision = ifNewer(s, d, toleranceMs);
    if (decision.transfer) copies.push(transfer(path, s, decision.reason));
    else skips.push({ op: "skip", path, reason: decision.reason, size: s.size });
  }
  mkdirs.sort((x, y) => comparePaths(x.path, y.path));
  return [...mkdirs, ...copies, ...skips];
}

function transfer(path: string, s: Stat, reason: string, from?: string): Action {
  return {
    op: "transfer",
    path,
    size: s.size,
    reason,
    ...sourceTime(s),
    ...(from !== undefined && from !== path ? { from } : {}),
  };
}

/**
 * Copies a file or a tree from `src` to `dst` where the source is newer
 * (ftputil's rule, see the module notes). The report's `plan` always lists
 * each file's decision, so callers can tell what happened to which file.
 *
 * @example
 * ```ts
 * const r = await copyIfNewer(disk, "site", ftp, "www");       // upload-if-newer
 * const d = await copyIfNewer(ftp, "pub/a.iso", disk, "a.iso"); // download-if-newer
 * console.log(r.files.transferred, r.plan);
 * ```
 */
export async function copyIfNewer(
  src: Endpoint,
  srcPath: string,
  dst: Endpoint,
  dstPath: string,
  options: IfNewerOptions = {},
): Promise<JobReport> {
  assertSeparateTrees("copy-if-newer", src, srcPath, dst, dstPath);
  const report = newReport("copy-if-newer", { dryRun: options.dryRun });
  let actions: Action[];
  let srcRoot = normalizePath(srcPath);
  let dstRoot = normalizePath(dstPath);
  try {
    const top = await src.stat(srcRoot);
    if (top.type === "file") {
      // A single file: plan it with paths relative to the endpoint roots.
      const target = await statOrUndefined(dst, dstRoot);
      if (target?.type === "dir") throw new IsADirectoryError(dstRoot);
      const decision = ifNewer(top, target, options.toleranceMs);
      actions = decision.transfer
        ? [transfer(dstRoot, top, decision.reason, srcRoot)]
        : [{ op: "skip", path: dstRoot, reason: decision.reason, size: top.size }];
      if (decision.transfer && dirname(dstRoot) !== "" && !options.dryRun) {
        await dst.mkdir(dirname(dstRoot), { parents: true });
      }
      srcRoot = "";
      dstRoot = "";
    } else {
      if (hasGlobs(options)) await loadGlobs();
      const walkOptions = {
        filter: makeFilter(options),
        symlinks: options.symlinks ?? "follow",
        concurrency: options.listParallel,
        retry: options.retry,
        signal: options.signal,
      };
      // Far servers open all their sessions now, while the first listings run.
      src.warm?.().catch(() => {});
      dst.warm?.().catch(() => {});
      const [ts, td] = await Promise.all([
        listTree(src, srcRoot, walkOptions),
        listTree(dst, dstRoot, { ...walkOptions, missingOk: true }),
      ]);
      addWalkProblems(report, ts, "source");
      addWalkProblems(report, td, "target");
      actions = planIfNewer(ts, td, options.toleranceMs);
      if (!options.dryRun && td.entries.size === 0 && dstRoot !== "") {
        await dst.mkdir(dstRoot, { parents: true });
      }
    }
  } catch (error) {
    report.errors.push(errorEntry(srcRoot, error));
    return finishReport(report);
  }
  report.plan = actions;
  if (options.dryRun) {
    countPlan(report, { actions, summary: summarize(actions) });
    return finishReport(report);
  }
  const execute = options.executor ?? executePlan;
  await execute(actions, { target: { src, srcRoot, dst, dstRoot } }, report, {
    parallel: options.parallel,
    segments: options.segments,
    retry: options.retry,
    signal: options.signal,
    onProgress: options.onProgress,
  });
  return finishReport(report);
}

/**
 * ftputil's name for copying local files up where they are newer: {@link copyIfNewer}.
 *
 * @example
 * ```ts
 * const report = await uploadIfNewer(local, "site", ftp, "htdocs");
 * ```
 */
export const uploadIfNewer: typeof copyIfNewer = copyIfNewer;
/**
 * ftputil's name for copying remote files down where they are newer: {@link copyIfNewer}.
 *
 * @example
 * ```ts
 * const report = await downloadIfNewer(ftp, "pub", local, "mirror");
 * ```
 */
export const downloadIfNewer: typeof copyIfNewer = copyIfNewer;

async function statOrUndefined(ep: Endpoint, path: string): Promise<Stat | undefined> {
  try {
    return await ep.stat(path);
  } catch (error) {
    if (error instanceof NotFoundError) return undefined;
    throw error;
  }
}
