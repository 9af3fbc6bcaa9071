/**
 * Opening endpoints: every scheme from the registry (built-ins included);
 * credentials from the endpoint's auth method; each named endpoint opened once
 * per run and closed at its end.
 * @module
 */
import { resolve } from "../util/paths.ts";
import { openEndpoint, type SchemeTable } from "../endpoint/url.ts";
import type { Endpoint } from "../endpoint/types.ts";
import { logger } from "../util/log.ts";
import { AuthError, UsageError } from "./errors.ts";
import type { AuthContext, Credentials, EndpointOpenOptions } from "./plugin.ts";
import type { Registry } from "./registry.ts";
import type { Secrets } from "./secrets.ts";
import type { AuthConfig, EndpointConfig } from "./types.ts";
import { parseDuration, parseTimeShift } from "../util/units.ts";
import { urlScheme } from "./validate.ts";

const log = logger("workflow", "endpoints");

/** What opening needs besides the URL. */
export interface OpenUrlOptions extends Partial<EndpointOpenOptions> {
  /** Base directory of relative local paths. */
  cwd?: string;
  /** Create a local root directory that is missing (write targets). */
  create?: boolean;
}

/**
 * The registry's schemes as the table `openEndpoint` looks schemes up in.
 *
 * @example
 * ```ts
 * schemeTable(registry).names(); // ["file", "ftp", "ftpes", "ftps", "memory", "uftp"]
 * ```
 */
export function schemeTable(registry: Registry): SchemeTable {
  return {
    get: (scheme) => registry.endpointSchemes.get(scheme)?.item,
    names: () => [...registry.endpointSchemes.keys()].sort(),
  };
}

/**
 * Opens a URL or local path with the registry's schemes: the one way from a
 * URL to an endpoint, for workflows, one-off commands and plugin commands alike.
 *
 * @example
 * ```ts
 * const ep = await openUrl(registry, "memory://demo", {});
 * ```
 */
export async function openUrl(
  registry: Registry,
  url: string,
  options: OpenUrlOptions = {},
): Promise<Endpoint> {
  const scheme = urlScheme(url);
  // A built-in plugin known by its manifest is imported now (uftp: on the first uftp:// URL).
  if (scheme !== undefined) await registry.ensure("endpointScheme", scheme);
  return await openEndpoint(
    url,
    { ...options, credentials: options.credentials ?? {} },
    schemeTable(registry),
  );
}

/** What resolving credentials needs. */
export interface AuthOptions {
  /** Where auth methods and schemes are looked up. */
  registry: Registry;
  /** Where `secret:` references are read. */
  secrets: Secrets;
  /** Reads an environment variable (tests pass a map). */
  env: (name: string) => string | undefined;
  /** Whether an auth method may prompt. */
  interactive: boolean;
  /** Directory relative paths (netrc files, CA files) resolve against. */
  baseDir: string;
  /** Aborts credential commands and prompts. */
  signal?: AbortSignal;
}

/**
 * Runs an endpoint's auth method. Without `auth`, the URL's user (and password,
 * discouraged) are used as they are; no user means the protocol's default. An
 * optional netrc look-up (the CLI's default) yields to a password in the URL.
 *
 * @example
 * ```ts
 * await resolveCredentials({ method: "anonymous" }, "ftp://h/", options); // { user: "anonymous", ... }
 * ```
 */
export async function resolveCredentials(
  auth: AuthConfig | undefined,
  url: string,
  options: AuthOptions,
): Promise<Credentials> {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    parsed = new URL("file:///");
  }
  // The CLI's implicit ~/.netrc look-up never overrides a password written in
  // the URL (curl and lftp use the URL's): the netrc method is not given it.
  const urlWins = auth?.method === "netrc" && auth.optional === true && parsed.password !== "";
  if (!auth || urlWins) {
    const user = parsed.username ? decodeURIComponent(parsed.username) : undefined;
    const password = parsed.password ? decodeURIComponent(parsed.password) : undefined;
    options.secrets.add(password);
    return user === undefined ? {} : { user, password };
  }
  await options.registry.ensure("authMethod", auth.method);
  const method = options.registry.authMethods.get(auth.method);
  if (!method) throw new AuthError(`unknown auth method ${JSON.stringify(auth.method)}`);
  const { method: _, ...rest } = auth;
  parsed.password = "";
  const ctx: AuthContext = {
    url: parsed,
    env: options.env,
    interactive: options.interactive,
    secrets: options.secrets,
    baseDir: options.baseDir,
    signal: options.signal,
  };
  const credentials = await method.item.resolve(rest, ctx);
  options.secrets.add(credentials.password);
  if (typeof credentials.token === "string") options.secrets.add(credentials.token);
  return credentials;
}

/**
 * Reads a CA file named in a workflow (relative to its directory).
 *
 * @example
 * ```ts
 * await readCa("certs/ca.pem", "/srv/flows"); // "-----BEGIN CERTIFICATE-----..."
 * ```
 */
export async function readCa(
  path: string | undefined,
  baseDir: string,
): Promise<string | undefined> {
  if (path === undefined) return undefined;
  const file = resolve(baseDir, path);
  try {
    return await Deno.readTextFile(file);
  } catch (e) {
    throw new UsageError(`cannot read CA file ${file}: ${e instanceof Error ? e.message : e}`);
  }
}

/** Options of {@link EndpointPool}. */
export interface PoolOptions extends AuthOptions {
  /** Endpoint names whose missing local root may be created (write targets). */
  create?: ReadonlySet<string>;
  /** Endpoint names used for one file only (see `EndpointOpenOptions.oneFile`). */
  oneFile?: ReadonlySet<string>;
  /** Endpoint names only dry-run jobs use (see `EndpointOpenOptions.dryRun`). */
  dryOnly?: ReadonlySet<string>;
  /** The run's state directory, handed to schemes that keep state (FTP time shifts). */
  stateDir?: string;
  /**
   * After `signal` aborts, how long jobs get to stop on their own (ABOR, the
   * last replies) before every endpoint is closed under them, so a run stops
   * soon even on a server that went silent. Default 500 ms.
   */
  interruptGraceMs?: number;
}

/**
 * The named endpoints of one run: opened on first use (once, even when jobs ask
 * at the same time), closed together at the end.
 *
 * @example
 * ```ts
 * const pool = new EndpointPool(wf.config.endpoints ?? {}, { ...authOptions, create: new Set(["here"]) });
 * const origin = await pool.get("origin");
 * await pool.closeAll();
 * ```
 */
export class EndpointPool {
  readonly #configs: Record<string, EndpointConfig>;
  readonly #options: PoolOptions;
  readonly #open = new Map<string, Promise<Endpoint>>();

  readonly #onAbort = () => {
    this.#interruptTimer = setTimeout(() => {
      log.debug("interrupted: closing the endpoints under the jobs still running", {});
      void this.closeAll();
    }, this.#options.interruptGraceMs ?? 500);
  };
  #interruptTimer?: ReturnType<typeof setTimeout>;

  /** Makes a pool over the workflow's endpoint configs; nothing opens until first use. */
  constructor(configs: Record<string, EndpointConfig>, options: PoolOptions) {
    this.#configs = configs;
    this.#options = options;
    options.signal?.addEventListener("abort", this.#onAbort, { once: true });
  }

  /**
   * The opened endpoint `name`. A failed open is forgotten, so the next call
   * (a job's retry) connects again instead of getting the same rejection.
   *
   * @example
   * ```ts
   * const origin = await pool.get("origin");
   * ```
   */
  get(name: string): Promise<Endpoint> {
    // An interrupted run opens nothing more (and nothing it would not close).
    if (this.#options.signal?.aborted) return Promise.reject(this.#options.signal.reason);
    return onceUnlessFailed(this.#open, name, async () => {
      const endpoint = await this.#openOne(name);
      this.#names.set(endpoint, name);
      return endpoint;
    });
  }

  readonly #names = new WeakMap<Endpoint, string>();

  /**
   * The name an endpoint this pool opened has in the workflow (a queue's tasks
   * carry names, never open connections or credentials).
   *
   * @example
   * ```ts
   * pool.nameOf(await pool.get("origin")); // "origin"
   * ```
   */
  nameOf(endpoint: Endpoint): string | undefined {
    return this.#names.get(endpoint);
  }

  readonly #credentials = new Map<string, Promise<Credentials>>();

  #credentialsOf(name: string, config: EndpointConfig): Promise<Credentials> {
    return onceUnlessFailed(
      this.#credentials,
      name,
      () => resolveCredentials(config.auth, config.url, this.#options),
    );
  }

  /**
   * Asks for interactive credentials (`method: prompt`) of these endpoints now,
   * one after the other, before any progress display starts drawing.
   *
   * @example
   * ```ts
   * await pool.promptFirst(["origin", "here"]);
   * ```
   */
  async promptFirst(names: Iterable<string>): Promise<void> {
    for (const name of new Set(names)) {
      const config = this.#configs[name];
      if (config?.auth?.method === "prompt") await this.#credentialsOf(name, config);
    }
  }

  async #openOne(name: string): Promise<Endpoint> {
    const config = this.#configs[name];
    if (!config) throw new UsageError(`unknown endpoint ${JSON.stringify(name)}`);
    const credentials = await this.#credentialsOf(name, config);
    log.debug("opening endpoint {name}", { name });
    return await openUrl(this.#options.registry, config.url, {
      credentials,
      cwd: this.#options.baseDir,
      create: this.#options.create?.has(name) ?? false,
      ...(this.#options.oneFile?.has(name) ? { oneFile: true } : {}),
      ...(this.#options.dryOnly?.has(name) ? { dryRun: true } : {}),
      timeShift: config.timeShift === undefined ? undefined : parseTimeShift(config.timeShift),
      tls: config.tls && { ...config.tls, ca: await readCa(config.tls.ca, this.#options.baseDir) },
      maxConnections: config.maxConnections,
      timeout: config.timeout === undefined ? undefined : parseDuration(config.timeout) / 1000,
      // The FTP endpoint remembers `timeShift: auto` results in the state dir.
      options: {
        ...(this.#options.stateDir ? { stateDir: this.#options.stateDir } : {}),
        ...config.options,
      },
      secrets: this.#options.secrets,
      signal: this.#options.signal,
    });
  }

  /**
   * Closes every endpoint that was opened; errors are logged, not thrown. Also
   * done by itself shortly after the run's signal aborted (`interruptGraceMs`).
   *
   * @example
   * ```ts
   * await pool.closeAll();
   * ```
   */
  async closeAll(): Promise<void> {
    this.#options.signal?.removeEventListener("abort", this.#onAbort);
    // Only when one was set: the global clearTimeout is node:timers', whose first
    // use starts Deno's Node layer (~10 ms at the end of a run that needed none).
    if (this.#interruptTimer !== undefined) clearTimeout(this.#interruptTimer);
    const opened = [...this.#open.entries()];
    this.#open.clear();
    // A second call (the run's end after an interrupt closed them) waits for the first.
    this.#closing.push(Promise.all(opened.map(async ([name, p]) => {
      try {
        await (await p).close();
      } catch (e) {
        log.debug("closing endpoint {name}: {error}", { name, error: String(e) });
      }
    })));
    await Promise.all(this.#closing);
  }

  readonly #closing: Promise<unknown>[] = [];
}

/**
 * The promise kept under `key`, made by `make` when there is none; a promise
 * that rejects is removed again, so only successes are shared.
 */
function onceUnlessFailed<T>(
  cache: Map<string, Promise<T>>,
  key: string,
  make: () => Promise<T>,
): Promise<T> {
  const kept = cache.get(key);
  if (kept) return kept;
  const made = make();
  cache.set(key, made);
  made.catch(() => {
    if (cache.get(key) === made) cache.delete(key);
  });
  return made;
}
