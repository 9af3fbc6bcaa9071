/**
 * YAML workflows: load and validate a file (or an object), run its jobs with
 * retries and reports, schedule it; the plugin registry with the built-in plugins,
 * the endpoint pool a run shares, auth methods, netrc, secrets and the JSON Schema.
 *
 * @example Load a workflow and run it as a dry run
 * ```ts ignore
 * import { defaultRegistry, exitCodeFor, loadWorkflow, runWorkflow } from "./workflow.ts";
 *
 * const wf = await loadWorkflow("nightly.yaml", { registry: await defaultRegistry() });
 * const report = await runWorkflow(wf, { dryRun: true });
 * Deno.exit(exitCodeFor(report));
 * ```
 * @module
 */
export {
  AuthError,
  formatProblem,
  InterruptedError,
  JobFailedError,
  JobRunningError,
  PluginLoadError,
  type Problem,
  type SourcePosition,
  UsageError,
  WorkflowInvalidError,
} from "./workflow/errors.ts";
export { MASK, Secrets } from "./workflow/secrets.ts";
export {
  type LoadedWorkflow,
  type LoadObjectOptions,
  type LoadOptions,
  loadWorkflow,
  loadWorkflowObject,
} from "./workflow/load.ts";
export { JOB_DEFAULTS, type RunOptions, runWorkflow } from "./workflow/run.ts";
export {
  cronTimer,
  normalizeSchedule,
  type ScheduleOptions,
  scheduleWorkflows,
  type Timer,
  type TimerFactory,
} from "./workflow/schedule.ts";
export {
  addCounts,
  emptyCounts,
  exitCodeFor,
  type JobCounts,
  type JobOutcome,
  type JobResult,
  type JobStatus,
  type RunEvent,
  type WorkflowReport,
} from "./workflow/report.ts";
export { type SchemaParts, workflowJsonSchema } from "./workflow/schema.ts";
export { type Registered, Registry } from "./workflow/registry.ts";
export { corePlugin, defaultRegistry } from "./workflow/builtins.ts";
export {
  BUILTIN_PLUGIN_MODULES,
  importPlugin,
  loadBuiltinPlugins,
  loadPlugin,
  pluginUrl,
} from "./workflow/plugins_load.ts";
export { EndpointPool, openUrl, resolveCredentials } from "./workflow/endpoints.ts";
export { builtinAuthMethods } from "./workflow/auth/methods.ts";
export { defaultNetrcPath, findNetrc, type NetrcEntry, parseNetrc } from "./workflow/auth/netrc.ts";
export type * from "./workflow/types.ts";

// The types the names above mention (deno doc links them; not an API of their own): the
// list every entry point shares, then this one's own.
export type * from "./workflow/mentions/plugins.ts";
export type * from "./endpoint/mentions.ts";
export type { AuthOptions, OpenUrlOptions } from "./workflow/endpoints.ts";
export type { PluginManifest } from "./workflow/registry.ts";
export type { ExecutorFactory } from "./workflow/run.ts";
export type { NormalizedSchedule } from "./workflow/schedule.ts";
