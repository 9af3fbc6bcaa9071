/**
 * The record every CLI run ends with in machine-readable logs
 * (`--log-format json`, `--log-file`): `{"type":"run-end", ...}` with the
 * names the `--json` report uses (workflow, status, startedAt, finishedAt,
 * durationMs, totals, jobs[].job/kind/status/counts/errors), plus the exit
 * code and the problems, so a cron user can grep last night's outcome.
 * @module
 */
import type { JobCounts, WorkflowReport } from "../workflow/report.ts";
import { Exit } from "./exit.ts";

/** The `run-end` record. */
export interface RunEndRecord {
  type: "run-end";
  /** The workflow's name (a one-off command's is its command), or null when no run started. */
  workflow: string | null;
  status: "ok" | "failed" | "interrupted";
  exitCode: number;
  startedAt?: string;
  finishedAt: string;
  durationMs: number;
  dryRun?: boolean;
  totals?: JobCounts;
  jobs: {
    job: string;
    kind: string;
    status: string;
    durationMs: number;
    counts: JobCounts;
    errors: string[];
  }[];
  /** Every job error as `job: message`, and errors that ended the command. */
  problems: string[];
}

/**
 * Builds the record from the run's report (if one was made), the exit code and
 * the errors the command itself ended with.
 *
 * @example
 * ```ts
 * runEndRecord(report, 0, []).status; // "ok"
 * runEndRecord(undefined, 2, ["ferry: unknown job x"]).status; // "failed"
 * ```
 */
export function runEndRecord(
  report: WorkflowReport | undefined,
  exitCode: number,
  errors: string[],
  now: Date = new Date(),
  started?: Date,
): RunEndRecord {
  const status = exitCode === 0
    ? "ok"
    : exitCode === Exit.interrupted || exitCode === 143
    ? "interrupted"
    : "failed";
  const jobs = (report?.jobs ?? []).map((j) => ({
    job: j.job,
    kind: j.kind,
    status: j.status,
    durationMs: j.durationMs,
    counts: j.counts,
    errors: j.errors,
  }));
  const startedAt = report?.startedAt ?? started?.toISOString();
  return {
    type: "run-end",
    workflow: report?.workflow ?? null,
    status,
    exitCode,
    ...(startedAt ? { startedAt } : {}),
    finishedAt: report?.finishedAt ?? now.toISOString(),
    durationMs: report?.durationMs ??
      (started ? Math.max(0, now.getTime() - started.getTime()) : 0),
    ...(report ? { dryRun: report.dryRun, totals: report.totals } : {}),
    jobs,
    problems: [...jobs.flatMap((j) => j.errors.map((e) => `${j.job}: ${e}`)), ...errors],
  };
}
