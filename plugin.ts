/**
 * What a ferry plugin needs, and nothing more: {@link definePlugin} and the shapes
 * it takes (endpoint schemes, auth methods, job kinds, commands, authorizers), the
 * endpoint contract with its errors and building blocks (paths, atomic writes,
 * streams, the local and memory endpoints), the logger and ferry's base error.
 *
 * A plugin, built-in or loaded by URL, imports this module (and other entry
 * points such as `./ftp` or `./host`), never the files behind it.
 *
 * @example Define a command
 * ```ts
 * import { definePlugin } from "./plugin.ts";
 *
 * export default definePlugin({
 *   name: "hello",
 *   commands: [{
 *     name: "hello",
 *     description: "say hi",
 *     run: () => {
 *       console.log("hi");
 *       return Promise.resolve(0);
 *     },
 *   }],
 * });
 * ```
 * @module
 */
export * from "./workflow/plugin.ts";
export { FerryError } from "./util/errors.ts";
export { type Logger, logger, type LogProperties } from "./util/log.ts";
export * from "./endpoint/types.ts";
export * from "./endpoint/errors.ts";
export * from "./endpoint/mtime.ts";
export * from "./endpoint/path.ts";
export * from "./endpoint/atomic.ts";
export * from "./endpoint/streams.ts";
export * from "./endpoint/hash.ts";
export * from "./endpoint/delegating.ts";
export * from "./endpoint/memory.ts";
export * from "./endpoint/local.ts";
export * from "./endpoint/url.ts";
export { AuthError, PluginLoadError, UsageError } from "./workflow/errors.ts";
export { parseDuration, parseSize } from "./util/units.ts";
// Password hashes and stored secrets, for authorizers (ferry serve's, the UFTP auth service's).
export * from "./workflow/auth/passwords.ts";
export * from "./workflow/auth/stored_secrets.ts";

// The types the names above mention (deno doc links them; not an API of their own).
export type { ActionOutcome, ExecuteOptions, Lane, Lanes, PlanExecutor } from "./sync/execute.ts";
export type { Action, Side } from "./sync/plan.ts";
export type {
  ProgressAction,
  ProgressEvent,
  ProgressListener,
  ProgressTotals,
} from "./sync/progress.ts";
export type {
  ByteCounts,
  ConflictRecord,
  ConflictVersion,
  FileCounts,
  JobReport,
  ReportError,
} from "./sync/report.ts";
export type { RetryOptions } from "./sync/retry.ts";
export type { PairEntry, PairState, Snapshot, StateStore } from "./sync/state.ts";
export type { VerifyMode } from "./sync/verify.ts";
export type {
  JobCounts,
  JobOutcome,
  JobResult,
  JobStatus,
  RunEvent,
  WorkflowReport,
} from "./workflow/report.ts";
export type { Secrets } from "./workflow/secrets.ts";
export type { TransferResult } from "./sync/transfer.ts";
export type { SegmentOptions } from "./sync/segments.ts";
