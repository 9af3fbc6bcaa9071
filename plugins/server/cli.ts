/**
 * `ferry serve [DIR|ENDPOINT_URL]` with pyftpdlib's quick-start flags, and
 * `ferry serve hash-password`. Flags override the `--config` file.
 * @module
 */
import { parseArgs } from "node:util";
import {
  type CommandContext,
  type Endpoint,
  isEndpointUrl,
  LocalEndpoint,
  logger,
  NotADirectoryError,
  NotFoundError,
  openEndpoint,
  type PluginCommand,
  UsageError,
} from "../../plugin.ts";
import { type Authorizer, ChainAuthorizer } from "./authorizers.ts";
import {
  buildServerOptions,
  durationMs,
  parseRange,
  readConfig,
  type ServeConfig,
} from "./config.ts";
import { FtpServerError } from "./errors.ts";
import { hashPassword, md5Password } from "../../plugin.ts";
import { startFtpServer } from "./server.ts";
import { relaunchWithServerFlags } from "./relaunch.ts";

const log = logger("server");

/** The help text of `ferry serve`. */
export const SERVE_HELP = `Usage: ferry serve [options] [DIR|ENDPOINT_URL]
       ferry serve hash-password [--md5] [PASSWORD]   (reads stdin when no PASSWORD)

Serve a directory (default: the current one) or any endpoint over FTP/FTPS.
Without -u or --credentials, anonymous users get read-only access.

  -i, --interface ADDR      address to listen on (default 0.0.0.0)
  -p, --port PORT           port (default 2121; 0 picks a free one)
  -d, --directory DIR       what to serve (same as the argument)
  -w, --write               give anonymous users write access (with a warning)
  -u, --username NAME       a user with full access (instead of anonymous)
  -P, --password PASS       that user's password (default: $FERRY_SERVE_PASSWORD,
                            which keeps it out of the process list)
  -r, --range FROM-TO       passive ports, e.g. 60000-60100
  -D, --debug               log every command (passwords masked)
      --tls-cert FILE       certificate (PEM); enables AUTH TLS
      --tls-key FILE        its private key (PEM)
      --implicit-tls        TLS from the first byte (ftps://)
      --tls-control-required   refuse login before AUTH TLS
      --tls-data-required      refuse data connections before PROT P
      --tls-reuse-required     data connections must resume the TLS session
      --credentials FILE    users, FsTPy format: user;hash;root;perms;login msg;logout msg
      --authorizer NAME     logins also decided by a plugin's authorizer (load it with --plugin)
      --authorizer-option K=V   an option for that authorizer (repeatable)
      --masquerade ADDR     IPv4 address to advertise in PASV replies (NAT)
      --max-cons N          max connections (default 512, 0 = unlimited)
      --max-cons-per-ip N   max connections per IP (default 0 = unlimited)
      --timeout DURATION    idle timeout: seconds, or 30s, 5m (default 300)
      --banner TEXT         the 220 greeting
      --config FILE         server.yaml / server.json with everything else
  -h, --help                this text

Serving an ENDPOINT_URL, its credentials and TLS come from the flags every remote
command takes (ferry mirror's): --user NAME, --password-env VAR, --password-file F,
--password-command CMD, --ask-password, --netrc[=FILE] (~/.netrc is tried by default),
--no-netrc, --ca FILE, --insecure, --tls MODE; and the logging flags -v, -q, --debug,
--log-format, --log-file, before or after "serve". (-u/-P name the server's own user.)
`;

const OPTIONS = {
  interface: { type: "string", short: "i" },
  port: { type: "string", short: "p" },
  directory: { type: "string", short: "d" },
  write: { type: "boolean", short: "w" },
  username: { type: "string", short: "u" },
  password: { type: "string", short: "P" },
  range: { type: "string", short: "r" },
  debug: { type: "boolean", short: "D" },
  "tls-cert": { type: "string" },
  "tls-key": { type: "string" },
  "implicit-tls": { type: "boolean" },
  "tls-control-required": { type: "boolean" },
  "tls-data-required": { type: "boolean" },
  "tls-reuse-required": { type: "boolean" },
  credentials: { type: "string" },
  authorizer: { type: "string" },
  "authorizer-option": { type: "string", multiple: true },
  masquerade: { type: "string" },
  "max-cons": { type: "string" },
  "max-cons-per-ip": { type: "string" },
  timeout: { type: "string" },
  banner: { type: "string" },
  config: { type: "string" },
  help: { type: "boolean", short: "h" },
} as const;

/** What {@link parseServeArgs} produces. */
export interface ServeArgs {
  config: ServeConfig;
  /** Config file to read first (flags override it). */
  configFile?: string;
  username?: string;
  password?: string;
  write: boolean;
  debug: boolean;
  help: boolean;
  /** A plugin authorizer's name (`--authorizer`) and its options. */
  authorizer?: string;
  authorizerOptions: Record<string, string>;
}

function int(name: string, v: string | undefined): number | undefined {
  if (v === undefined) return undefined;
  const n = Number(v);
  if (!Number.isInteger(n) || n < 0) {
    throw new UsageError(`--${name}: expected a whole number, got ${v}`);
  }
  return n;
}

/** `-p`/`--port`: 0 (any free port) to 65535, told before anything listens. */
function port(v: string | undefined): number | undefined {
  if (v === undefined) return undefined;
  const n = Number(v);
  if (!Number.isInteger(n) || n < 0 || n > 65535) {
    throw new UsageError(`--port: expected a port number (0-65535), got ${v}`);
  }
  return n;
}

/**
 * node:util's parseArgs refusal as one line (its own message names the option;
 * its advice about `--` is left out).
 */
function argsRefused(error: unknown): UsageError {
  const first = (error as Error).message.split(/\.(\s|$)/)[0];
  return new UsageError(`${first} (ferry serve --help lists the options)`);
}

/**
 * A configuration the server refuses (a --config file's key, a combination of
 * settings, a user listed twice) is invalid input: the command's usage error
 * (exit 2), as every command's; anything else (a port in use) stays as it is.
 */
function refusedConfig(error: unknown): unknown {
  return error instanceof FtpServerError && error.code === "ESERVERCONFIG"
    ? new UsageError(error.message)
    : error;
}

/** The variable `-u NAME` takes its password from when no `-P` is given. */
export const SERVE_PASSWORD_ENV = "FERRY_SERVE_PASSWORD";

/**
 * Parses the arguments of `ferry serve` (no I/O). `env.password` is the
 * value of {@link SERVE_PASSWORD_ENV}: `-u NAME`'s password when no `-P`.
 *
 * @example
 * ```ts
 * parseServeArgs(["-p", "0", "-w", "/srv/ftp"]).config; // { port: 0, root: "/srv/ftp", ... }
 * parseServeArgs(["-u", "bob"], { password: "pw" }).password; // "pw"
 * ```
 */
export function parseServeArgs(args: string[], env: { password?: string } = {}): ServeArgs {
  let parsed;
  try {
    parsed = parseArgs({ args, options: OPTIONS, allowPositionals: true, strict: true });
  } catch (e) {
    throw argsRefused(e);
  }
  const v = parsed.values;
  if (parsed.positionals.length > 1) {
    throw new UsageError(`serve takes one DIR or URL, got ${parsed.positionals.join(" ")}`);
  }
  if (v.username === undefined && v.password !== undefined) {
    throw new UsageError("-P/--password needs -u/--username");
  }
  const password = v.username === undefined ? undefined : v.password ?? (env.password || undefined);
  if (v.username !== undefined && password === undefined) {
    throw new UsageError(
      `-u/--username needs a password: -P/--password or ${SERVE_PASSWORD_ENV} (the variable ` +
        "keeps it out of the process list)",
    );
  }
  if ((v["tls-cert"] === undefined) !== (v["tls-key"] === undefined)) {
    throw new UsageError("--tls-cert and --tls-key go together");
  }
  const c: ServeConfig = {};
  const root = parsed.positionals[0] ?? v.directory;
  if (root !== undefined) c.root = root;
  if (v.interface !== undefined) c.interface = v.interface;
  if (v.port !== undefined) c.port = port(v.port);
  if (v.range !== undefined) c.passivePorts = parseRange(v.range, "--range");
  if (v.masquerade !== undefined) c.masquerade = v.masquerade;
  if (v["max-cons"] !== undefined) c.maxConnections = int("max-cons", v["max-cons"]);
  if (v["max-cons-per-ip"] !== undefined) {
    c.maxConnectionsPerIp = int("max-cons-per-ip", v["max-cons-per-ip"]);
  }
  if (v.timeout !== undefined) {
    // Checked here so the message names the flag; a bare number is seconds.
    c.idleTimeout = /^\d+(\.\d+)?$/.test(v.timeout) ? Number(v.timeout) : v.timeout;
    durationMs(c.idleTimeout, "--timeout");
  }
  if (v.banner !== undefined) c.banner = v.banner;
  if (v.credentials !== undefined) c.credentials = v.credentials;
  if (v["tls-cert"] !== undefined) {
    c.tls = {
      cert: v["tls-cert"],
      key: v["tls-key"]!,
      implicit: v["implicit-tls"],
      controlRequired: v["tls-control-required"],
      dataRequired: v["tls-data-required"],
      requireSessionReuse: v["tls-reuse-required"],
    };
  } else if (v["implicit-tls"] || v["tls-control-required"] || v["tls-data-required"]) {
    throw new UsageError("TLS options need --tls-cert and --tls-key");
  }
  const authorizerOptions: Record<string, string> = {};
  for (const pair of v["authorizer-option"] ?? []) {
    const eq = pair.indexOf("=");
    if (eq <= 0) {
      throw new UsageError(`--authorizer-option wants KEY=VALUE, got ${pair}`);
    }
    authorizerOptions[pair.slice(0, eq)] = pair.slice(eq + 1);
  }
  if (v["authorizer-option"] && v.authorizer === undefined) {
    throw new UsageError("--authorizer-option needs --authorizer");
  }
  return {
    config: c,
    configFile: v.config,
    authorizer: v.authorizer,
    authorizerOptions,
    username: v.username,
    password,
    write: v.write ?? false,
    debug: v.debug ?? false,
    help: v.help ?? false,
  };
}

/** Merges flags over a config file: flags win, `tls` merges key by key. */
function merge(file: ServeConfig, flags: ServeConfig): ServeConfig {
  const out: ServeConfig = { ...file, ...flags };
  if (file.tls && flags.tls) out.tls = { ...file.tls, ...flags.tls };
  return out;
}

async function runServe(args: string[], context?: CommandContext): Promise<number> {
  try {
    return await serve(args, context);
  } catch (error) {
    throw refusedConfig(error);
  }
}

/** `ferry serve`: serves until the CLI's signal (or SIGINT/SIGTERM); 0 once stopped. */
async function serve(args: string[], context?: CommandContext): Promise<number> {
  const a = parseServeArgs(args, { password: Deno.env.get(SERVE_PASSWORD_ENV) });
  if (a.help) {
    console.log(SERVE_HELP);
    return 0;
  }
  // Once, before anything is served: V8's young generation sized for many sessions.
  relaunchWithServerFlags();
  if (a.debug) {
    if (context?.enableDebug) await context.enableDebug();
    else log.warn("-D: the command trace is logged at debug level; configure logging to see it");
  }
  let config = a.configFile ? merge(await readConfig(a.configFile), a.config) : a.config;
  config = { interface: "0.0.0.0", port: 2121, ...config };
  if (a.username !== undefined) {
    // pyftpdlib's -u/-P: one user with every permission. The password is in
    // this process's argv or environment anyway, so it is compared as clear text
    // in constant time (a hash would only make every login pay for it: issue 11,
    // 14 x pyftpdlib).
    config.users = [...(config.users ?? []), {
      name: a.username,
      password: a.password!,
      perm: "elradfmwMT",
    }];
  }
  if (
    config.anonymous === undefined && !config.users?.length && !config.credentials && !a.authorizer
  ) {
    config.anonymous = { home: "/", perm: a.write ? "elradfmwMT" : "elr" };
  } else if (a.write && config.anonymous) {
    config.anonymous = {
      ...(config.anonymous === true ? {} : config.anonymous),
      perm: "elradfmwMT",
    };
  }
  const open = async (target: string): Promise<Endpoint> => {
    const ep = !isEndpointUrl(target)
      ? new LocalEndpoint(target)
      : context
      ? await context.openEndpoint(target)
      : await openEndpoint(target);
    if (ep instanceof LocalEndpoint) await needDirectory(ep, target);
    return ep;
  };
  const { options, endpoints, describe } = await buildServerOptions(config, {
    open,
    warn: (m) => log.warn(m),
  });
  if (a.authorizer) {
    options.authorizer = new ChainAuthorizer([
      await pluginAuthorizer(a.authorizer, a.authorizerOptions, context),
      options.authorizer,
    ]);
    describe.push(`authorizer ${a.authorizer}`);
  }
  const srv = await startFtpServer(options);
  const scheme = options.implicitTls ? "ftps" : "ftp";
  console.log(
    `ferry serve: ${scheme}://${srv.address}:${srv.port}/ serving ${endpoints[0].url}` +
      (options.tls && !options.implicitTls ? " (AUTH TLS available)" : "") +
      `; ${describe.join(", ")}`,
  );
  await waitForStop(context?.signal);
  console.log("ferry serve: stopping");
  await srv.close();
  for (const ep of endpoints) await ep.close().catch(() => {});
  return 0;
}

/**
 * A local directory to serve must be there before anything is served: a
 * usage error (exit 2) naming it, where a missing one would otherwise only
 * show as 550s to every client.
 */
async function needDirectory(ep: LocalEndpoint, target: string): Promise<void> {
  try {
    const stat = await ep.stat("");
    if (stat.type === "dir") return;
  } catch (error) {
    if (error instanceof NotFoundError) {
      await ep.close();
      throw new UsageError(`cannot serve ${target}: it does not exist`);
    }
    if (!(error instanceof NotADirectoryError)) throw error;
  }
  await ep.close();
  throw new UsageError(`cannot serve ${target}: it is not a directory`);
}

/** Makes the authorizer a plugin registered under `name`, checking its shape. */
async function pluginAuthorizer(
  name: string,
  options: Record<string, string>,
  context?: CommandContext,
): Promise<Authorizer> {
  const factory = context?.authorizer?.(name);
  if (!factory) {
    throw new UsageError(
      `no plugin provides the authorizer "${name}" (load one with ferry --plugin MODULE serve ...)`,
    );
  }
  const made = await factory.create(options, { secrets: context!.secrets });
  if (typeof (made as Authorizer | undefined)?.authenticate !== "function") {
    throw new FtpServerError(
      `authorizer "${name}" made no object with an authenticate(user, password, context) method`,
    );
  }
  return made as Authorizer;
}

/** Resolves on the CLI's abort signal, or on SIGINT/SIGTERM when run without the CLI. */
function waitForStop(signal?: AbortSignal): Promise<void> {
  if (signal) {
    if (signal.aborted) return Promise.resolve();
    return new Promise((resolve) =>
      signal.addEventListener("abort", () => resolve(), { once: true })
    );
  }
  return new Promise((resolve) => {
    const stop = () => {
      for (const s of ["SIGINT", "SIGTERM"] as const) Deno.removeSignalListener(s, stop);
      resolve();
    };
    for (const s of ["SIGINT", "SIGTERM"] as const) Deno.addSignalListener(s, stop);
  });
}

async function readStdinLine(): Promise<string> {
  const reader = Deno.stdin.readable.pipeThrough(new TextDecoderStream()).getReader();
  let text = "";
  try {
    while (!text.includes("\n")) {
      const { done, value } = await reader.read();
      if (done) break;
      text += value;
    }
  } finally {
    await reader.cancel().catch(() => {});
  }
  return text.split(/\r?\n/)[0];
}

async function runHashPassword(args: string[]): Promise<number> {
  let parsed;
  try {
    parsed = parseArgs({
      args,
      options: { md5: { type: "boolean" }, help: { type: "boolean", short: "h" } },
      allowPositionals: true,
    });
  } catch (error) {
    throw argsRefused(error);
  }
  const { values, positionals } = parsed;
  if (values.help) {
    console.log(SERVE_HELP);
    return 0;
  }
  const password = positionals[0] ?? await readStdinLine();
  if (!password) throw new UsageError("no password given");
  if (values.md5) {
    log.warn("MD5 hashes are unsalted and fast to crack; use them only for FsTPy compatibility");
    console.log(md5Password(password));
  } else console.log(await hashPassword(password));
  return 0;
}

/**
 * The `serve` command of the server plugin.
 *
 * @example
 * ```ts
 * await serveCommand.run(["-p", "0", "./public"]);
 * ```
 */
export const serveCommand: PluginCommand = {
  name: "serve",
  description: "serve a directory or an endpoint over FTP/FTPS",
  usage: "[options] [DIR|ENDPOINT_URL] | hash-password [PASSWORD]",
  // An endpoint URL takes --user, --password-env, --netrc, --ca, --insecure... as `mirror` does.
  endpointFlags: true,
  run(args: string[], context?: CommandContext): Promise<number> {
    return args[0] === "hash-password" ? runHashPassword(args.slice(1)) : runServe(args, context);
  },
};
