/**
 * The shape of a validated workflow (what the zod schema produces). Job options
 * stay untyped here: each job kind's own schema types them.
 * @module
 */

/** `auth:` of an endpoint. */
export interface AuthConfig {
  /** The auth method's name (`password`, `netrc`, `env`, a plugin's method...). */
  method: string;
  /** The method's own options. */
  [option: string]: unknown;
}

/** TLS settings of an endpoint. */
export interface TlsConfig {
  /** `require`: TLS or fail; `try`: TLS when offered; `off`: plain. */
  mode?: "require" | "try" | "off";
  /** A CA certificate file (PEM) to trust besides the system's. */
  ca?: string;
  /** Skip certificate verification (tests and self-signed servers only). */
  insecure?: boolean;
}

/** One entry of `endpoints:`. */
export interface EndpointConfig {
  /** Where the tree is: `ftp://`, `ftpes://`, `ftps://`, `uftp://`, `file://`, a path, `memory://`... */
  url: string;
  /** A note for people reading the workflow. */
  description?: string;
  /** How to log in (credentials never live in the URL). */
  auth?: AuthConfig;
  /** The server's listing time ahead of UTC: seconds, `+HH:MM`, or `auto` to measure. */
  timeShift?: "auto" | number | string;
  /** TLS settings (FTP schemes). */
  tls?: TlsConfig;
  /** Most connections opened at once to this endpoint. */
  maxConnections?: number;
  /** Network timeout: seconds or a duration such as `30s`. */
  timeout?: number | string;
  /** Scheme-specific extras, passed to the scheme as they are. */
  options?: Record<string, unknown>;
}

/** Options every job has (and `defaults:`). */
export interface JobCommonConfig {
  /** Retries of a failed job (default 3). */
  retries?: number;
  /** Wait between retries: seconds or a duration. */
  retryDelay?: number | string;
  /** Transfers at once within the job. */
  parallel?: number;
  /** Segments (connections) per large download; 1 turns segmented downloads off. */
  segments?: number;
  /** Plan only: print what would happen, touch nothing. */
  dryRun?: boolean;
  /** Give up on the job after this long: seconds or a duration. */
  timeout?: number | string;
}

/** A job as written: common keys plus one kind key. */
export interface JobConfig extends JobCommonConfig {
  /** A note for people reading the workflow. */
  description?: string;
  /** Jobs that must succeed before this one runs. */
  needs?: string | string[];
  /** The job's kind (`mirror`, `sync`, ...) with its options. */
  [kindOrOption: string]: unknown;
}

/** `schedule:` in its long form. */
export interface ScheduleConfig {
  /** Cron expression(s), five fields. */
  cron: string | string[];
  /** IANA time zone for the expressions (default: local). */
  timezone?: string;
  /** Jobs to run (default: all). */
  jobs?: string[];
}

/** A validated workflow file. */
export interface WorkflowConfig {
  /** The JSON Schema the file was written against (editors use it). */
  $schema?: string;
  /** The file format's version. */
  version: 1;
  /** The workflow's name (default: the file name). */
  name?: string;
  /** A note for people reading the workflow. */
  description?: string;
  /** Values for `${vars.NAME}`. */
  vars?: Record<string, string | number | boolean>;
  /** Plugin modules to load (paths or URLs). */
  plugins?: string[];
  /** Where state (time shifts, sync snapshots) is kept. */
  state?: string;
  /** The endpoints jobs refer to by name. */
  endpoints?: Record<string, EndpointConfig>;
  /** Options every job takes unless it says otherwise. */
  defaults?: JobCommonConfig;
  /** When `ferry schedule` runs it. */
  schedule?: string | string[] | ScheduleConfig;
  /** The jobs by name. */
  jobs: Record<string, JobConfig>;
}

/** A job with its kind picked out and `needs` as a list. */
export interface JobSpec {
  /** The job's name. */
  name: string;
  /** Its kind (`mirror`, `sync`, a plugin's kind...). */
  kind: string;
  /** The kind's options, as written. */
  options: unknown;
  /** Jobs that must succeed first. */
  needs: string[];
  /** The job as written. */
  config: JobConfig;
}
