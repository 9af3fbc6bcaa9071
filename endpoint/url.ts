/**
 * From an endpoint URL to an {@link Endpoint}: built-in schemes (`file:`, plain
 * paths, `memory:`, and the FTP family once registered) and a registry where
 * plugins add their own (the workflow's `EndpointScheme` has this shape).
 * @module
 */
import { isAbsolute, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import type { Endpoint } from "./types.ts";
import { UnknownSchemeError } from "./errors.ts";
import { LocalEndpoint } from "./local.ts";
import { MemoryEndpoint } from "./memory.ts";
import { FtpEndpoint } from "./ftp/endpoint.ts";

/** Opens endpoints of one URL scheme (structurally the workflow's `EndpointScheme`). */
export interface EndpointOpener {
  /** Scheme without colon, lower case, e.g. `"uftp"`. */
  scheme: string;
  open(url: URL, options: Record<string, unknown>): Promise<Endpoint>;
}

/** Options of {@link openEndpoint}; openers receive all of them. */
export interface OpenEndpointOptions extends Record<string, unknown> {
  /** Base directory for relative plain paths (default: the process's cwd). */
  cwd?: string;
  /** Local: create the root directory when missing. */
  create?: boolean;
  /** Local: when written data is flushed to the disk (see LocalEndpointOptions). */
  fsync?: "replace" | "always" | "never";
  /** Memory: simulated mtime precision in ms. */
  precision?: number;
}

const openers = new Map<string, EndpointOpener>();

/**
 * Adds a scheme. Throws when the scheme is taken, unless `replace` is set.
 *
 * @example
 * ```ts
 * registerEndpointScheme({ scheme: "uftp", open: async (url, options) => new UftpEndpoint(url, options) });
 * registerEndpointScheme("demo", async () => new MemoryEndpoint({ name: "demo" }));
 * ```
 */
export function registerEndpointScheme(
  opener: EndpointOpener,
  options?: { replace?: boolean },
): void;
export function registerEndpointScheme(
  scheme: string,
  open: EndpointOpener["open"],
  options?: { replace?: boolean },
): void;
export function registerEndpointScheme(
  first: EndpointOpener | string,
  second?: EndpointOpener["open"] | { replace?: boolean },
  third?: { replace?: boolean },
): void {
  const opener: EndpointOpener = typeof first === "string"
    ? { scheme: first, open: second as EndpointOpener["open"] }
    : first;
  const options = (typeof first === "string" ? third : second as { replace?: boolean }) ?? {};
  const scheme = opener.scheme.replace(/:$/, "").toLowerCase();
  if (!/^[a-z][a-z0-9+.-]*$/.test(scheme) || typeof opener.open !== "function") {
    throw new TypeError(`registerEndpointScheme: invalid scheme or opener ${opener.scheme}`);
  }
  if (openers.has(scheme) && !options.replace) {
    throw new TypeError(`endpoint scheme ${scheme}: is already registered`);
  }
  openers.set(scheme, { scheme, open: opener.open });
}

/**
 * Removes a scheme; returns whether it was registered.
 *
 * @example
 * ```ts
 * unregisterEndpointScheme("demo");
 * ```
 */
export function unregisterEndpointScheme(scheme: string): boolean {
  return openers.delete(scheme.toLowerCase());
}

/**
 * The registered schemes, sorted.
 *
 * @example
 * ```ts
 * endpointSchemes(); // ["file", "memory", ...]
 * ```
 */
export function endpointSchemes(): string[] {
  return [...openers.keys()].sort();
}

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
 * Opens the endpoint a URL or plain path names.
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
): Promise<Endpoint> {
  if (!isEndpointUrl(url)) {
    const path = isAbsolute(url) ? url : resolve(options.cwd ?? Deno.cwd(), url);
    return new LocalEndpoint(path, { create: options.create, fsync: options.fsync });
  }
  const parsed = new URL(url);
  const scheme = parsed.protocol.slice(0, -1).toLowerCase();
  const opener = openers.get(scheme);
  if (!opener) throw new UnknownSchemeError(scheme, endpointSchemes());
  return await opener.open(parsed, options);
}

registerEndpointScheme("file", (url, options) =>
  Promise.resolve(
    new LocalEndpoint(fileURLToPath(url), {
      create: (options as OpenEndpointOptions).create,
      fsync: (options as OpenEndpointOptions).fsync,
    }),
  ));

registerEndpointScheme("memory", (url, options) =>
  Promise.resolve(
    MemoryEndpoint.fromUrl(url, { precision: (options as OpenEndpointOptions).precision }),
  ));

for (const scheme of ["ftp", "ftpes", "ftps"]) {
  registerEndpointScheme(scheme, (url, options) => FtpEndpoint.open(url, options));
}
