/**
 * ferry: keep file trees in step across FTP, FTPS, UFTP, S3 and local disks.
 *
 * This is what most programs need: open an endpoint from a URL, run a job
 * (mirror, two-way sync, walk, rmtree, upload/download-if-newer) between two
 * endpoints, or load and run a YAML workflow; the endpoint contract and its
 * errors. The other entry points go deeper: `./ftp` (the wire client), `./host`
 * (the ftputil-like host), `./sync` (the algorithms' parts), `./workflow`
 * (registry, scheduling, auth), `./plugin` (writing a plugin), `./server`,
 * `./uftp` and `./errors` (`FerryError` alone).
 *
 * @example Mirror a directory
 * ```ts ignore
 * import { mirror, openEndpoint } from "./mod.ts";
 *
 * const from = await openEndpoint("ftp://anonymous@127.0.0.1:2121/pub");
 * const to = await openEndpoint("./mirror");
 * const report = await mirror(from, "", to, "", { delete: true });
 * if (!report.ok) console.error(report.errors);
 * await from.close();
 * await to.close();
 * ```
 * @module
 */
// The glob engine, at once: walk() and makeFilter() take globs synchronously (sync/filter.ts).
import "./sync/globs.ts";
export { FerryError } from "./util/errors.ts";
export * from "./endpoint/types.ts";
export * from "./endpoint/errors.ts";
export {
  type EndpointOpener,
  isEndpointUrl,
  openEndpoint,
  type OpenEndpointOptions,
} from "./endpoint/url.ts";
export { LocalEndpoint, type LocalEndpointOptions } from "./endpoint/local.ts";
export { MemoryEndpoint, type MemoryEndpointOptions } from "./endpoint/memory.ts";
export { walk, type WalkEntry, type WalkOptions } from "./sync/walk.ts";
export {
  type EarlyTargetWalk,
  mirror,
  type MirrorOptions,
  walkTargetEarly,
} from "./sync/mirror.ts";
export { sync, type SyncOptions } from "./sync/two_way.ts";
export { CONFLICT_POLICIES, type ConflictPolicy } from "./sync/conflict_policies.ts";
export { RefuseRootError, rmtree, type RmtreeOptions } from "./sync/rmtree.ts";
export {
  copyIfNewer,
  downloadIfNewer,
  type IfNewerOptions,
  uploadIfNewer,
} from "./sync/if_newer.ts";
export { AuthError, JobFailedError, UsageError, WorkflowInvalidError } from "./workflow/errors.ts";
export {
  type LoadedWorkflow,
  type LoadOptions,
  loadWorkflow,
  loadWorkflowObject,
} from "./workflow/load.ts";
export { type RunOptions, runWorkflow } from "./workflow/run.ts";
export { exitCodeFor, type WorkflowReport } from "./workflow/report.ts";
export { defaultRegistry } from "./workflow/builtins.ts";

// The types the names above mention (deno doc links them; not an API of their own): the
// list every entry point shares, then this one's own.
export type * from "./workflow/mentions/plugins.ts";
export type { MemoryStore } from "./endpoint/memory.ts";
export type { SchemeTable } from "./endpoint/url.ts";
export type { CompareMode } from "./sync/compare.ts";
export type { Filter, FilterRules } from "./sync/filter.ts";
export type { CopyJobOptions } from "./sync/job_options.ts";
export type { SyncPlanOptions } from "./sync/two_way_plan.ts";
export type { ListedDir, SymlinkPolicy, Walk, WalkProblem } from "./sync/walk.ts";
export type { Problem, SourcePosition } from "./workflow/errors.ts";
export type { LoadObjectOptions } from "./workflow/load.ts";
export type { PluginManifest, Registry } from "./workflow/registry.ts";
export type { ExecutorFactory } from "./workflow/run.ts";
export type { SchemaParts } from "./workflow/schema.ts";
export type {
  AuthConfig,
  EndpointConfig,
  JobCommonConfig,
  JobConfig,
  JobSpec,
  ScheduleConfig,
  TlsConfig,
  WorkflowConfig,
} from "./workflow/types.ts";
