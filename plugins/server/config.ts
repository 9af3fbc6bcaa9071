/**
 * `ferry serve` configuration: what a `server.yaml` (or `.json`) holds, its
 * validation with messages that name the key, and its translation into
 * {@link FtpServerOptions}. Times are in seconds here, as operators write them.
 * @module
 */
import { type Endpoint, isEndpointUrl, parseDuration } from "../../plugin.ts";
import { yaml } from "../../deps/yaml.ts";
import { VirtualAuthorizer } from "./authorizers.ts";
import { loadCredentials } from "./credentials.ts";
import { FtpServerError } from "./errors.ts";
import { type FtpServerOptions, TRANSFER_CHUNK_RANGE } from "./options.ts";
import { checkPerm, WRITE_PERMS } from "./permissions.ts";

/** One user of the `users:` list. */
export interface UserConfig {
  name: string;
  /** `$scrypt$...` (or FsTPy MD5 hex). */
  passwordHash?: string;
  /**
   * Clear text, only from `-u/-P` (pyftpdlib's quick start: the password is on
   * the command line anyway); never accepted from a file.
   */
  password?: string;
  /** Home inside the served endpoint, or an endpoint URL. */
  home?: string;
  perm?: string;
  loginMessage?: string;
  quitMessage?: string;
  overrides?: { directory: string; perm: string; recursive?: boolean }[];
}

/** The whole configuration; every key is optional. */
export interface ServeConfig {
  /** Directory or endpoint URL to serve (default: the current directory). */
  root?: string;
  interface?: string;
  port?: number;
  banner?: string;
  /** `"60000-60100"` or `[60000, 60100]`. */
  passivePorts?: string | [number, number];
  masquerade?: string;
  masqueradeMap?: Record<string, string>;
  permitForeignAddresses?: boolean;
  permitPrivilegedPorts?: boolean;
  maxConnections?: number;
  maxConnectionsPerIp?: number;
  maxLoginAttempts?: number;
  /** Durations: a number of seconds or a string with its unit (`500ms`, `30s`, `5m`, `1h`), as in workflows. */
  authFailedDelay?: number | string;
  idleTimeout?: number | string;
  dataTimeout?: number | string;
  dataConnectTimeout?: number | string;
  tls?: {
    cert: string;
    key: string;
    implicit?: boolean;
    controlRequired?: boolean;
    dataRequired?: boolean;
    requireSessionReuse?: boolean;
    handshakeTimeout?: number;
    minVersion?: "TLSv1.2" | "TLSv1.3";
    maxVersion?: "TLSv1.2" | "TLSv1.3";
  };
  atomicUploads?: boolean;
  /** Bytes per transfer chunk (a stalled transfer holds one or two). */
  transferChunkSize?: number;
  /** Give freed memory back to the OS when no transfer runs (default true). */
  trimMemory?: boolean;
  /** Bytes per second per session. */
  readLimit?: number;
  writeLimit?: number;
  /** `true` (read-only at the root), `false`, or `{home, perm}`. */
  anonymous?: boolean | { home?: string; perm?: string };
  /** FsTPy-style credentials file. */
  credentials?: string;
  users?: UserConfig[];
}

const KEYS: Record<keyof ServeConfig, string> = {
  root: "string",
  interface: "string",
  port: "port",
  banner: "string",
  passivePorts: "range",
  masquerade: "string",
  masqueradeMap: "map",
  permitForeignAddresses: "boolean",
  permitPrivilegedPorts: "boolean",
  maxConnections: "count",
  maxConnectionsPerIp: "count",
  maxLoginAttempts: "count",
  authFailedDelay: "seconds",
  idleTimeout: "seconds",
  dataTimeout: "seconds",
  dataConnectTimeout: "seconds",
  tls: "tls",
  atomicUploads: "boolean",
  transferChunkSize: "chunk",
  trimMemory: "boolean",
  readLimit: "count",
  writeLimit: "count",
  anonymous: "anonymous",
  credentials: "string",
  users: "users",
};

/**
 * A configuration problem; the message names the file and the key.
 *
 * @example
 * ```ts
 * throw new ServeConfigError("server.yaml: port: expected a port number");
 * ```
 */
export class ServeConfigError extends FtpServerError {
  constructor(message: string) {
    super(message, { code: "ESERVERCONFIG" });
  }
}

function fail(where: string, msg: string): never {
  throw new ServeConfigError(`${where}: ${msg}`);
}

/**
 * A duration key in milliseconds: a number of seconds (as ever) or a string
 * with its unit (`500ms`, `30s`, `5m`), the one rule of every ferry config.
 *
 * @example
 * ```ts
 * durationMs(30, "idleTimeout");    // 30000
 * durationMs("500ms", "dataTimeout"); // 500
 * ```
 */
export function durationMs(value: unknown, where: string): number {
  if (typeof value === "number" && value >= 0) return Math.round(value * 1000);
  if (typeof value === "string") {
    try {
      return parseDuration(value);
    } catch {
      // the message below names the key
    }
  }
  return fail(where, "expected seconds or a duration such as 500ms, 30s, 5m");
}

/**
 * Parses `"60000-60100"` or `[60000, 60100]` into an inclusive range.
 *
 * @example
 * ```ts
 * parseRange("60000-60100"); // [60000, 60100]
 * ```
 */
export function parseRange(v: unknown, where = "passivePorts"): [number, number] {
  const pair = typeof v === "string" ? v.split("-").map((x) => Number(x.trim())) : v;
  if (
    !Array.isArray(pair) || pair.length !== 2 ||
    !pair.every((n) => Number.isInteger(n) && n >= 1 && n <= 65535) || pair[0] > pair[1]
  ) {
    fail(where, `expected FROM-TO ports (1-65535), got ${JSON.stringify(v)}`);
  }
  return [pair[0], pair[1]];
}

/**
 * Checks a parsed configuration object and returns it typed; unknown keys and
 * wrong types are errors (a typo must not silently weaken a server).
 *
 * @example
 * ```ts
 * validateConfig({ port: 2121, anonymous: true }, "server.yaml");
 * ```
 */
export function validateConfig(raw: unknown, file = "config"): ServeConfig {
  if (raw === null || raw === undefined) return {};
  if (typeof raw !== "object" || Array.isArray(raw)) fail(file, "expected a mapping at the top");
  const o = raw as Record<string, unknown>;
  for (const [key, value] of Object.entries(o)) {
    const kind = KEYS[key as keyof ServeConfig];
    const where = `${file}: ${key}`;
    if (!kind) fail(file, `unknown key ${JSON.stringify(key)}`);
    switch (kind) {
      case "string":
        if (typeof value !== "string") fail(where, "expected a string");
        break;
      case "boolean":
        if (typeof value !== "boolean") fail(where, "expected true or false");
        break;
      case "port":
        if (!Number.isInteger(value) || (value as number) < 0 || (value as number) > 65535) {
          fail(where, "expected a port number");
        }
        break;
      case "count":
        if (typeof value !== "number" || !(value >= 0)) fail(where, "expected a number >= 0");
        break;
      case "chunk": {
        const [min, max] = TRANSFER_CHUNK_RANGE;
        if (!Number.isInteger(value) || (value as number) < min || (value as number) > max) {
          fail(where, `expected a whole number of bytes from ${min} to ${max}`);
        }
        break;
      }
      case "seconds":
        durationMs(value, where);
        break;
      case "range":
        parseRange(value, where);
        break;
      case "map":
        if (typeof value !== "object" || value === null || Array.isArray(value)) {
          fail(where, "expected a mapping of local address to advertised address");
        }
        break;
      case "tls": {
        const t = value as Record<string, unknown>;
        if (
          typeof t !== "object" || t === null || typeof t.cert !== "string" ||
          typeof t.key !== "string"
        ) {
          fail(where, "expected {cert: FILE, key: FILE, ...}");
        }
        break;
      }
      case "anonymous":
        if (typeof value !== "boolean" && (typeof value !== "object" || value === null)) {
          fail(where, "expected true, false or {home, perm}");
        }
        if (typeof value === "object" && value && "perm" in value) {
          checkPermAt(where, (value as { perm: unknown }).perm);
        }
        break;
      case "users":
        if (!Array.isArray(value)) fail(where, "expected a list of users");
        (value as unknown[]).forEach((u, i) => {
          const at = `${where}[${i}]`;
          const user = u as Record<string, unknown>;
          if (typeof user?.name !== "string") fail(at, "name is required");
          if (user.password !== undefined) {
            fail(
              at,
              "clear-text passwords are not accepted: use passwordHash (`ferry serve hash-password`)",
            );
          }
          if (typeof user.passwordHash !== "string") {
            fail(at, "passwordHash is required (make one with `ferry serve hash-password`)");
          }
          if (user.perm !== undefined) checkPermAt(at, user.perm);
        });
        break;
    }
  }
  return o as ServeConfig;
}

function checkPermAt(where: string, perm: unknown) {
  if (typeof perm !== "string") fail(where, "perm must be a string of letters");
  try {
    checkPerm(perm);
  } catch (e) {
    fail(where, (e as Error).message);
  }
}

/**
 * Reads and validates a `server.yaml` / `server.json`.
 *
 * @example
 * ```ts
 * const config = await readConfig("server.yaml");
 * ```
 */
export async function readConfig(file: string): Promise<ServeConfig> {
  let text: string;
  try {
    text = await Deno.readTextFile(file);
  } catch (e) {
    throw new ServeConfigError(`cannot read ${file}: ${(e as Error).message}`);
  }
  let raw: unknown;
  try {
    raw = yaml.parse(text);
  } catch (e) {
    throw new ServeConfigError(`${file}: not valid YAML: ${(e as Error).message}`);
  }
  return validateConfig(raw, file);
}

/** What {@link buildServerOptions} needs from outside. */
export interface BuildContext {
  /** Opens the served root or a user's home URL. */
  open(urlOrPath: string): Promise<Endpoint>;
  /** Reads a file named in the configuration (certificates). */
  readTextFile?(path: string): Promise<string>;
  /** Warnings for the operator (anonymous write...). */
  warn(message: string): void;
}

/**
 * Turns a configuration into server options, opening every endpoint it names.
 * The returned `endpoints` must be closed after the server.
 *
 * @example
 * ```ts
 * const { options, endpoints } = await buildServerOptions(config, ctx);
 * const srv = await startFtpServer(options);
 * ```
 */
export async function buildServerOptions(
  config: ServeConfig,
  ctx: BuildContext,
): Promise<{ options: FtpServerOptions; endpoints: Endpoint[]; describe: string[] }> {
  const readText = ctx.readTextFile ?? ((p: string) => Deno.readTextFile(p));
  // A certificate or key file that cannot be read is a configuration the server
  // refuses (a usage error, exit 2, as a --config file that is not there), naming it.
  const read = async (p: string, what: string) => {
    try {
      return await readText(p);
    } catch (e) {
      throw new ServeConfigError(`cannot read the TLS ${what} file ${p}: ${(e as Error).message}`);
    }
  };
  const endpoints: Endpoint[] = [];
  const describe: string[] = [];
  const endpoint = await ctx.open(config.root ?? ".");
  endpoints.push(endpoint);
  let authorizer = new VirtualAuthorizer();
  if (config.credentials) {
    const loaded = await loadCredentials(config.credentials, authorizer);
    authorizer = loaded.authorizer;
    endpoints.push(...loaded.endpoints);
    describe.push(`users from ${config.credentials}`);
  }
  for (const u of config.users ?? []) {
    let home = u.home ?? "/";
    let userEndpoint: Endpoint | undefined;
    if (isEndpointUrl(home)) {
      userEndpoint = await ctx.open(home);
      endpoints.push(userEndpoint);
      home = "/";
    }
    authorizer.addUser(u.name, {
      password: u.password,
      passwordHash: u.passwordHash,
      home,
      perm: u.perm,
      endpoint: userEndpoint,
      loginMessage: u.loginMessage,
      quitMessage: u.quitMessage,
    });
    for (const o of u.overrides ?? []) {
      authorizer.overridePerm(u.name, o.directory, o.perm, o.recursive ?? false);
    }
    describe.push(`user ${u.name} (${u.perm ?? "elr"})`);
  }
  const anon = config.anonymous;
  if (anon) {
    const a = anon === true ? {} : anon;
    const perm = a.perm ?? "elr";
    if ([...perm].some((c) => WRITE_PERMS.includes(c))) {
      ctx.warn(`anonymous users can write (${perm}): anyone can change files`);
    }
    authorizer.addAnonymous({ home: a.home ?? "/", perm });
    describe.push(`anonymous (${perm})`);
  }
  const sec = (s: number | string | undefined) => s === undefined ? undefined : durationMs(s, "");
  const t = config.tls;
  const options: FtpServerOptions = {
    endpoint,
    authorizer,
    host: config.interface,
    port: config.port,
    banner: config.banner,
    passivePorts: config.passivePorts === undefined ? undefined : parseRange(config.passivePorts),
    masqueradeAddress: config.masquerade,
    masqueradeAddressMap: config.masqueradeMap,
    permitForeignAddresses: config.permitForeignAddresses,
    permitPrivilegedPorts: config.permitPrivilegedPorts,
    maxConnections: config.maxConnections,
    maxConnectionsPerIp: config.maxConnectionsPerIp,
    maxLoginAttempts: config.maxLoginAttempts,
    authFailedDelayMs: sec(config.authFailedDelay),
    idleTimeoutMs: sec(config.idleTimeout),
    dataTimeoutMs: sec(config.dataTimeout),
    dataConnectTimeoutMs: sec(config.dataConnectTimeout),
    tls: t
      ? {
        cert: await read(t.cert, "certificate"),
        key: await read(t.key, "key"),
        minVersion: t.minVersion,
        maxVersion: t.maxVersion,
      }
      : undefined,
    implicitTls: t?.implicit,
    tlsControlRequired: t?.controlRequired,
    tlsDataRequired: t?.dataRequired,
    requireTlsSessionReuse: t?.requireSessionReuse,
    tlsHandshakeTimeoutMs: sec(t?.handshakeTimeout),
    atomicUploads: config.atomicUploads,
    transferChunkSize: config.transferChunkSize,
    trimMemory: config.trimMemory,
    readLimit: config.readLimit,
    writeLimit: config.writeLimit,
  };
  return { options, endpoints, describe };
}
