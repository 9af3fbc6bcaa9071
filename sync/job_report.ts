/**
 * What every job (mirror, sync, rmtree, copy-if-newer, walk) does with its
 * report: count a plan into it, copy a walk's problems into it. Beside the
 * jobs, not inside one of them, so no job imports another.
 * @module
 */
import type { Plan } from "./plan.ts";
import type { JobReport } from "./report.ts";
import type { WalkProblem } from "./walk.ts";

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
  for (const w of tree.warnings) report.warnings.push(`${side} ${w.path || "/"}: ${w.message}`);
}
