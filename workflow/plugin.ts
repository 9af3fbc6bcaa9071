/**
 * Plugins: a module whose default export comes from {@link definePlugin}. Built-in
 * plugins (plugins/) are loaded through the same registry as foreign ones.
 *
 * A plugin may add auth methods (`auth: { method: ... }` in a workflow), endpoint
 * schemes (`uftp://...`), job kinds (a new key beside `mirror`, `sync`, ...) and
 * CLI sub-commands (`ferry serve`). Option schemas are zod schemas, built with the
 * zod that `deps/zod.ts` names (npm:zod, same major), so `ferry schema` describes
 * plugin options too.
 * @module
 */
import type { Endpoint } from "../endpoint/types.ts";
import type { SchemeOptions } from "../endpoint/scheme_options.ts";
import type { Logger } from "../util/log.ts";
import type { PlanExecutor } from "../sync/execute.ts";
import type { StateStore } from "../sync/state.ts";
import type { Secrets } from "./secrets.ts";
import type { JobOutcome, RunEvent } from "./report.ts";

/**
 * A plugin's option schema: a zod 4 schema (`z.object({...})`).
 * ferry validates options with it and puts it into `ferry schema`, so it must be
 * zod's, of the major `deps/zod.ts` names. Typed by the Standard Schema
 * interface zod implements, so ferry's API names no zod type.
 *
 * @example
 * ```ts
 * // z: zod 4, the package deps/zod.ts names
 * const schema: OptionsSchema<{ bucket: string }> = z.strictObject({ bucket: z.string() });
 * ```
 */
export interface OptionsSchema<O = unknown> {
  /** The Standard Schema properties (zod fills them in). */
  readonly "~standard": StandardProps<O>;
}

/** The part of Standard Schema v1's properties ferry's types rely on. */
export interface StandardProps<O> {
  /** Always 1. */
  readonly version: 1;
  /** The library that made the schema (`"zod"`). */
  readonly vendor: string;
  /** Checks a value; zod returns its issues or the parsed value. */
  readonly validate: (value: unknown) => unknown;
  /** Carries the output type for inference only. */
  readonly types?: { readonly input: unknown; readonly output: O } | undefined;
}

/** What an endpoint needs to open: the workflow's endpoint entry, resolved. */
export interface EndpointOpenOptions {
  /** Credentials from the endpoint's auth method (empty when none is set). */
  credentials: Credentials;
  /** Seconds, or "auto" to detect. */
  timeShift?: number | "auto";
  /** `ca` is the PEM text (the runner reads the file the workflow names). */
  tls?: { mode?: "require" | "try" | "off"; ca?: string; insecure?: boolean };
  /** Most connections at once to the endpoint. */
  maxConnections?: number;
  /** Seconds. */
  timeout?: number;
  /** Scheme-specific extras from the endpoint's `options:` map. */
  options?: Record<string, unknown>;
  /** Registered secrets (a scheme that obtains a token adds it here). */
  secrets?: Secrets;
  /** Aborts opening. */
  signal?: AbortSignal;
  /** Base directory of relative local paths. */
  cwd?: string;
  /** Create a local root directory that is missing (write targets). */
  create?: boolean;
  /**
   * The caller copies one file and closes (`ferry get`/`put`): a scheme that
   * opens sessions ahead for parallel work (UFTP: an auth request and a UFTPD
   * process each) opens one, unless `maxConnections` says otherwise.
   */
  oneFile?: boolean;
  /**
   * Only dry-run jobs use the endpoint: opening it must write nothing on the
   * other side (FTP measures no `timeShift: auto` with its probe file).
   */
  dryRun?: boolean;
}

/** Makes an endpoint for a URL of a scheme a plugin adds (e.g. `uftp:`). */
export interface EndpointScheme {
  /** Scheme without colon, e.g. `"uftp"`. */
  scheme: string;
  /** One line saying what the scheme is. */
  description?: string;
  /**
   * The keys the endpoint's `options:` map takes, with their types: a workflow
   * naming another key is invalid. Without it any key passes unchecked.
   */
  options?: SchemeOptions;
  /** Opens an endpoint for a URL of this scheme; turns `options` into the scheme's own typed options. */
  open(url: URL, options: EndpointOpenOptions): Promise<Endpoint>;
}

/** Resolved credentials; methods fill what their protocol needs. */
export interface Credentials {
  /** The login name. */
  user?: string;
  /** The password (registered in the run's secrets, never logged). */
  password?: string;
  /** Bearer tokens and the like (UFTP's auth server). */
  token?: string;
  /** Whatever else a method resolves for its protocol. */
  [extra: string]: unknown;
}

/** What an auth method may use while resolving credentials. */
export interface AuthContext {
  /** The endpoint URL (never carries a password here). */
  url: URL;
  /** Reads an environment variable. */
  env(name: string): string | undefined;
  /** Whether a person is at a terminal (prompting is allowed). */
  interactive: boolean;
  /** Every secret value the method learns must be added here before it is used. */
  secrets: Secrets;
  /** The directory relative file names are resolved against (the workflow's). */
  baseDir: string;
  /** Aborts resolving (a prompt, a command). */
  signal?: AbortSignal;
}

/** An auth method: `auth: { method: NAME, ...options }` on an endpoint. */
export interface AuthMethod<O extends Record<string, unknown> = Record<string, unknown>> {
  /** The value of `method:`. */
  name: string;
  /** One line saying what the method does. */
  description?: string;
  /**
   * Options besides `method`, as a zod object; unknown keys are rejected. Without
   * a schema (or {@link AuthMethod.loadSchema}) any options pass through untyped.
   */
  schema?: OptionsSchema<Record<string, unknown>>;
  /**
   * The same schema, imported when a workflow is validated or `ferry schema`
   * runs, so that using the method (resolving credentials) loads no zod. Give
   * `schema` or `loadSchema`, not both. The registry calls it once per method;
   * a rejection becomes a `PluginLoadError` naming the plugin.
   */
  loadSchema?: () => Promise<OptionsSchema<Record<string, unknown>>>;
  /** Turns the method's options into credentials. */
  resolve(options: O, ctx: AuthContext): Promise<Credentials>;
}

/** `origin:/releases` resolved during a run. */
export interface ResolvedTarget {
  /** Endpoint name as written in the workflow. */
  name: string;
  /** The opened endpoint. */
  endpoint: Endpoint;
  /** Path inside the endpoint (POSIX, relative to its root; "" is the root). */
  path: string;
}

/** What a job gets from the runner. */
export interface JobContext {
  /** The job's name in the workflow. */
  job: string;
  /** Its kind (the key: `mirror`, `sync`, ...). */
  kind: string;
  /** Plan only: touch nothing, report what would happen. */
  dryRun: boolean;
  /** Parallel transfers/listings this job may use. */
  parallel: number;
  /**
   * Whether the workflow or the command named `parallel`; when not, a job may
   * run more transfers where its endpoints say they serve more
   * (`Capabilities.parallel`, see `transferParallel`).
   */
  parallelSet?: boolean;
  /** Segments per large download (the job's `segments`; undefined: the engine's default). */
  segments?: number;
  /** Retries per file on temporary errors, and the first back-off delay. */
  retries: number;
  /** The first back-off delay in milliseconds. */
  retryDelayMs: number;
  /** Aborted on Ctrl-C, SIGTERM or a job timeout: stop cleanly and soon. */
  signal: AbortSignal;
  /** The job's logger (category `job`, the job's name attached). */
  log: Logger;
  /** Opens (once per run, shared between jobs) the named endpoint. */
  endpoint(name: string): Promise<Endpoint>;
  /** Resolves `endpoint:/path`. */
  target(ref: string): Promise<ResolvedTarget>;
  /** Directory for persistent state (sync databases), absolute. */
  stateDir: string;
  /**
   * The state database (default `<stateDir>/state.db`; relative paths are below
   * `stateDir`; `":memory:"` is a throwaway store), opened once per run and path,
   * shared between jobs, closed when the run ends.
   */
  state(path?: string): StateStore;
  /** Directory relative paths in job options are resolved against, absolute. */
  baseDir: string;
  /** Progress and per-file events, for displays and `--log-format json`. */
  emit(event: RunEvent): void;
  /** The run's secrets: mask what the job learns before logging it. */
  secrets: Secrets;
  /**
   * Where this job's plans are carried out: undefined for this process (the
   * default), else an executor such as a queue of workers (`--queue`). Job
   * kinds pass it to sync/ (`executor:` of mirror and sync).
   */
  executor?: PlanExecutor;
}

/** A job kind: the key in a job (`mirror: {...}`) and what it does. */
export interface JobKind<O = Record<string, unknown>> {
  /** The key in the job map, e.g. `"mirror"` or `"uftp-stage"`. */
  name: string;
  /** One line saying what the job kind does. */
  description?: string;
  /**
   * The options under the key (zod); the same schema feeds `ferry schema`.
   * Give it or {@link JobKind.loadSchema}.
   */
  schema?: OptionsSchema<O>;
  /**
   * The same schema, imported when a workflow is checked with the schema or
   * `ferry schema` runs, so that running the job loads no zod (ferry's own
   * kinds: a one-off `ferry mirror` checks its workflow by hand, see
   * workflow/hand_check.ts). Give `schema` or `loadSchema`, not both. The
   * registry calls it once per kind; a rejection becomes a `PluginLoadError`
   * naming the plugin.
   */
  loadSchema?: () => Promise<OptionsSchema<O>>;
  /** Option keys that hold `endpoint:/path` targets (checked against `endpoints`). */
  targets?: string[];
  /** Of those, the ones the job writes to (a missing local root is then created). */
  writes?: string[];
  /** Extra checks after the schema passed; messages are reported at the option key. */
  validate?(options: O): { key?: string; message: string }[];
  /** Runs the job; per-file problems go into the outcome, not thrown. */
  run(options: O, ctx: JobContext): Promise<JobOutcome>;
}

/** A CLI sub-command contributed by a plugin (e.g. `ferry serve`). */
export interface PluginCommand {
  /** The sub-command's name (`ferry NAME`). */
  name: string;
  /** One line for `ferry --help`. */
  description: string;
  /** Usage line shown in `ferry --help`, e.g. `"[options] URL"`. */
  usage?: string;
  /**
   * The CLI takes the flags every remote command has out of the arguments
   * (`--user`, `--password-env`, `--password-file`, `--password-command`,
   * `--ask-password`, `--netrc[=FILE]`, `--no-netrc`, `--anonymous`, `--ca`,
   * `--insecure`, `--tls`, `--time-shift`, `--no-mlsd`, `--connections`,
   * `--net-timeout`, and the logging flags -v, -q, `--debug`, `--json`,
   * `--log-format`, `--log-file`) and `context.openEndpoint` opens URLs with
   * them, through the same code as `ferry mirror` (netrc default included).
   */
  endpointFlags?: boolean;
  /** Runs with the raw arguments after the command name; returns the exit code. */
  run(args: string[], context?: CommandContext): Promise<number>;
}

/** What the CLI hands a plugin command besides its arguments. */
export interface CommandContext {
  /** Aborted on SIGINT/SIGTERM: stop serving and return. */
  signal: AbortSignal;
  /** Opens an endpoint from a URL or local path with the registry's schemes. */
  openEndpoint(url: string, options?: Partial<EndpointOpenOptions>): Promise<Endpoint>;
  /** The run's secrets (register what the command learns). */
  secrets: Secrets;
  /** Turns on debug logging with the protocol trace (a command's own `-D`). */
  enableDebug?(): Promise<void>;
  /** An authorizer factory some plugin registered under `name`. */
  authorizer?(name: string): AuthorizerFactory | undefined;
}

/**
 * A login authority for ferry's FTP server (`ferry serve --authorizer NAME`),
 * e.g. LDAP or a company SSO. `create` returns an object with pyftpdlib's
 * authorizer duty: `authenticate(user, password, {remoteAddress, secure})`
 * resolving to an account (`{ username, home, perm }`) or undefined. The
 * server checks that shape; this layer does not know the server's types.
 */
export interface AuthorizerFactory {
  /** The name `--authorizer NAME` selects. */
  name: string;
  /** One line saying what the authority is. */
  description?: string;
  /** `options` are the `--authorizer-option key=value` pairs. */
  create(
    options: Record<string, string>,
    context: { secrets: Secrets },
  ): unknown | Promise<unknown>;
}

/** What a plugin contributes. Every field but `name` is optional. */
export interface PluginDefinition {
  /** The plugin's name (unique in a registry). */
  name: string;
  /** The plugin's version, for messages. */
  version?: string;
  /** One line saying what the plugin adds. */
  description?: string;
  /** Auth methods it adds (`auth: { method: ... }`). */
  authMethods?: AuthMethod[];
  /** URL schemes it adds. */
  endpointSchemes?: EndpointScheme[];
  /** Job kinds it adds (a key beside `mirror`, `sync`...). */
  // deno-lint-ignore no-explicit-any
  jobKinds?: JobKind<any>[];
  /** CLI sub-commands it adds. */
  commands?: PluginCommand[];
  /** Login authorities for the FTP server (see {@link AuthorizerFactory}). */
  authorizers?: AuthorizerFactory[];
}

/** A plugin as the registry holds it. */
export interface Plugin extends PluginDefinition {
  /** Marks a value made by {@link definePlugin}. */
  readonly kind: "ferry-plugin";
}

/**
 * Declares a plugin; a plugin module's default export must be the result.
 *
 * @example
 * ```ts
 * export default definePlugin({ name: "hello", commands: [{ name: "hello", description: "say hi", run: async () => { console.log("hi"); return 0; } }] });
 * ```
 */
export function definePlugin(definition: PluginDefinition): Plugin {
  if (!definition || typeof definition.name !== "string" || definition.name === "") {
    throw new TypeError("definePlugin: a plugin needs a non-empty name");
  }
  const named = (what: string, list: { name?: string; scheme?: string }[] | undefined) => {
    for (const item of list ?? []) {
      const id = item.name ?? item.scheme;
      if (typeof id !== "string" || id === "") {
        throw new TypeError(`definePlugin(${definition.name}): every ${what} needs a name`);
      }
    }
  };
  named("auth method", definition.authMethods);
  for (const method of definition.authMethods ?? []) {
    if (method.schema !== undefined && method.loadSchema !== undefined) {
      throw new TypeError(
        `definePlugin(${definition.name}): auth method "${method.name}" gives both schema and loadSchema`,
      );
    }
  }
  named("endpoint scheme", definition.endpointSchemes);
  named("job kind", definition.jobKinds);
  for (const kind of definition.jobKinds ?? []) {
    if (kind.schema !== undefined && kind.loadSchema !== undefined) {
      throw new TypeError(
        `definePlugin(${definition.name}): job kind "${kind.name}" gives both schema and loadSchema`,
      );
    }
  }
  named("authorizer", definition.authorizers);
  named("command", definition.commands);
  return { ...definition, kind: "ferry-plugin" };
}

/**
 * Whether a value (a module's default export) is a plugin made by {@link definePlugin}.
 *
 * @example
 * ```ts
 * isPlugin((await import("./my_plugin.ts")).default); // true
 * ```
 */
export function isPlugin(value: unknown): value is Plugin {
  return typeof value === "object" && value !== null &&
    (value as { kind?: unknown }).kind === "ferry-plugin" &&
    typeof (value as { name?: unknown }).name === "string";
}
