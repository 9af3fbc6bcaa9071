/**
 * Why a text that looks like a URL (`scheme://...`) is not one, in words a
 * person can act on: the WHATWG parser only says "Invalid URL". String
 * operations alone (cli/url_location.ts runs before most modules load).
 * @module
 */
import { FerryError } from "./errors.ts";
import { redactUrl } from "./redact.ts";

/**
 * The reason `text` does not parse as a URL.
 *
 * @example
 * ```ts
 * urlProblem("ftp://h:70000/x"); // "port 70000 is out of range (0-65535)"
 * urlProblem("ftp://::1/x");     // "an IPv6 address goes in brackets: ftp://[::1]/x"
 * ```
 */
export function urlProblem(text: string): string {
  const m = /^([a-z][a-z0-9+.-]*):\/\/([^/?#]*)(.*)$/is.exec(text);
  if (!m) return "not a URL";
  const [, scheme, authority, rest] = m;
  const at = authority.lastIndexOf("@");
  const userinfo = at >= 0 ? authority.slice(0, at + 1) : "";
  const hostPort = authority.slice(at + 1);
  // An '@' after the authority's end: a user name or password holding '/', '?' or '#' ended
  // it early, so what looks like the host and port is part of the password: never echoed.
  if (rest.includes("@")) {
    return "the user name or password holds '/', '?' or '#': write them as %2F, %3F, %23";
  }
  if (hostPort === "") return "no host";
  if (!hostPort.startsWith("[") && (hostPort.match(/:/g) ?? []).length >= 2) {
    const shown = redactUrl(`${scheme}://${userinfo}[${hostPort}]${rest}`);
    return `an IPv6 address goes in brackets: ${shown}`;
  }
  const port = /:([^:\]]*)$/.exec(hostPort)?.[1];
  if (port !== undefined && port !== "") {
    if (!/^\d+$/.test(port)) return `port ${JSON.stringify(port)} is not a number`;
    if (Number(port) > 65535) return `port ${port} is out of range (0-65535)`;
  }
  return "not a URL";
}

/**
 * `text` parsed as a URL, or a usage error (code `EINVAL`: exit 2) that names
 * it (without a password) and says why not.
 *
 * @example
 * ```ts
 * parseUrl("ftp://h:70000/x"); // throws: invalid URL "ftp://h:70000/x": port 70000 is out of range (0-65535)
 * ```
 */
export function parseUrl(text: string): URL {
  try {
    return new URL(text);
  } catch {
    throw new FerryError(`invalid URL ${JSON.stringify(redactUrl(text))}: ${urlProblem(text)}`, {
      code: "EINVAL",
    });
  }
}
