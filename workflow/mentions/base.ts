/**
 * The types that the names of every entry point (`.`, `./plugin-base` and so
 * `./plugin`, `./workflow`, `./uftp`) mention: a job's report, what carrying
 * out a plan takes, the logger. Each re-exports one of this folder's lists
 * (`export type *`): this one or `plugins.ts`, which adds to it, and
 * `endpoint/mentions.ts`; so deno doc links the names and each is written once. Not an API of its
 * own; types only, it loads nothing.
 * @module
 */
export type { Logger, LogProperties } from "../../util/log.ts";
export type { SchemeOption, SchemeOptions } from "../../endpoint/scheme_options.ts";
export type {
  ActionOutcome,
  ExecuteOptions,
  Lane,
  Lanes,
  PlanExecutor,
} from "../../sync/execute.ts";
export type { Action, Side } from "../../sync/plan.ts";
export type {
  ProgressAction,
  ProgressEvent,
  ProgressListener,
  ProgressTotals,
} from "../../sync/progress.ts";
export type {
  ByteCounts,
  ConflictRecord,
  ConflictVersion,
  FileCounts,
  JobReport,
  ReportError,
} from "../../sync/report.ts";
export type { RetryOptions } from "../../sync/retry.ts";
export type { SegmentOptions } from "../../sync/segments.ts";
export type { PairEntry, PairState, Snapshot, StateStore } from "../../sync/state.ts";
export type { TransferResult } from "../../sync/transfer.ts";
export type { VerifyMode } from "../../sync/verify.ts";
export type {
  JobCounts,
  JobOutcome,
  JobResult,
  JobStatus,
  RunEvent,
  WorkflowReport,
} from "../report.ts";
export type { Secrets } from "../secrets.ts";
