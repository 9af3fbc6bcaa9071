/**
 * The human summary of a run report (what `ferry run` prints at the end),
 * including the plan of dry runs. Pure: report in, lines out.
 * @module
 */
import { type Action, describeAction } from "../sync/plan.ts";
import { type ConflictRecord, describeConflict } from "../sync/report.ts";
import type { JobResult, WorkflowReport } from "../workflow/report.ts";
import { formatBytes, formatDuration, table } from "./format.ts";

/** What to include. */
export interface SummaryOptions {
  /** Also list every skipped entry of a plan (they can be many). */
  verbose?: boolean;
}

/**
 * Lines that summarize a report.
 *
 * @example
 * ```ts
 * for (const line of summarize(report)) console.log(line);
 * ```
 */
export function summarize(report: WorkflowReport, options: SummaryOptions = {}): string[] {
  const lines: string[] = [];
  const dry = report.dryRun ? " (dry run: nothing was changed)" : "";
  lines.push(
    `workflow ${report.workflow}: ${report.status} in ${formatDuration(report.durationMs)}${dry}`,
  );
  const rows = [[
    "job",
    "kind",
    "status",
    "files",
    "bytes",
    "skipped",
    "deleted",
    "failed",
    "time",
  ]];
  for (const j of report.jobs) {
    rows.push([
      j.job,
      j.kind,
      j.status,
      String(j.counts.filesTransferred),
      formatBytes(j.counts.bytesTransferred),
      String(j.counts.filesSkipped),
      String(j.counts.filesDeleted),
      String(j.counts.filesFailed),
      formatDuration(j.durationMs),
    ]);
  }
  lines.push(...table(rows).map((l) => "  " + l.trimEnd()));
  for (const j of report.jobs) lines.push(...jobDetails(j, { ...options, dryRun: report.dryRun }));
  return lines;
}

function jobDetails(j: JobResult, options: SummaryOptions & { dryRun: boolean }): string[] {
  const out: string[] = [];
  if (j.status === "skipped" || (j.reason && j.errors.length === 0)) {
    out.push(`  ${j.job}: ${j.status}${j.reason ? `: ${j.reason}` : ""}`);
  }
  if (j.errors.length > 0) {
    out.push(`  ${j.job}: ${j.errors.length} error(s)`);
    for (const e of j.errors.slice(0, 20)) out.push(`    ${e}`);
    if (j.errors.length > 20) out.push(`    ... and ${j.errors.length - 20} more (see --json)`);
  }
  // Plans are the point of a dry run; after a real run they are detail for -v.
  if (Array.isArray(j.plan) && (options.dryRun || options.verbose)) {
    const actions = j.plan as Action[];
    const shown = options.verbose ? actions : actions.filter((a) => a.op !== "skip");
    out.push(
      `  ${j.job}: plan: ${actions.length - (actions.length - shown.length)} action(s)${
        shown.length < actions.length
          ? `, ${actions.length - shown.length} skip(s) hidden (-v shows them)`
          : ""
      }`,
    );
    for (const a of shown) out.push(`    ${describeAction(a)}`);
  }
  const walked = j.details as
    | { totals?: { files: number; dirs: number; bytes: number }; output?: string }
    | undefined;
  if (j.kind === "walk" && walked?.totals) {
    const t = walked.totals;
    out.push(
      `  ${j.job}: ${t.files} file(s), ${t.dirs} dir(s), ${formatBytes(t.bytes)}${
        walked.output ? ` -> ${walked.output}` : ""
      }`,
    );
  }
  const blocked = (j.details as { deletesBlocked?: string } | undefined)?.deletesBlocked;
  if (blocked) out.push(`  ${j.job}: deletions held back: ${blocked}`);
  const conflicts = (j.details as { conflicts?: ConflictRecord[] } | undefined)?.conflicts ?? [];
  if (conflicts.length > 0) out.push(`  ${j.job}: ${conflicts.length} conflict(s)`);
  for (const c of conflicts) out.push(`    ${describeConflict(c).replace(/^conflict /, "")}`);
  return out;
}
