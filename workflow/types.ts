/**
 * The shape of a validated workflow (what the zod schema produces). Job options
 * stay untyped here: each job kind's own schema types them.
 * @module
 */

/** `auth:` of an endpoint. */
export interface AuthConfig {
  method: string;
  [option: string]: unknown;
}

/** TLS settings of an endpoint. */
export interface TlsConfig {
  mode?: "require" | "try" | "off";
  ca?: string;
  insecure?: boolean;
}

/** One entry of `endpoints:`. */
export interface EndpointConfig {
  url: string;
  description?: string;
  auth?: AuthConfig;
  timeShift?: "auto" | number | string;
  tls?: TlsConfig;
  maxConnections?: number;
  timeout?: number | string;
  options?: Record<string, unknown>;
}

/** Options every job has (and `defaults:`). */
export interface JobCommonConfig {
  retries?: number;
  retryDelay?: number | string;
  parallel?: number;
  dryRun?: boolean;
  timeout?: number | string;
}

/** A job as written: common keys plus one kind key. */
export interface JobConfig extends JobCommonConfig {
  description?: string;
  needs?: string | string[];
  [kindOrOption: string]: unknown;
}

/** `schedule:` in its long form. */
export interface ScheduleConfig {
  cron: string | string[];
  timezone?: string;
  jobs?: string[];
}

/** A validated workflow file. */
export interface WorkflowConfig {
  $schema?: string;
  version: 1;
  name?: string;
  description?: string;
  vars?: Record<string, string | number | boolean>;
  plugins?: string[];
  state?: string;
  endpoints?: Record<string, EndpointConfig>;
  defaults?: JobCommonConfig;
  schedule?: string | string[] | ScheduleConfig;
  jobs: Record<string, JobConfig>;
}

/** A job with its kind picked out and `needs` as a list. */
export interface JobSpec {
  name: string;
  kind: string;
  options: unknown;
  needs: string[];
  config: JobConfig;
}
