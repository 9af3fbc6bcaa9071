/**
 * Two-way sync between a and b with a state store: what changed on either side
 * since the last run (new, modified, deleted) is carried to the other side;
 * what changed on both is a conflict, settled by a policy (default: keep both
 * versions, the older under a conflict name). The first run (no state) is a
 * union: nothing is deleted or overwritten. Deletions are guarded per side. Absence in an incomplete listing is
 * never read as a deletion.
 *
 * Planning is pure (`planSync` in sync/two_way_plan.ts); {@link sync} walks,
 * plans, executes and saves the new state in one transaction (a failed action
 * keeps its path's old state, so the next run tries again).
 * @module
 */
import { type Endpoint, Precision } from "../endpoint/types.ts";
import { executePlan } from "./execute.ts";
import { makeFilter } from "./filter.ts";
import type { CopyJobOptions } from "./job_options.ts";
import { hasGlobs, loadGlobs } from "./glob_engine.ts";
import { addWalkProblems, countPlan } from "./job_report.ts";
import { describeConflict, finishReport, type JobReport, newReport } from "./report.ts";
import { logger } from "../util/log.ts";
import { defaultStatePath, type PairEntry, snapshotOf, StateStore, treeKey } from "./state.ts";
import { canSymlink } from "./plan.ts";
import { planSync, type SyncPlanOptions } from "./two_way_plan.ts";
import { assertSeparateTrees } from "./overlap.ts";
import { comparePaths, listTree, type SymlinkPolicy } from "./walk.ts";

const log = logger("sync", "two-way");

/** Options of {@link sync}. */
export interface SyncOptions extends CopyJobOptions, SyncPlanOptions {
  /** What to do with symbolic links. */
  symlinks?: SymlinkPolicy;
  /** An open state store (shared by the run); default: {@link statePath} opened and closed here. */
  state?: StateStore;
  /** State file when no store is given (default `.ferry/state.db`). */
  statePath?: string;
}

/**
 * Syncs `aRoot` on `a` with `bRoot` on `b` both ways and reports what happened.
 * The state is keyed by both endpoints' URLs and roots.
 *
 * @example
 * ```ts
 * const report = await sync(laptop, "docs", server, "backup/docs", { conflict: "keep-both" });
 * ```
 */
export async function sync(
  a: Endpoint,
  aRoot: string,
  b: Endpoint,
  bRoot: string,
  options: SyncOptions = {},
): Promise<JobReport> {
  assertSeparateTrees("sync", a, aRoot, b, bRoot);
  const report = newReport("sync", { dryRun: options.dryRun });
  // A far endpoint opens all its sessions first (not one by one as needed), while
  // the state store opens and the walk starts.
  a.warm?.().catch(() => {});
  b.warm?.().catch(() => {});
  const store = options.state ?? StateStore.open(options.statePath ?? defaultStatePath);
  const keys = [treeKey(a, aRoot), treeKey(b, bRoot)] as const;
  let lock: { release(): void } | undefined;
  try {
    // One run per pair and state file: a second would plan from the same state and write the
    // same partials. A dry run changes nothing and takes no lock.
    if (!options.dryRun) lock = store.lock("sync", ...keys);
    if (hasGlobs(options)) await loadGlobs();
    const filter = makeFilter(options);
    const walkOptions = {
      filter,
      symlinks: options.symlinks,
      concurrency: options.listParallel,
      retry: options.retry,
      signal: options.signal,
      missingOk: true,
    };
    const [ta, tb] = await Promise.all([
      listTree(a, aRoot, walkOptions),
      listTree(b, bRoot, walkOptions),
    ]);
    log.debug("walked: {a} entries on a, {b} on b", { a: ta.entries.size, b: tb.entries.size });
    addWalkProblems(report, ta, "a");
    addWalkProblems(report, tb, "b");
    const state = store.load("sync", ...keys);
    if (state.firstRun && ta.entries.size > 0 && tb.entries.size > 0) {
      // A union: right the first time, wrong when an earlier run's state is elsewhere (the CLI's
      // default is the working directory's .ferry/): a deletion since then is undone.
      const where = store.path === ":memory:" ? "" : ` in ${store.path}`;
      const line = `first sync of this pair (no state for it${where}): a union, nothing is ` +
        "deleted. If these trees were synced before with another state directory, files " +
        "deleted on one side since then come back: give that directory (--state-dir, or the " +
        "workflow's state:)";
      report.warnings.push(line);
      log.warn("{line}", { line });
    }
    const plan = planSync(ta, tb, state, {
      ...options,
      canSymlink: { a: canSymlink(a), b: canSymlink(b) },
    });
    log.debug("planned {n} actions", { n: plan.actions.length });
    if (plan.deletesBlocked) report.deletesBlocked = plan.deletesBlocked;
    if (plan.conflicts.length > 0) report.conflicts = plan.conflicts;
    for (const c of plan.conflicts) {
      const line = describeConflict(c);
      report.warnings.push(line);
      log.warn("{line}", { line, path: c.path, a: c.a, b: c.b, resolution: c.resolution });
    }
    // A dry run says the same hold, and fails as the real run would (rclone --dry-run does).
    if (plan.deletesBlocked) {
      // A side that lists nothing is most often not there (a disk not mounted, a wrong path):
      // that question comes before the option that would empty the other side.
      const emptySide = plan.deletesBlocked.includes(" lists nothing but had ");
      report.errors.push({
        path: "",
        message: `deletions held back: ${plan.deletesBlocked}; ` +
          (emptySide
            ? "is that side's root right and reachable (a disk not mounted, a wrong path or " +
              "server)? If it was emptied on purpose, --force (force: true) carries the deletions"
            : "--force (force: true) lets them through, or raise --max-delete (maxDelete)"),
        code: "EDELETEBLOCKED",
      });
    }
    if (options.dryRun) {
      report.plan = plan.actions;
      countPlan(report, plan);
      return finishReport(report);
    }
    for (const [ep, root, tree] of [[a, aRoot, ta], [b, bRoot, tb]] as const) {
      if (tree.entries.size === 0 && plan.actions.some((x) => x.op !== "skip")) {
        await ep.mkdir(root, { parents: true }).catch(() => {});
      }
    }
    const outcomes = await (options.executor ?? executePlan)(
      plan.actions,
      {
        a: { src: b, srcRoot: bRoot, dst: a, dstRoot: aRoot },
        b: { src: a, srcRoot: aRoot, dst: b, dstRoot: bRoot },
      },
      report,
      {
        parallel: options.parallel,
        segments: options.segments,
        retry: options.retry,
        signal: options.signal,
        onProgress: options.onProgress,
        statUnsetMtime: true,
      },
    );
    log.debug("executed {n} actions", { n: outcomes.length });
    const next = new Map(plan.next);
    for (const o of outcomes) {
      const paths = plan.affects.get(o.action) ?? [];
      if (!o.ok) {
        for (const p of paths) {
          const was = state.entries.get(p);
          if (was) next.set(p, was);
          else next.delete(p);
        }
      } else if (o.dstStat && o.action.side) {
        const entry = next.get(o.action.path);
        if (entry) entry[o.action.side] = snapshotOf(o.dstStat);
      } else if (o.transfer?.exactMtime && o.action.side) {
        // The copy carries the source's exact time, not the minute it listed: remembered as
        // such, else the copy would read as changed next run.
        const entry = next.get(o.action.path);
        const was = entry?.[o.action.side];
        if (was) {
          // MDTM's second: the copy's true time lies within it.
          entry[o.action.side] = {
            ...was,
            mtime: Date.parse(o.transfer.exactMtime),
            precision: Precision.seconds,
          };
        }
      }
    }
    // An interrupted run saves nothing: the old state still describes what to carry.
    if (!options.signal?.aborted) store.save("sync", ...keys, sortedEntries(next));
    log.debug("state saved");
    return finishReport(report);
  } finally {
    lock?.release();
    if (!options.state) store.close();
  }
}

function sortedEntries(m: Map<string, PairEntry>): Map<string, PairEntry> {
  return new Map([...m].sort(([x], [y]) => comparePaths(x, y)));
}
