/**
 * The URL half of cli/location.ts: a URL split into its parent (the endpoint)
 * and last name, with string operations alone. The UFTP head start needs it
 * before its auth request leaves, when loading node:path (Deno's Node layer,
 * ~10-20 ms) and the workflow validator would delay that request.
 * @module
 */
import { parseUrl } from "../util/url_problem.ts";

/** An endpoint URL (or local path) and the path inside it a job works on. */
export interface Location {
  /** The endpoint's URL or local directory. */
  root: string;
  /** The path below it ("" for the root itself). */
  path: string;
}

/**
 * Splits a URL (one with a scheme) into its parent and last name.
 *
 * @example
 * ```ts
 * splitUrlLocation("ftp://h/pub/a.iso"); // { root: "ftp://h/pub", path: "a.iso" }
 * splitUrlLocation("ftp://h/");          // { root: "ftp://h/", path: "" }
 * ```
 */
export function splitUrlLocation(location: string): Location {
  // A URL that does not parse is a usage error saying why (a port of 70000, an IPv6
  // address without brackets), not the parser's bare "Invalid URL".
  const url = parseUrl(location);
  const trimmed = url.pathname.replace(/\/+$/, "");
  if (trimmed === "") return { root: location, path: "" };
  const cut = trimmed.lastIndexOf("/");
  const path = decodeURIComponent(trimmed.slice(cut + 1));
  url.pathname = trimmed.slice(0, cut) || "/";
  return { root: url.href, path };
}
