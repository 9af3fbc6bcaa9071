/**
 * Recursive delete on any endpoint, like `shutil.rmtree`: refuses the endpoint
 * root unless forced (then it empties the root), and either stops short of
 * deleting anything when the tree cannot be fully listed, or with
 * `ignoreErrors` deletes what it can and reports the rest as ignored.
 * Symlinks are removed, never followed.
 * @module
 */
import type { Endpoint } from "../endpoint/types.ts";
import { NotFoundError } from "../endpoint/errors.ts";
import { joinPath, normalizePath } from "../endpoint/path.ts";
import { FerryError } from "../util/errors.ts";
import { executePlan, type PlanExecutor } from "./execute.ts";
import { addWalkProblems, countPlan } from "./job_report.ts";
import { type Action, summarize } from "./plan.ts";
import type { ProgressListener } from "./progress.ts";
import { errorEntry, finishReport, type JobReport, newReport } from "./report.ts";
import type { RetryOptions } from "./retry.ts";
import { comparePaths, listTree, type Tree } from "./walk.ts";
import { whereOn } from "./where.ts";
import { logger } from "../util/log.ts";
import { errorMessage } from "../util/errors.ts";

const log = logger("sync", "rmtree");

/** Options of {@link rmtree}. */
export interface RmtreeOptions {
  /** Carry on past errors (they are reported as ignored). */
  ignoreErrors?: boolean;
  /** Allow emptying the endpoint root. */
  force?: boolean;
  /** List what would be deleted; delete nothing. */
  dryRun?: boolean;
  /** Deletions in flight (default 4). */
  parallel?: number;
  /** Directory listings in flight (default 4). */
  listParallel?: number;
  /** Retries of temporary failures. */
  retry?: RetryOptions;
  /** Called with totals as deletions progress. */
  onProgress?: ProgressListener;
  /** Stops the job; what is deleted stays deleted. */
  signal?: AbortSignal;
  /**
   * Carries out the deletions (default executePlan; a queue of workers with
   * `--queue`), only ever after a complete listing.
   */
  executor?: PlanExecutor;
}

/** rmtree was pointed at the endpoint root without `force`. */
export class RefuseRootError extends FerryError {
  /** Makes the error for the endpoint at `url`. */
  constructor(url: string) {
    super(`refusing to remove the root of ${url} (use force to empty it)`, { code: "EROOT" });
  }
}

/**
 * The deletions that remove everything in `tree` (files and ferry's partials
 * first, then directories deepest first), and `tree.root` itself unless it is
 * the endpoint root. Paths are relative to the endpoint root.
 *
 * @example
 * ```ts
 * planRmtree(await listTree(ep, "old", { symlinks: "copy-as-link" }));
 * ```
 */
export function planRmtree(tree: Tree): Action[] {
  const files: Action[] = [];
  const dirs: Action[] = [];
  const at = (p: string) => joinPath(tree.root, p);
  for (const [p, st] of [...tree.entries, ...tree.partials]) {
    if (st.type === "dir") {
      dirs.push({ op: "delete", path: at(p), type: "dir", size: 0, reason: "rmtree" });
    } else {
      const type = st.type === "symlink" ? "symlink" : "file";
      files.push({ op: "delete", path: at(p), type, size: st.size, reason: "rmtree" });
    }
  }
  if (tree.root !== "") {
    dirs.push({ op: "delete", path: tree.root, type: "dir", size: 0, reason: "rmtree" });
  }
  dirs.sort((x, y) => comparePaths(y.path, x.path));
  return [...files, ...dirs];
}

/**
 * An endpoint that can remove a whole directory tree in bulk (S3's
 * DeleteObjects, 1,000 keys a request); rmtree uses it, duck-typed, after
 * the listing it plans and counts from.
 */
export interface BulkRemover {
  /** Removes `path` and everything below it; returns how many entries went. */
  removeTree(path: string, signal?: AbortSignal): Promise<number>;
}

/**
 * Removes `path` (a file, a link, or a directory tree) from `ep`. Throws
 * {@link RefuseRootError} for the root without `force`; everything else ends
 * up in the report.
 *
 * @example
 * ```ts
 * const report = await rmtree(ep, "tmp/build", { ignoreErrors: true });
 * ```
 */
export async function rmtree(
  ep: Endpoint,
  path: string,
  options: RmtreeOptions = {},
): Promise<JobReport> {
  const root = normalizePath(path);
  if (root === "" && !options.force) throw new RefuseRootError(ep.url);
  const report = newReport("rmtree", { dryRun: options.dryRun });
  const ignore = options.ignoreErrors === true;
  let actions: Action[];
  try {
    const st = root === "" ? undefined : await ep.lstat(root);
    if (st && st.type !== "dir") {
      const type = st.type === "symlink" ? "symlink" : "file";
      actions = [{ op: "delete", path: root, type, size: st.size, reason: "rmtree" }];
    } else {
      const tree = await listTree(ep, root, {
        symlinks: "copy-as-link",
        linkTargets: false, // removed, not copied: their targets are not needed
        concurrency: options.listParallel,
        retry: options.retry,
        signal: options.signal,
      });
      addWalkProblems(report, tree, "");
      if (!tree.complete && !ignore) {
        report.deletesBlocked =
          "listing incomplete: nothing deleted (ignoreErrors deletes what it can)";
        return finishReport(markIgnored(report, ignore));
      }
      actions = planRmtree(tree);
    }
  } catch (error) {
    if (error instanceof NotFoundError && ignore) {
      report.warnings.push(`${root}: already gone`);
      return finishReport(report);
    }
    cannotRemove(report, ep, root, error, ignore);
    return finishReport(markIgnored(report, ignore));
  }
  if (options.dryRun) {
    report.plan = actions;
    countPlan(report, { actions, summary: summarize(actions) });
    return finishReport(report);
  }
  const bulk = (ep as Partial<BulkRemover>).removeTree;
  if (typeof bulk === "function" && actions.some((a) => a.op === "delete" && a.type === "dir")) {
    // An object store deletes a thousand keys a request: one call, counted as the plan says.
    try {
      await bulk.call(ep, root, options.signal);
      for (const a of actions) {
        if (a.op !== "delete") continue;
        if (a.type === "dir") report.dirsDeleted++;
        else (report.files.deleted++, report.bytes.deleted += a.size);
      }
    } catch (error) {
      cannotRemove(report, ep, root, error, ignore);
    }
  } else {
    const execute = options.executor ?? executePlan;
    await execute(actions, { target: { src: ep, srcRoot: "", dst: ep, dstRoot: "" } }, report, {
      parallel: options.parallel,
      retry: options.retry,
      signal: options.signal,
      onProgress: options.onProgress,
    });
  }
  if (root !== "" && await exists(ep, root)) {
    const where = whereOn(ep.url, root);
    log.warn("{where}: not completely removed", { where });
    report.errors.push({
      path: root,
      message: `not completely removed (${where})`,
      code: "ENOTEMPTY",
    });
  }
  return finishReport(markIgnored(report, ignore));
}

/**
 * What kept `root` from being removed: one line on the log (stderr) naming it
 * where it is, as `rm -r` says "cannot remove 'x': No such file or directory",
 * and the report's error, which names it too.
 */
function cannotRemove(
  report: JobReport,
  ep: Endpoint,
  root: string,
  error: unknown,
  ignore: boolean,
): void {
  const where = whereOn(ep.url, root);
  const said = { where, error: errorMessage(error) };
  // The reason the job fails: an error (shown under -q too); a warning when ignored.
  if (ignore) log.warn("cannot remove {where}: {error} (ignored)", said);
  else log.error("cannot remove {where}: {error}", said);
  const entry = errorEntry(root, error);
  report.errors.push({ ...entry, message: `${entry.message} (${where})` });
}

function markIgnored(report: JobReport, ignore: boolean): JobReport {
  if (ignore) {
    for (const e of report.errors) e.ignored = true;
  }
  return report;
}

async function exists(ep: Endpoint, path: string): Promise<boolean> {
  try {
    await ep.lstat(path);
    return true;
  } catch (error) {
    if (error instanceof NotFoundError) return false;
    throw error;
  }
}
