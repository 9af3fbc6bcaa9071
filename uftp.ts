/**
 * UFTP (UNICORE FTP) as a library: `uftp://` endpoints, UNICORE authentication,
 * and a self-hosted UFTP site (a UFTPD and an HTTPS auth service). The default
 * export is the plugin that adds all of this to a registry.
 *
 * @example Open a UFTP endpoint
 * ```ts ignore
 * import { UftpEndpoint } from "./uftp.ts";
 *
 * const ep = await UftpEndpoint.open("uftp://demouser:test123@localhost:9000/rest/auth/TEST:/data");
 * console.log(await ep.list(""));
 * await ep.close();
 * ```
 * @module
 */
export * from "./plugins/uftp/mod.ts";
export { default } from "./plugins/uftp/mod.ts";

// The types the names above mention (deno doc links them; not an API of their own).
export type { OpenOptions, WriteMode } from "./endpoint/ftp/file.ts";
export type { FtpHost, HostPath } from "./endpoint/ftp/host.ts";
export type { CacheLookup, CacheTicket, Overtaken, StatCache } from "./endpoint/ftp/stat_cache.ts";
export type {
  Capabilities,
  Endpoint,
  MkdirOptions,
  ReadOptions,
  Stat,
  StatOptions,
  WriteOptions,
} from "./endpoint/types.ts";
export type { FtpClient, RawControl } from "./ftp/client.ts";
export type {
  AuthContext,
  AuthMethod,
  AuthorizerFactory,
  CommandContext,
  Credentials,
  EndpointOpenOptions,
  PluginCommand,
} from "./workflow/plugin.ts";
export type { EntryType, SkippedEntry, StatList } from "./endpoint/types.ts";
export type { OptionsSchema, Plugin, PluginDefinition, StandardProps } from "./workflow/plugin.ts";
export type {
  RmtreeOperation,
  RmtreeOptions,
  WalkEntry,
  WalkOptions,
} from "./endpoint/ftp/tree.ts";
export type { TransferOptions } from "./ftp/client.ts";
export type { Listing, SkippedLine } from "./ftp/listing/index.ts";
export type { DelegatingEndpoint } from "./endpoint/delegating.ts";
export type { FtpEndpoint } from "./endpoint/ftp/endpoint.ts";
export type { SessionFactory, SessionHints } from "./endpoint/ftp/session.ts";
export type { TransferProgress } from "./endpoint/ftp/transfer.ts";
export type { ListEntry } from "./ftp/listing/types.ts";
export type { Reply } from "./ftp/reply_shape.ts";
export type { Identity } from "./plugins/uftp/authserver/users.ts";
export type { LoginVerdict } from "./plugins/uftp/uftpd/jobs.ts";
export type { FerryError } from "./util/errors.ts";
export type { Secrets } from "./workflow/secrets.ts";
export type { EndpointScheme, JobContext, JobKind, ResolvedTarget } from "./workflow/plugin.ts";
export type {
  JobCounts,
  JobOutcome,
  JobResult,
  JobStatus,
  RunEvent,
  WorkflowReport,
} from "./workflow/report.ts";
export type { Logger, LogProperties } from "./util/log.ts";
export type { ActionOutcome, ExecuteOptions, Lane, Lanes, PlanExecutor } from "./sync/execute.ts";
export type { PairEntry, PairState, Snapshot, StateStore } from "./sync/state.ts";
export type { Action, Side } from "./sync/plan.ts";
export type {
  ByteCounts,
  ConflictRecord,
  ConflictVersion,
  FileCounts,
  JobReport,
  ReportError,
} from "./sync/report.ts";
export type {
  ProgressAction,
  ProgressEvent,
  ProgressListener,
  ProgressTotals,
} from "./sync/progress.ts";
export type { RetryOptions } from "./sync/retry.ts";
export type { TransferResult } from "./sync/transfer.ts";
export type { VerifyMode } from "./sync/verify.ts";
export type { SchemeOption, SchemeOptions } from "./endpoint/scheme_options.ts";
export type { SegmentOptions } from "./sync/segments.ts";
export type { WriteAtOptions } from "./endpoint/types.ts";
