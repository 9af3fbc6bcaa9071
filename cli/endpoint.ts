/**
 * Any URL the registry knows, opened for a command-line command the way
 * `ferry mirror` opens its endpoints: the flags make the endpoint's entry
 * (auth method, netrc by default, TLS, connections, timeouts), the pool
 * resolves the credentials and the registry's scheme opens it. One-off wire
 * commands on other schemes than FTP (`ls`, `get`, `put` of uftp://, file://,
 * plain paths, memory://, plugin schemes) and `serve URL` come through here.
 * @module
 */
import type { Endpoint } from "../endpoint/types.ts";
import { urlScheme } from "../workflow/validate.ts";
import type { CliContext } from "./context.ts";
import { endpointFromOptions } from "./flags.ts";
import { late } from "./late.ts";

/** Schemes the one-off wire commands speak to with the FTP client itself (`--raw`, REST). */
export const FTP_SCHEMES: ReadonlySet<string> = new Set(["ftp", "ftpes", "ftps"]);

/**
 * Whether a URL is one of FTP's (the wire client's) rather than another scheme's.
 *
 * @example
 * ```ts
 * isFtpUrl("ftpes://h/x"); // true
 * isFtpUrl("uftp://h:9000/rest/auth/T:/d"); // false
 * isFtpUrl("./here"); // false
 * ```
 */
export function isFtpUrl(url: string): boolean {
  const scheme = urlScheme(url);
  return scheme !== undefined && FTP_SCHEMES.has(scheme);
}

/**
 * Opens a URL or path with the command's flags, as a job's endpoint would be;
 * the caller closes it.
 *
 * @example
 * ```ts
 * const ep = await openCliEndpoint(cli, "uftp://bob@h:9000/rest/auth/T:/d", { passwordEnv: "PW" });
 * try { console.log(await ep.list("")); } finally { await ep.close(); }
 * ```
 */
export async function openCliEndpoint(
  cli: CliContext,
  url: string,
  flags: Record<string, unknown>,
  options: { create?: boolean; oneFile?: boolean } = {},
): Promise<Endpoint> {
  // The endpoint code loads when a command runs, not when it is registered.
  const { EndpointPool } = await late<typeof import("../workflow/endpoints.ts")>(
    import.meta.url,
    "../workflow/endpoints.ts",
  );
  const pool = new EndpointPool({ target: endpointFromOptions(url, flags) }, {
    registry: cli.registry,
    secrets: cli.secrets,
    env: (name) => Deno.env.get(name),
    interactive: Deno.stdin.isTerminal(),
    baseDir: Deno.cwd(),
    signal: cli.signal,
    create: options.create ? new Set(["target"]) : undefined,
    oneFile: options.oneFile ? new Set(["target"]) : undefined,
  });
  return await pool.get("target");
}
