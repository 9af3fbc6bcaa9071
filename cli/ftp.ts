/**
 * Connecting the wire client for `ls`, `get` and `put`: URL, credentials from
 * the same auth methods as workflows, TLS options, and a host over the same
 * session for what needs listings: the time shift (`--time-shift`, `auto`
 * remembered in `.ferry`), MLSD or LIST (`--no-mlsd`, and LIST after a refusal).
 * @module
 */
import { FtpClient, type TlsMode } from "../ftp/client.ts";
import { FtpHost } from "../endpoint/ftp/host.ts";
import type { SessionHints } from "../endpoint/ftp/session.ts";
import { parseFtpUrl } from "../ftp/url.ts";
import { readCa, resolveCredentials } from "../workflow/endpoints.ts";
import { parseDuration } from "../util/units.ts";
import { UsageError } from "../workflow/errors.ts";
import { FtpError } from "../ftp/errors.ts";
import { EndpointError } from "../endpoint/errors.ts";
import { parseTimeShift, TimeShiftError } from "../endpoint/ftp/time_shift.ts";
import type { CliContext } from "./context.ts";
import { authFromOptions } from "./flags.ts";
import type { HeadSession } from "./head_types.ts";
import { RemotePathError } from "./remote_path.ts";

/** A logged-in client, a host over the same session, and the path the URL names. */
export interface FtpTarget {
  client: FtpClient;
  /** Listings and stats with the time shift and listing choice of the flags; close it when done. */
  host: FtpHost;
  /** The URL's path (relative to the login directory unless it began with %2F). */
  path: string;
  /**
   * `error` naming `path` on this session's server (see {@link RemotePathError}) when the
   * server or the host raised it; any other error (usage, interruption) as it is.
   */
  naming(error: unknown, path: string): unknown;
}

export { RemotePathError } from "./remote_path.ts";

/** How {@link connectFtp} connects. */
export interface ConnectOptions {
  /** Sessions the host may open in all (default 1). */
  connections?: number;
  /** The URL names a directory (`ls`), not a file in one (default false). */
  urlIsDir?: boolean;
}

/**
 * The TLS mode for a URL and `--tls`: ftpes/ftps decide; for ftp:// `require`
 * and `try` ask for AUTH TLS (`try` falls back when the server refuses it).
 *
 * @example
 * ```ts
 * tlsModeFor("ftp", "require"); // "explicit"
 * tlsModeFor("ftps", undefined); // "implicit"
 * ```
 */
export function tlsModeFor(urlTls: TlsMode, flag: string | undefined): TlsMode {
  if (urlTls !== "none") return urlTls;
  return flag === "require" || flag === "try" ? "explicit" : "none";
}

/**
 * `--time-shift` checked before anything connects: a bad value is a usage
 * error (exit 2), as it is for the job commands.
 *
 * @example
 * ```ts
 * timeShiftFlag("+05:30"); // 19800
 * timeShiftFlag("auto");   // "auto"
 * timeShiftFlag("abc");    // throws UsageError
 * ```
 */
export function timeShiftFlag(value: unknown): number | "auto" | undefined {
  if (value === undefined) return undefined;
  try {
    return parseTimeShift(String(value));
  } catch (error) {
    if (error instanceof TimeShiftError) throw new UsageError(`--time-shift: ${error.message}`);
    throw error;
  }
}

/**
 * Connects and logs in for a one-off wire command. The host's pool may open
 * up to `connections` sessions in all (the first is `client`; more are made
 * only when asked for: `get`'s segments). The URL names a file (`get`, `put`;
 * one ending in `/` a directory to put into) or, with `urlIsDir`, a directory
 * (`ls`): `--time-shift auto` writes its probe in that directory.
 *
 * @example
 * ```ts
 * const { client, host, path } = await connectFtp(cli, "ftpes://h/pub", opts, { urlIsDir: true });
 * try { console.log(await client.nlst(path)); } finally { await host.close(); }
 * ```
 */
export async function connectFtp(
  cli: CliContext,
  url: string,
  flags: Record<string, unknown>,
  { connections = 1, urlIsDir = false }: ConnectOptions = {},
): Promise<FtpTarget> {
  const parsed = parseFtpUrl(url);
  cli.secrets.add(parsed.password);
  const timeShift = timeShiftFlag(flags.timeShift);
  const auth = authFromOptions(flags);
  const ca = await readCa(flags.ca as string | undefined, Deno.cwd());
  const connect = (tls: TlsMode, hints: SessionHints = {}) =>
    FtpClient.connect({
      ...hints,
      host: parsed.host,
      port: parsed.port,
      tls,
      tlsOptions: { ...(ca ? { ca } : {}), ...(flags.insecure ? { insecure: true } : {}) },
      ...(flags.netTimeout === undefined
        ? {}
        : { timeoutMs: parseDuration(flags.netTimeout as string) }),
    });
  let mode = tlsModeFor(parsed.tls, flags.tls as string | undefined);
  const connectOrFallBack = async (): Promise<FtpClient> => {
    try {
      return await connect(mode);
    } catch (error) {
      // `--tls try`: only a refused AUTH TLS falls back to plain FTP.
      const refused = (error as { command?: string }).command === "AUTH TLS";
      if (flags.tls !== "try" || parsed.tls !== "none" || !refused) throw error;
      mode = "none";
      return await connect(mode);
    }
  };
  // The connection and the server's greeting overlap resolving credentials
  // (a netrc read, a password command), unless that may ask at the terminal;
  // a head start made them (and maybe the login) while the CLI loaded.
  // (Made as this would make it: plain, default deadline; see headStartUrl.)
  const head = mode === "none" && flags.netTimeout === undefined
    ? cli.headStart?.take(url)
    : undefined;
  const usual = () => connectOrFallBack().then((client): HeadSession => ({ client }));
  // A head start that gave up before writing anything leaves it to the usual path.
  const early: Promise<HeadSession> | undefined = head
    ? head.then((made) => made ?? usual())
    : (auth?.method === "prompt" ? undefined : usual());
  early?.catch(() => {}); // awaited below, or closed when credentials fail
  let credentials;
  try {
    credentials = await resolveCredentials(auth, url, {
      registry: cli.registry,
      secrets: cli.secrets,
      env: (n) => Deno.env.get(n),
      interactive: Deno.stdin.isTerminal(),
      baseDir: Deno.cwd(),
      signal: cli.signal,
    });
  } catch (error) {
    early?.then((s) => s.client.close(), () => {});
    throw error;
  }
  const session: HeadSession = await (early ?? usual());
  let client = session.client;
  const user = credentials.user ?? "anonymous";
  const password = credentials.password ?? "anonymous@";
  const login = async (c: FtpClient) => {
    try {
      await c.login(user, password);
      return c;
    } catch (error) {
      c.close();
      throw error;
    }
  };
  if (session.user === undefined) await login(client);
  else if (session.user !== user || session.password !== password) {
    // Logged in ahead as the URL says, but the credentials came out otherwise.
    client.close();
    client = await login(await connect(mode));
  }
  let first: FtpClient | undefined = client;
  const host = await FtpHost.connect({
    host: parsed.host,
    port: parsed.port,
    tls: mode,
    user,
    // The host's one session is this client; a lost one is made anew.
    sessionFactory: async (hints) => {
      const made = first;
      first = undefined;
      return made ?? await login(await connect(mode, hints));
    },
    maxChildren: Math.max(0, connections - 1),
    lendMain: true,
    useMlsd: flags.mlsd === false ? false : "auto",
    // `--time-shift auto`'s probe: in the directory the command works in (not a login
    // directory that may not be writable, as a chrooted vsftpd's root is not).
    probeDir: urlIsDir ? parsed.path : parsed.path.slice(0, parsed.path.lastIndexOf("/") + 1),
    ...(timeShift === undefined ? {} : { timeShift }),
  });
  const at = parsed.host.includes(":") ? `[${parsed.host}]` : parsed.host; // IPv6
  const where = `${new URL(url).protocol}//${user}@${at}:${parsed.port}/`;
  const naming = (error: unknown, path: string) =>
    (error instanceof FtpError || error instanceof EndpointError)
      ? new RemotePathError(where + path, error)
      : error;
  return { client, host, path: parsed.path, naming };
}
