/**
 * `ferry uftp-serve [DIR]`: a self-hosted UFTP site for a local directory —
 * the UFTPD and the HTTPS auth service in front of it, with users from flags
 * or a users file. Runs until interrupted.
 * @module
 */
import { parseArgs } from "node:util";
import { type CommandContext, LocalEndpoint, UsageError } from "../../plugin.ts";
import { yaml } from "../../deps/yaml.ts";
import type { AuthUser } from "./authserver/users.ts";
import { startUftpStack } from "./stack.ts";

/** The help text of `ferry uftp-serve`. */
export const UFTP_SERVE_HELP = `Usage: ferry uftp-serve [options] [DIR]

Serve a directory (default: the current one) as a UFTP site: a UFTPD plus
a UNICORE-style auth service on HTTPS. Clients use
  uftp://USER@HOST:AUTH_PORT/rest/auth/NAME:/base/dir
where /base/dir is a directory inside DIR.

  -i, --interface ADDR     address of the FTP and HTTPS ports (default 127.0.0.1)
      --auth-port PORT     HTTPS port of the auth service (default 9000)
      --ftp-port PORT      UFTPD listen port (default 64434)
      --command-port PORT  UFTPD command port, always on 127.0.0.1 (default 64435)
      --name NAME          server name in /rest/auth/NAME (default TEST)
      --prefix PATH        path before /rest/auth (a gateway's site name)
      --cert FILE          certificate chain (PEM) of the auth service (required)
      --key FILE           its private key (PEM) (required)
  -u, --username NAME      a user (password from -P or FERRY_UFTP_PASSWORD)
  -P, --password PASS      that user's password
      --authorized-keys F  SSH public keys that may sign that user's JWTs
      --token TOKEN        a bearer token that stands for that user
      --users FILE         users as YAML/JSON: {name: {password|passwordHash,
                           tokens, sshKeys, authorizedKeys: FILE, uid, groups}}
      --anonymous UID      let anonymous clients in, acting as UID
      --public-host HOST   host name sent to clients (default: the interface)
      --max-streams N      most parallel streams per transfer (default 4)
  -h, --help               this text
`;

const OPTIONS = {
  interface: { type: "string", short: "i" },
  "auth-port": { type: "string" },
  "ftp-port": { type: "string" },
  "command-port": { type: "string" },
  name: { type: "string" },
  prefix: { type: "string" },
  cert: { type: "string" },
  key: { type: "string" },
  username: { type: "string", short: "u" },
  password: { type: "string", short: "P" },
  "authorized-keys": { type: "string" },
  token: { type: "string" },
  users: { type: "string" },
  anonymous: { type: "string" },
  "public-host": { type: "string" },
  "max-streams": { type: "string" },
  help: { type: "boolean", short: "h" },
} as const;

function port(value: string | undefined, fallback: number, what: string): number {
  if (value === undefined) return fallback;
  const n = Number(value);
  if (value.trim() === "" || !Number.isInteger(n) || n < 0 || n > 65535) {
    throw new UsageError(`${what}: expected a port number (0-65535), got ${value}`);
  }
  return n;
}

/** `--max-streams`: a whole number from 1. */
function streams(value: string | undefined): number | undefined {
  if (value === undefined) return undefined;
  const n = Number(value);
  if (value.trim() === "" || !Number.isInteger(n) || n < 1) {
    throw new UsageError(`--max-streams: expected a whole number from 1, got ${value}`);
  }
  return n;
}

/**
 * node:util's parseArgs refusal as one line (its own message names the option;
 * its advice about `--` is left out), as `ferry serve`'s.
 */
function argsRefused(error: unknown): UsageError {
  const first = (error as Error).message.split(/\.(\s|$)/)[0];
  return new UsageError(`${first} (ferry uftp-serve --help lists the options)`);
}

/** A file a flag names, read; one that is not there is a usage error naming both. */
async function readFlagFile(flag: string, path: string): Promise<string> {
  try {
    return await Deno.readTextFile(path);
  } catch (error) {
    if (error instanceof Deno.errors.NotFound || error instanceof Deno.errors.IsADirectory) {
      const why = error instanceof Deno.errors.NotFound ? "no such file" : "a directory";
      throw new UsageError(`${flag} ${path}: ${why}`);
    }
    throw error;
  }
}

/** The directory to serve must be one: a usage error naming it, as `ferry serve`'s. */
async function needDirectory(dir: string): Promise<void> {
  let stat: Deno.FileInfo;
  try {
    stat = await Deno.stat(dir);
  } catch (error) {
    if (error instanceof Deno.errors.NotFound) {
      throw new UsageError(`cannot serve ${dir}: it does not exist`);
    }
    throw error;
  }
  if (!stat.isDirectory) throw new UsageError(`cannot serve ${dir}: it is not a directory`);
}

function keysOf(text: string): string[] {
  return text.split("\n").map((l) => l.trim()).filter((l) => l !== "" && !l.startsWith("#"));
}

/**
 * The users a command line describes (a users file, plus `-u`).
 *
 * @example
 * ```ts
 * await usersFromArgs({ username: "demo", password: "pw" }, {}); // { demo: { password: "pw" } }
 * ```
 */
export async function usersFromArgs(
  values: {
    username?: string;
    password?: string;
    token?: string;
    "authorized-keys"?: string;
    users?: string;
  },
  env: Record<string, string | undefined>,
): Promise<Record<string, AuthUser>> {
  const users: Record<string, AuthUser> = {};
  if (values.users) {
    const doc = yaml.parse(await readFlagFile("--users", values.users)) as Record<
      string,
      AuthUser & { authorizedKeys?: string }
    >;
    for (const [name, user] of Object.entries(doc ?? {})) {
      const { authorizedKeys, ...rest } = user;
      users[name] = rest;
      if (authorizedKeys) {
        users[name].sshKeys = [
          ...(rest.sshKeys ?? []),
          ...keysOf(await readFlagFile(`--users ${values.users}: authorizedKeys`, authorizedKeys)),
        ];
      }
    }
  }
  if (values.username) {
    const user: AuthUser = {};
    const password = values.password ?? env.FERRY_UFTP_PASSWORD;
    if (password) user.password = password;
    if (values.token) user.tokens = [values.token];
    if (values["authorized-keys"]) {
      user.sshKeys = keysOf(await readFlagFile("--authorized-keys", values["authorized-keys"]));
    }
    users[values.username] = user;
  }
  return users;
}

/**
 * Runs `ferry uftp-serve` with its arguments (after the command name); resolves with
 * the exit code once interrupted. plugin.ts's `uftpServeCommand` imports this on use.
 *
 * @example
 * ```ts
 * const code = await runUftpServe(["--help"]); // 0, the help printed
 * ```
 */
export async function runUftpServe(args: string[], context?: CommandContext): Promise<number> {
  let parsed;
  try {
    parsed = parseArgs({ args, options: OPTIONS, allowPositionals: true, strict: true });
  } catch (error) {
    throw argsRefused(error);
  }
  const v = parsed.values;
  if (v.help) {
    console.log(UFTP_SERVE_HELP);
    return 0;
  }
  // Usage errors (exit 2, one line) before anything is read or listens.
  if (parsed.positionals.length > 1) {
    throw new UsageError(`uftp-serve takes one DIR, got ${parsed.positionals.join(" ")}`);
  }
  if (!v.cert || !v.key) {
    throw new UsageError("--cert and --key are required (the auth service is HTTPS)");
  }
  if (v.username === undefined) {
    const flags = {
      password: "-P/--password",
      token: "--token",
      "authorized-keys": "--authorized-keys",
    };
    for (const [flag, spelled] of Object.entries(flags) as [keyof typeof flags, string][]) {
      if (v[flag] !== undefined) throw new UsageError(`${spelled} needs -u/--username`);
    }
  }
  const ports = {
    ftp: port(v["ftp-port"], 64434, "--ftp-port"),
    command: port(v["command-port"], 64435, "--command-port"),
    auth: port(v["auth-port"], 9000, "--auth-port"),
  };
  const maxStreams = streams(v["max-streams"]);
  const users = await usersFromArgs(v, Deno.env.toObject());
  if (Object.keys(users).length === 0 && !v.anonymous) {
    throw new UsageError("no users: give -u/-P, --users FILE or --anonymous UID");
  }
  if (v.username !== undefined && Object.keys(users[v.username]).length === 0) {
    throw new UsageError(
      `-u ${v.username} needs -P, FERRY_UFTP_PASSWORD, --token or --authorized-keys`,
    );
  }
  const dir = parsed.positionals[0] ?? Deno.cwd();
  await needDirectory(dir);
  const cert = await readFlagFile("--cert", v.cert);
  const key = await readFlagFile("--key", v.key);
  try {
    const host = v.interface ?? "127.0.0.1";
    const site = await startUftpStack({
      endpoint: new LocalEndpoint(dir),
      users,
      cert,
      key,
      serverName: v.name,
      prefix: v.prefix,
      host,
      port: ports.ftp,
      commandPort: ports.command,
      authHost: host,
      authPort: ports.auth,
      anonymousUid: v.anonymous,
      publicHost: v["public-host"],
      maxStreams,
    });
    console.log(`UFTP site for ${dir}`);
    console.log(`  auth service  ${site.authUrl}`);
    console.log(
      `  UFTPD         ${site.uftpd.host}:${site.uftpd.port} (command port ${site.uftpd.commandHost}:${site.uftpd.commandPort})`,
    );
    console.log(`  clients use   ${site.uftpUrl}/<dir inside ${dir}>`);
    const signal = context?.signal;
    if (signal) {
      await new Promise<void>((resolve) =>
        signal.addEventListener("abort", () => resolve(), { once: true })
      );
    } else await new Promise<void>((resolve) => Deno.addSignalListener("SIGINT", resolve));
    await site.close();
    return 0;
  } catch (error) {
    console.error(`ferry uftp-serve: ${(error as Error).message}`);
    return 1;
  }
}
