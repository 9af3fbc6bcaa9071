/**
 * What every job (mirror, sync, rmtree, copy-if-newer, walk) does with its
 * report: count a plan into it, copy a walk's problems into it. Beside the
 * jobs, not inside one of them, so no job imports another.
 * @module
 */
import type { Plan } from "./plan.ts";
import type { JobReport } from "./report.ts";
import type { WalkProblem } from "./walk.ts";
import { logger } from "../util/log.ts";

const log = logger("sync", "mirror");

/**
 * Puts a plan's would-be counts into a dry-run report.
 *
 * @example
 * ```ts
 * const report = newReport("mirror", { dryRun: true });
 * countPlan(report, plan); // report.files.transferred === plan.summary.transfers
 * ```
 */
export function countPlan(report: JobReport, plan: Plan): void {
  for (const a of plan.actions) {
    if (a.op === "transfer") (report.files.transferred++, report.bytes.transferred += a.size);
    else if (a.op === "symlink") report.files.transferred++;
    else if (a.op === "mkdir") report.dirsCreated++;
    else if (a.op === "skip") (report.files.skipped++, report.bytes.skipped += a.size ?? 0);
    else if (a.op === "delete" && a.type === "dir") report.dirsDeleted++;
    else if (a.op === "delete") (report.files.deleted++, report.bytes.deleted += a.size);
  }
}

/**
 * Copies a walk's errors (they make the job fail) and warnings into a report.
 *
 * @example
 * ```ts
 * addWalkProblems(report, tree, "source");
 * ```
 */
export function addWalkProblems(
  report: JobReport,
  tree: { errors: WalkProblem[]; warnings: WalkProblem[] },
  side: string,
): void {
  for (const e of tree.errors) {
    report.errors.push({
      path: e.path,
      message: `${side} listing: ${e.message}`,
      ...(e.code ? { code: e.code } : {}),
    });
  }
  for (const w of tree.warnings) {
    const line = `${side} ${w.path || "/"}: ${w.message}`;
    report.warnings.push(line);
    // Said where the user looks (the summary table does not list warnings): a link left out or
    // a link loop is a part of the tree the job did not carry.
    log.warn("{line}", { line });
  }
}

/**
 * A mirror without `delete` leaves a target entry of another type than the
 * source's (a file where the source has a directory, or the other way) as it
 * is: said as a warning naming the path and kept as an error of the job
 * (`ETYPECONFLICT`), as rclone counts it: the target does not mirror the
 * source there, and a run from cron should say so.
 *
 * @example
 * ```ts
 * addTypeConflicts(report, plan); // "x: the source has a dir, the target a file: ..."
 * ```
 */
export function addTypeConflicts(report: JobReport, plan: Plan): void {
  for (const c of plan.typeConflicts ?? []) {
    const message =
      `the source has a ${kind(c.source)}, the target a ${kind(c.target)}: the target's ` +
      `is kept as it is (delete is off; --delete replaces it)`;
    log.warn("{path}: {message}", { path: c.path, message });
    report.errors.push({ path: c.path, message, code: "ETYPECONFLICT" });
  }
}

function kind(type: string): string {
  return type === "dir" ? "directory" : type === "symlink" ? "symbolic link" : type;
}
