/**
 * What a run tells the world: events while it runs (progress displays,
 * `--log-format json`) and the report at the end (`--json`).
 * @module
 */
import type { ProgressEvent, ProgressTotals } from "../sync/progress.ts";

/** Counters every job kind reports (zero when they do not apply). */
export interface JobCounts {
  /** Files copied. */
  filesTransferred: number;
  /** Bytes copied. */
  bytesTransferred: number;
  /** Files already up to date. */
  filesSkipped: number;
  /** Files removed. */
  filesDeleted: number;
  /** Directories created. */
  dirsCreated: number;
  /** Directories removed. */
  dirsDeleted: number;
  /** Files that could not be copied or removed. */
  filesFailed: number;
}

/** What a job kind returns. */
export interface JobOutcome {
  /** Counts to start from (missing ones are 0). */
  counts?: Partial<JobCounts>;
  /** Per-file or per-path errors that did not stop the job (they make it fail). */
  errors?: string[];
  /** The kind's own report (sync's JSON report, a walk summary, ...). */
  details?: unknown;
  /** In dry-run: what would have been done. */
  plan?: unknown;
}

/** Final state of a job. */
export type JobStatus = "ok" | "failed" | "skipped" | "interrupted";

/** One job in the run report. */
export interface JobResult {
  /** The job's name. */
  job: string;
  /** Its kind. */
  kind: string;
  /** How it ended. */
  status: JobStatus;
  /** Why it was skipped or failed, or why a dry run planned nothing for it. */
  reason?: string;
  /** ISO 8601 start (absent when it never started). */
  startedAt?: string;
  /** Run time in milliseconds. */
  durationMs: number;
  /** Tries made (1 without retries). */
  attempts: number;
  /** What it did. */
  counts: JobCounts;
  /** Error messages. */
  errors: string[];
  /** The kind's own report (a mirror's JobReport, ...). */
  details?: unknown;
  /** A dry run's plan. */
  plan?: unknown;
}

/** The report of one workflow run (`--json`). */
export interface WorkflowReport {
  /** The workflow's name. */
  workflow: string;
  /** The workflow file, when it came from one. */
  file?: string;
  /** Whether this was a dry run. */
  dryRun: boolean;
  /** How the run ended. */
  status: "ok" | "failed" | "interrupted";
  /** ISO 8601 start. */
  startedAt: string;
  /** ISO 8601 end. */
  finishedAt: string;
  /** Run time in milliseconds. */
  durationMs: number;
  /** All jobs' counts added up. */
  totals: JobCounts;
  /** Each job's result, in run order. */
  jobs: JobResult[];
}

/** Events a run emits while it goes. */
export type RunEvent =
  | { type: "run-start"; workflow: string; jobs: string[]; dryRun: boolean }
  | { type: "job-start"; job: string; kind: string; attempt: number; dryRun: boolean }
  | { type: "job-retry"; job: string; attempt: number; delayMs: number; error: string }
  | { type: "job-end"; job: string; result: JobResult }
  /** A job's progress, as sync/ reports it (with running totals for displays). */
  | { type: "progress"; job: string; event: ProgressEvent; totals: Readonly<ProgressTotals> }
  | { type: "run-end"; report: WorkflowReport };

/**
 * A zeroed counter set.
 *
 * @example
 * ```ts
 * emptyCounts().filesTransferred; // 0
 * ```
 */
export function emptyCounts(): JobCounts {
  return {
    filesTransferred: 0,
    bytesTransferred: 0,
    filesSkipped: 0,
    filesDeleted: 0,
    dirsCreated: 0,
    dirsDeleted: 0,
    filesFailed: 0,
  };
}

/**
 * Adds counters (missing ones count as zero).
 *
 * @example
 * ```ts
 * addCounts(emptyCounts(), { filesTransferred: 2 }).filesTransferred; // 2
 * ```
 */
export function addCounts(a: JobCounts, b: Partial<JobCounts> = {}): JobCounts {
  const out = { ...a };
  for (const k of Object.keys(out) as (keyof JobCounts)[]) out[k] += b[k] ?? 0;
  return out;
}

/**
 * Exit code for a report: 0 ok, 1 failed, 130 interrupted.
 *
 * @example
 * ```ts
 * exitCodeFor({ status: "failed" } as WorkflowReport); // 1
 * ```
 */
export function exitCodeFor(report: Pick<WorkflowReport, "status">): number {
  return report.status === "ok" ? 0 : report.status === "interrupted" ? 130 : 1;
}
