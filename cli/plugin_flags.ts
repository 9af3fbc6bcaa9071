/**
 * The flags every remote command takes, picked out of a plugin command's raw
 * arguments (before or after its name, anywhere among its own): credentials,
 * TLS and connection flags for the URLs it opens, and the logging flags. Long
 * forms only (plus -v and -q), so a plugin's own short flags keep their
 * meaning (`ferry serve -u bob -P pw` names the user the server lets in).
 * @module
 */
import { UsageError } from "../workflow/errors.ts";

const BOOLEAN: Record<string, [string, boolean]> = {
  "-v": ["verbose", true],
  "--verbose": ["verbose", true],
  "--debug": ["debug", true],
  "-q": ["quiet", true],
  "--quiet": ["quiet", true],
  "--json": ["json", true],
  "--ask-password": ["askPassword", true],
  "--anonymous": ["anonymous", true],
  "--insecure": ["insecure", true],
  "--netrc": ["netrc", true],
  "--no-netrc": ["netrc", false],
  "--no-mlsd": ["mlsd", false],
};

const VALUED: Record<string, string> = {
  "--log-format": "logFormat",
  "--log-file": "logFile",
  "--user": "user",
  "--password-env": "passwordEnv",
  "--password-file": "passwordFile",
  "--password-command": "passwordCommand",
  "--ca": "ca",
  "--tls": "tls",
  "--time-shift": "timeShift",
  "--connections": "connections",
  "--net-timeout": "netTimeout",
};

/** The flags found (named as `endpointFromOptions` and `mergeGlobals` read them) and the rest. */
export interface SplitFlags {
  flags: Record<string, unknown>;
  rest: string[];
}

/**
 * Takes the shared remote and logging flags out of `args`; `--netrc=FILE`
 * names a netrc file (a bare `--netrc` means ~/.netrc). Everything after `--`
 * stays the plugin's. Throws `UsageError` for a valued flag without its value.
 *
 * @example
 * ```ts
 * splitEndpointFlags(["ftp://h/", "--password-env", "PW", "-p", "21", "-v"]);
 * // { flags: { passwordEnv: "PW", verbose: true }, rest: ["ftp://h/", "-p", "21"] }
 * ```
 */
export function splitEndpointFlags(args: readonly string[]): SplitFlags {
  const flags: Record<string, unknown> = {};
  const rest: string[] = [];
  for (let i = 0; i < args.length; i++) {
    const arg = args[i];
    if (arg === "--") {
      rest.push(...args.slice(i));
      break;
    }
    const eq = arg.indexOf("=");
    const name = arg.startsWith("--") && eq > 0 ? arg.slice(0, eq) : arg;
    if (name === "--netrc" && eq > 0) flags.netrc = arg.slice(eq + 1);
    else if (BOOLEAN[name] && eq < 0) flags[BOOLEAN[name][0]] = BOOLEAN[name][1];
    else if (VALUED[name]) {
      const value = eq > 0 ? arg.slice(eq + 1) : args[++i];
      if (value === undefined) throw new UsageError(`option '${name} <value>' argument missing`);
      flags[VALUED[name]] = name === "--connections" ? Number(value) : value;
    } else rest.push(arg);
  }
  return { flags, rest };
}
