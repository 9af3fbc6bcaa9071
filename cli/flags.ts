/**
 * Parsed command-line flags turned into configuration (auth, endpoint, job,
 * compare, filter and queue entries), without commander: `get`, `put` and
 * `mirror` run from arguments parsed by hand (cli/quick.ts) and must not load it.
 * @module
 */
import type { AuthConfig, EndpointConfig, JobCommonConfig } from "../workflow/types.ts";
import { urlScheme } from "../workflow/validate.ts";

// deno-lint-ignore no-explicit-any
type Opts = Record<string, any>;

/**
 * The queue URL from `--queue`, else `FERRY_QUEUE` (also for `run` and
 * `mirror`, where no URL means the in-process executor).
 *
 * @example
 * ```ts
 * queueFrom({ queue: "redis://127.0.0.1:6379" }); // "redis://127.0.0.1:6379"
 * ```
 */
export function queueFrom(opts: { queue?: string }): string | undefined {
  return opts.queue ?? (Deno.env.get("FERRY_QUEUE") || undefined);
}

/**
 * Job options from {@link withCompareOptions}'s flags (only those given).
 *
 * @example
 * ```ts
 * compareFromOptions({ maxDelete: "10", compare: "size" }); // { maxDelete: 10, compare: "size" }
 * ```
 */
export function compareFromOptions(o: Opts): Record<string, unknown> {
  const maxDelete = maxDeleteOption(o.maxDelete as string | undefined);
  return {
    ...(maxDelete !== undefined ? { maxDelete } : {}),
    ...(o.compare ? { compare: o.compare } : {}),
  };
}

/**
 * The auth config the flags ask for, or undefined for "URL's user, else protocol default".
 * Without any flag, remote URLs look in ~/.netrc first (as lftp does), unless
 * `--no-netrc`; a user without a password source is asked at the terminal (as curl does).
 *
 * @example
 * ```ts
 * authFromOptions({ user: "bob", passwordEnv: "PW" }); // { method: "password", user: "bob", passwordEnv: "PW" }
 * ```
 */
export function authFromOptions(o: Opts): AuthConfig | undefined {
  const user = o.user as string | undefined;
  const withUser = (a: AuthConfig) => (user === undefined ? a : { ...a, user });
  if (o.anonymous) return { method: "anonymous" };
  if (o.passwordEnv) return withUser({ method: "password", passwordEnv: o.passwordEnv });
  if (o.passwordFile) return withUser({ method: "password", passwordFile: o.passwordFile });
  if (o.passwordCommand) return withUser({ method: "command", command: o.passwordCommand });
  if (o.askPassword) return withUser({ method: "prompt" });
  if (typeof o.netrc === "string") return withUser({ method: "netrc", file: o.netrc });
  if (o.netrc === true) return withUser({ method: "netrc" });
  if (user !== undefined) return { method: "prompt", user };
  if (o.netrc === false) return undefined;
  return { method: "netrc", optional: true };
}

/**
 * An endpoint entry for a URL or path given on the command line.
 *
 * @example
 * ```ts
 * endpointFromOptions("ftpes://h/pub", { ca: "ca.pem" }); // { url, auth: {...}, tls: { ca: "ca.pem" } }
 * endpointFromOptions("./mirror", {});                    // { url: "./mirror" }
 * ```
 */
export function endpointFromOptions(url: string, o: Opts): EndpointConfig {
  const scheme = urlScheme(url);
  if (scheme === undefined || scheme === "file" || scheme === "memory") return { url };
  const ep: EndpointConfig = { url };
  const auth = authFromOptions(o);
  if (auth) ep.auth = auth;
  const tls: EndpointConfig["tls"] = {};
  if (o.ca) tls.ca = o.ca;
  if (o.insecure) tls.insecure = true;
  if (o.tls && scheme === "ftp") tls.mode = o.tls;
  if (Object.keys(tls).length > 0) ep.tls = tls;
  if (o.timeShift !== undefined) {
    ep.timeShift = /^[+-]?\d+(\.\d+)?$/.test(o.timeShift) ? Number(o.timeShift) : o.timeShift;
  }
  if (o.connections !== undefined) ep.maxConnections = o.connections;
  if (o.netTimeout !== undefined) ep.timeout = o.netTimeout;
  if (o.mlsd === false) ep.options = { ...ep.options, useMlsd: false };
  return ep;
}

/**
 * Job-wide options from flags.
 *
 * @example
 * ```ts
 * jobCommonFromOptions({ dryRun: true, parallel: 8 }); // { dryRun: true, parallel: 8 }
 * ```
 */
export function jobCommonFromOptions(o: Opts): JobCommonConfig {
  const out: JobCommonConfig = {};
  if (o.dryRun) out.dryRun = true;
  if (o.parallel !== undefined) out.parallel = o.parallel;
  if (o.segments !== undefined) out.segments = o.segments;
  if (o.retries !== undefined) out.retries = o.retries;
  if (o.retryDelay !== undefined) out.retryDelay = o.retryDelay;
  if (o.timeout !== undefined) out.timeout = o.timeout;
  return out;
}

/**
 * `--max-delete` as the workflow takes it: a count, or a percentage string.
 *
 * @example
 * ```ts
 * maxDeleteOption("12"); // 12
 * maxDeleteOption("10%"); // "10%"
 * ```
 */
function maxDeleteOption(value: string | undefined): number | string | undefined {
  if (value === undefined) return undefined;
  return /^\d+$/.test(value) ? Number(value) : value;
}

/**
 * Filter options from flags (only those given).
 *
 * @example
 * ```ts
 * filtersFromOptions({ exclude: ["*.tmp"] }); // { exclude: ["*.tmp"] }
 * ```
 */
export function filtersFromOptions(o: Opts): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const k of ["include", "exclude", "minSize", "maxSize", "symlinks"]) {
    if (o[k] !== undefined) out[k] = o[k];
  }
  return out;
}
