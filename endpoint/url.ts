/**
 * From an endpoint URL to an {@link Endpoint}: the built-in schemes (`file:`,
 * `memory:`, `ftp:`, `ftpes:`, `ftps:`) as plain data, plain paths, and
 * {@link openEndpoint}, which looks a scheme up in the table it is given.
 *
 * There is no global table here: the workflow's `Registry` is the one place
 * schemes are registered (the built-ins come in through ferry's core plugin,
 * foreign ones through `definePlugin({ endpointSchemes })`), and commands open
 * URLs through it (`openUrl` in workflow/endpoints.ts).
 * @module
 */
import { fileUrlToPath, isAbsolute, resolve } from "../util/paths.ts";
import type { Endpoint } from "./types.ts";
import { InvalidPathError, UnknownSchemeError } from "./errors.ts";
import { parseUrl } from "../util/url_problem.ts";
import type * as Local from "./local.ts";
import type * as Memory from "./memory.ts";
import type * as Ftp from "./ftp/endpoint.ts";
import { FTP_OPTIONS } from "./ftp/endpoint_options.ts";
import type { SchemeOptions } from "./scheme_options.ts";

export type { SchemeOption, SchemeOptions } from "./scheme_options.ts";

/**
 * The endpoints, each imported when a URL of its scheme is first opened (by
 * specifiers Deno cannot read ahead): a command that opens no local or memory
 * endpoint (a UFTP `get`, whose local side is plain file I/O) does not load
 * their ~47 KB of code (docs/BENCHMARKS.md, session 10), and one that opens
 * no `ftp:`, `ftpes:` or `ftps:` URL (a local mirror, S3, `walk ./dir`) does
 * not load the FTP stack (~45 modules under endpoint/ftp/ and ftp/). The
 * `ftp:` schemes' options (FTP_OPTIONS) are plain data, imported statically.
 */
const LOCAL_MODULE = new URL("./local.ts", import.meta.url).href;
const MEMORY_MODULE = new URL("./memory.ts", import.meta.url).href;
const FTP_MODULE = new URL("./ftp/endpoint.ts", import.meta.url).href;

async function localEndpoint(
  path: string,
  options: OpenEndpointOptions,
): Promise<Local.LocalEndpoint> {
  const { LocalEndpoint } = await import(LOCAL_MODULE) as typeof Local;
  return new LocalEndpoint(path, { create: options.create, fsync: options.fsync });
}

/**
 * What every scheme's opener receives: the endpoint's configuration in one
 * vocabulary (times in seconds), whatever the scheme. Each scheme turns it into
 * its own typed options in its `open`.
 */
export interface OpenEndpointOptions {
  /** Base directory for relative plain paths (default: the process's cwd). */
  cwd?: string;
  /** Local: create the root directory when missing. */
  create?: boolean;
  /** Local: when written data is flushed to the disk (see LocalEndpointOptions). */
  fsync?: "replace" | "always" | "never";
  /** Memory: simulated mtime precision in ms. */
  precision?: number;
  /** From the endpoint's auth method (or the URL's user). */
  credentials?: { user?: string; password?: string; token?: string; [extra: string]: unknown };
  /** Seconds, or "auto" to detect. */
  timeShift?: number | "auto";
  /** `ca` is PEM text; `mode` applies to `ftp://` only. */
  tls?: { mode?: "require" | "try" | "off"; ca?: string; insecure?: boolean };
  /** Most connections to the server at once. */
  maxConnections?: number;
  /** Per network wait, seconds. */
  timeout?: number;
  /** Scheme-specific extras (the workflow's `options:` map). */
  options?: Record<string, unknown>;
  /** Where a scheme that learns a secret (a one-time token) registers it for masking. */
  secrets?: { add(value: string | undefined): unknown };
  /** Aborts opening (connecting, logging in). */
  signal?: AbortSignal;
  /** One file is copied, then the endpoint closed: open no sessions ahead (UFTP). */
  oneFile?: boolean;
  /** Only dry runs use it: opening writes nothing (FTP: no `timeShift: auto` probe file). */
  dryRun?: boolean;
}

/** Opens endpoints of one URL scheme (structurally the workflow's `EndpointScheme`). */
export interface EndpointOpener {
  /** Scheme without colon, lower case, e.g. `"uftp"`. */
  scheme: string;
  /** One line saying what the scheme is. */
  description?: string;
  /** The keys its `options:` map takes; without it any key passes unchecked. */
  options?: SchemeOptions;
  /** Opens an endpoint for a URL of this scheme. */
  open(url: URL, options: OpenEndpointOptions): Promise<Endpoint>;
}

/** Where {@link openEndpoint} looks schemes up (the workflow's registry is one). */
export interface SchemeTable {
  /** The opener of a lower-case scheme, or undefined. */
  get(scheme: string): EndpointOpener | undefined;
  /** Every scheme known (for the message of an unknown one). */
  names(): string[];
}

/**
 * ferry's own schemes, registered by its core plugin like any plugin's.
 *
 * @example
 * ```ts
 * builtinEndpointSchemes.map((s) => s.scheme); // ["file", "memory", "ftp", "ftpes", "ftps"]
 * ```
 */
export const builtinEndpointSchemes: readonly EndpointOpener[] = [
  {
    scheme: "file",
    description: "a local directory (file:///abs/path, or a plain path)",
    options: {},
    open: (url, options) => localEndpoint(fileUrlToPath(url), options),
  },
  {
    scheme: "memory",
    description: "an in-process tree (tests, demos)",
    options: {},
    open: async (url, options) => {
      const { MemoryEndpoint } = await import(MEMORY_MODULE) as typeof Memory;
      return MemoryEndpoint.fromUrl(url, { precision: options.precision });
    },
  },
  ...["ftp", "ftpes", "ftps"].map((scheme): EndpointOpener => ({
    scheme,
    description: scheme === "ftp"
      ? "FTP (AUTH TLS with tls: require|try)"
      : scheme === "ftpes"
      ? "explicit FTPS (AUTH TLS)"
      : "implicit FTPS (port 990)",
    options: FTP_OPTIONS,
    open: async (url, options) => {
      const { FtpEndpoint } = await import(FTP_MODULE) as typeof Ftp;
      return await FtpEndpoint.open(url, options);
    },
  })),
];

/**
 * A scheme table of the built-in schemes alone.
 *
 * @example
 * ```ts
 * builtinSchemeTable.get("ftp")?.scheme; // "ftp"
 * ```
 */
export const builtinSchemeTable: SchemeTable = {
  get: (scheme) => builtinEndpointSchemes.find((s) => s.scheme === scheme),
  names: () => builtinEndpointSchemes.map((s) => s.scheme).sort(),
};

/**
 * Whether a string is a URL with a scheme (as opposed to a plain local path).
 * One-letter schemes are taken for Windows drive letters.
 *
 * @example
 * ```ts
 * isEndpointUrl("ftp://host/x"); // true
 * isEndpointUrl("./mirror");     // false
 * isEndpointUrl("C:\\data");     // false
 * ```
 */
export function isEndpointUrl(value: string): boolean {
  return /^[a-z][a-z0-9+.-]+:/i.test(value);
}

/**
 * Opens the endpoint a URL or plain path names. Schemes come from `schemes`
 * (default: the built-in ones; pass the workflow registry's table, as
 * `openUrl` does, for plugin schemes such as `uftp:`).
 *
 * @example
 * ```ts
 * const here = await openEndpoint("./mirror", { create: true });
 * const mem = await openEndpoint("memory://demo");
 * const file = await openEndpoint("file:///srv/data");
 * ```
 */
export async function openEndpoint(
  url: string,
  options: OpenEndpointOptions = {},
  schemes: SchemeTable = builtinSchemeTable,
): Promise<Endpoint> {
  if (!isEndpointUrl(url)) {
    const path = isAbsolute(url) ? url : resolve(options.cwd ?? Deno.cwd(), url);
    return await localEndpoint(path, options);
  }
  // One that does not parse is refused saying why (a port of 70000, IPv6 without brackets).
  const parsed = parseUrl(url);
  const scheme = parsed.protocol.slice(0, -1).toLowerCase();
  refuseQuery(parsed, scheme);
  const opener = schemes.get(scheme);
  if (!opener) throw new UnknownSchemeError(scheme, schemes.names());
  return await opener.open(parsed, options);
}

/** Built-in schemes whose URLs have no query or fragment: a `?` or `#` there is a name's. */
const PATH_ONLY_SCHEMES = new Set(["file", "memory", "ftp", "ftps", "ftpes"]);

/**
 * Refuses a built-in scheme's URL with a bare `#` or `?`: the URL parser ends
 * the path there, so `file:///srv/backup#2` would name `/srv/backup` (a
 * mirror --delete into it removed what that directory held). Plugins'
 * schemes decide for themselves (uftp reads a query; s3 refuses both).
 */
function refuseQuery(parsed: URL, scheme: string): void {
  if (!PATH_ONLY_SCHEMES.has(scheme)) return;
  const cut = parsed.href.match(/[#?].*$/)?.[0];
  if (!cut) return;
  // Named without user and password (an ftp URL may hold them).
  const where = `${parsed.protocol}//${parsed.host}${parsed.pathname}`;
  throw new InvalidPathError(
    where + cut,
    `'${cut[0]}' starts the URL's ${cut[0] === "#" ? "fragment" : "query"} (${
      JSON.stringify(cut)
    } is not part of the path): write '#' as %23, '?' as %3F, '%' as %25`,
  );
}
