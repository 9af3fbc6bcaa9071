/**
 * The report every job returns: plain JSON-serialisable data (no Dates, no
 * Errors, no Maps) so the CLI can print it, write it with `--json`, and a
 * program can store it as is.
 * @module
 */
import type { Action } from "./plan.ts";
import { errorMessage } from "../util/errors.ts";

/** One problem a job met, tied to the path it concerns. */
export interface ReportError {
  /** Endpoint-relative path ("" for the job as a whole). */
  path: string;
  /** What went wrong, for a person. */
  message: string;
  /** The error's stable code (`ENOENT`, `EMAXDELETE`, ...) when it has one. */
  code?: string;
  /** Set when the job was told to carry on past it (`ignoreErrors`). */
  ignored?: boolean;
}

/** One version of a path in a two-way sync conflict. */
export interface ConflictVersion {
  /** What this side has at the path. */
  type: "file" | "dir" | "symlink" | "other";
  /** Size in bytes on this side. */
  size: number;
  /** ISO 8601, when the side tells. */
  mtime?: string;
}

/** A path changed on both sides of a sync (or a file against a directory), and what was done. */
export interface ConflictRecord {
  /** The path in conflict, relative to the synced roots. */
  path: string;
  /** `kept both: b's version is notes.sync-conflict-...-b.txt`, `a wins`, `skipped`. */
  resolution: string;
  /** The name the moved-aside version now has on both sides (keep-both). */
  keptAs?: string;
  /** Side a's version. */
  a: ConflictVersion;
  /** Side b's version. */
  b: ConflictVersion;
}

/**
 * One line for a conflict, with both versions' sizes and times.
 *
 * @example
 * ```ts
 * describeConflict(plan.conflicts[0]);
 * // "conflict notes.txt: a 12 bytes 2026-12-04T10:00:00.000Z, b 9 bytes 2026-12-04T09:00:00.000Z; kept both: b's version is notes.sync-conflict-20261204-101500-b.txt"
 * ```
 */
export function describeConflict(c: ConflictRecord): string {
  const v = (side: "a" | "b") => {
    const x = c[side];
    const what = x.type === "file" ? `${x.size} bytes` : x.type;
    return `${side} ${what}${x.mtime ? ` ${x.mtime}` : ""}`;
  };
  return `conflict ${c.path}: ${v("a")}, ${v("b")}; ${c.resolution}`;
}

/** File counters of a report. */
export interface FileCounts {
  /** Files (and symlinks) copied. */
  transferred: number;
  /** Files left alone (already in step, filtered by a rule, conflicts skipped...). */
  skipped: number;
  /** Files and symlinks removed (or moved to the backup directory). */
  deleted: number;
  /** Files whose action failed after all retries. */
  failed: number;
}

/** Byte counters of a report. */
export interface ByteCounts {
  /** Bytes actually sent (a resumed file counts only what was sent this time). */
  transferred: number;
  /** Bytes of files that needed no transfer. */
  skipped: number;
  /** Bytes of the files removed. */
  deleted: number;
}

/** The outcome of one job run. */
export interface JobReport {
  /** What ran: `mirror`, `sync`, `rmtree`, `copy-if-newer`, ... */
  job: string;
  /** `true` when this was a dry run: `plan` says what would have happened. */
  dryRun: boolean;
  /** Whether the job did everything it set out to do (ignored errors don't count). */
  ok: boolean;
  /** ISO 8601 start and end. */
  startedAt: string;
  /** ISO 8601 end. */
  finishedAt: string;
  /** Wall-clock run time in milliseconds. */
  durationMs: number;
  /** Files transferred, skipped, deleted, failed. */
  files: FileCounts;
  /** Bytes transferred, skipped, deleted. */
  bytes: ByteCounts;
  /** Directories created. */
  dirsCreated: number;
  /** Directories removed. */
  dirsDeleted: number;
  /** Transfers that continued a partial file instead of starting over. */
  resumed: number;
  /** Retries of temporary failures (dropped connections, 4xx replies...). */
  retries: number;
  /** Every problem met, ignored ones marked. */
  errors: ReportError[];
  /** Things the user should know that are not failures (broken links, loops...). */
  warnings: string[];
  /** Why deletions were not carried out, when they were held back. */
  deletesBlocked?: string;
  /** Two-way sync: every conflict met, with both versions. */
  conflicts?: ConflictRecord[];
  /** The plan (always for dry runs). */
  plan?: Action[];
}

/**
 * A fresh, empty report for a job.
 *
 * @example
 * ```ts
 * const r = newReport("mirror", { dryRun: true });
 * r.files.transferred++;
 * finishReport(r); // sets finishedAt, durationMs and ok
 * ```
 */
export function newReport(job: string, options: { dryRun?: boolean; now?: Date } = {}): JobReport {
  const start = options.now ?? new Date();
  return {
    job,
    dryRun: options.dryRun ?? false,
    ok: true,
    startedAt: start.toISOString(),
    finishedAt: start.toISOString(),
    durationMs: 0,
    files: { transferred: 0, skipped: 0, deleted: 0, failed: 0 },
    bytes: { transferred: 0, skipped: 0, deleted: 0 },
    dirsCreated: 0,
    dirsDeleted: 0,
    resumed: 0,
    retries: 0,
    errors: [],
    warnings: [],
  };
}

/**
 * Stamps the end time and computes `ok` (no errors other than ignored ones).
 *
 * @example
 * ```ts
 * const r = finishReport(newReport("rmtree"));
 * r.ok; // true
 * ```
 */
export function finishReport(report: JobReport, now: Date = new Date()): JobReport {
  report.finishedAt = now.toISOString();
  report.durationMs = Math.max(0, now.getTime() - Date.parse(report.startedAt));
  // Every failure leaves an error entry, so the errors alone decide.
  report.ok = report.errors.every((e) => e.ignored === true);
  return report;
}

/**
 * Turns anything thrown into a report line, keeping its `code` when it has one.
 *
 * @example
 * ```ts
 * errorEntry("a.txt", new NotFoundError("a.txt")); // { path: "a.txt", message: "...", code: "ENOENT" }
 * ```
 */
export function errorEntry(path: string, error: unknown, ignored = false): ReportError {
  const entry: ReportError = { path, message: errorMessage(error) };
  const code = (error as { code?: unknown } | null)?.code;
  if (typeof code === "string") entry.code = code;
  if (ignored) entry.ignored = true;
  return entry;
}
