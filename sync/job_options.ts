/**
 * The options every job that copies files between two trees takes (mirror,
 * two-way sync, upload/download-if-newer), written and documented once:
 * which files ({@link FilterRules}), how many at once, retries, progress,
 * stopping, and who carries the plan out. Each job's own options extend
 * {@link CopyJobOptions}. Types only.
 * @module
 */
import type { PlanExecutor } from "./execute.ts";
import type { FilterRules } from "./filter.ts";
import type { ProgressListener } from "./progress.ts";
import type { RetryOptions } from "./retry.ts";
import type { SegmentOptions } from "./segments.ts";

/** What {@link mirror}, {@link sync} and {@link copyIfNewer} all take. */
export interface CopyJobOptions extends FilterRules {
  /** Transfers in flight (default 4, capped by the endpoints' `maxConnections`). */
  parallel?: number;
  /** Segmented downloads of large files (default 8 segments from 64 MiB; `{ segments: 1 }`: off). */
  segments?: SegmentOptions;
  /** Directory listings in flight per endpoint (default 4). */
  listParallel?: number;
  /** Retries of temporary failures (421, dropped connections, short data). */
  retry?: RetryOptions;
  /** Plan only: the report carries the plan, nothing is touched. */
  dryRun?: boolean;
  /** Hears totals as the plan and the transfers progress (must not throw). */
  onProgress?: ProgressListener;
  /** Stops the job: transfers in flight are aborted (a mirror keeps their partial files to resume). */
  signal?: AbortSignal;
  /**
   * Carries out the plan (default {@link executePlan}, in this process; a
   * queue of workers with `--queue`).
   */
  executor?: PlanExecutor;
}
