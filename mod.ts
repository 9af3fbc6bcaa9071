/**
 * ferry: keep file trees in step across FTP, FTPS, UFTP and local disks.
 *
 * This module is the public library surface; plugins import it and nothing else.
 *
 * @example
 * ```ts
 * import { FtpClient } from "./mod.ts";
 * const ftp = await FtpClient.connect({ host: "127.0.0.1", port: 2121 });
 * await ftp.login();
 * console.log(await ftp.nlst());
 * await ftp.quit();
 * ```
 * @module
 */
export { FerryError } from "./util/errors.ts";
export { type Logger, logger } from "./util/log.ts";
export * from "./ftp/listing/types.ts";
export * from "./ftp/listing/index.ts";
export * from "./endpoint/types.ts";
export * from "./endpoint/errors.ts";
export * from "./workflow/plugin.ts";
export * from "./endpoint/path.ts";
export * from "./endpoint/atomic.ts";
export * from "./endpoint/streams.ts";
export * from "./endpoint/memory.ts";
export * from "./endpoint/local.ts";
export * from "./endpoint/url.ts";
export * from "./endpoint/delegating.ts";
export * from "./endpoint/hash.ts";
export * from "./endpoint/lru.ts";
export * from "./endpoint/ftp/stat_cache.ts";
export * from "./endpoint/ftp/time_shift.ts";
export * from "./plugins/server/api.ts";
// sync/: the job algorithms (walk, compare, mirror, two-way sync, rmtree, copy-if-newer).
export * from "./sync/report.ts";
export * from "./sync/progress.ts";
export * from "./sync/filter.ts";
export * from "./sync/walk.ts";
export * from "./sync/compare.ts";
export * from "./sync/retry.ts";
export * from "./sync/transfer.ts";
export * from "./sync/verify.ts";
export * from "./sync/plan.ts";
export * from "./sync/execute.ts";
export * from "./sync/state.ts";
export * from "./sync/mirror.ts";
export * from "./sync/two_way.ts";
export * from "./sync/rmtree.ts";
export * from "./sync/if_newer.ts";
// endpoint/ftp: the FTP host (ftputil's ideas) and the FTP endpoint.
export { FtpHost, type FtpHostOptions, type HostPath } from "./endpoint/ftp/host.ts";
export { FtpEndpoint, type FtpEndpointOptions } from "./endpoint/ftp/endpoint.ts";
export { InaccessibleLoginDirError } from "./endpoint/ftp/errors.ts";
export {
  type SessionFactory,
  sessionFactory,
  type SessionOptions,
} from "./endpoint/ftp/session.ts";
export { isSessionLost, type PoolOptions, SessionPool } from "./endpoint/ftp/pool.ts";
export { entryToStat, type ListingChoice } from "./endpoint/ftp/stat.ts";
export type { OpenOptions, ReadMode, WriteMode } from "./endpoint/ftp/file.ts";
export type {
  RmtreeOperation as HostRmtreeOperation,
  RmtreeOptions as HostRmtreeOptions,
  TreeHost,
  WalkEntry as HostWalkEntry,
  WalkOptions as HostWalkOptions,
} from "./endpoint/ftp/tree.ts";
export { type TransferProgress } from "./endpoint/ftp/transfer.ts";
export {
  type ListingShifts,
  measureTimeShift,
  measureTimeShifts,
  type ProbeOptions,
  type ProbeShifts,
  shiftSettings,
  type TimeShiftRecord,
  TimeShiftStore,
} from "./endpoint/ftp/time_sync.ts";
export * from "./sync/two_way_plan.ts";
export * from "./ftp/tls.ts";
export { yaml } from "./deps/yaml.ts";
// workflow/: load, validate and run YAML workflows; plugins; auth; reports.
export { z } from "./deps/zod.ts";
export {
  AuthError,
  formatProblem,
  InterruptedError,
  JobFailedError,
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
export { type SchemaParts, workflowJsonSchema, workflowSchema } from "./workflow/schema.ts";
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
// ftp/: the wire client and its errors (plugins/uftp speaks UFTPD's dialect through it).
export {
  FtpClient,
  type FtpClientOptions,
  type RawControl,
  type TransferOptions,
} from "./ftp/client.ts";
export type { Reply } from "./ftp/reply.ts";
export {
  CommandNotImplementedError,
  errorForReply,
  FtpConnectionError,
  FtpError,
  FtpPermanentError,
  FtpProtocolError,
  FtpTemporaryError,
  FtpTimeoutError,
} from "./ftp/errors.ts";
// bcrypt_pbkdf for passphrase-protected OpenSSH private keys (plugins/uftp's SSH-key JWTs).
export { bcryptPbkdf } from "./deps/bcrypt_pbkdf.ts";
