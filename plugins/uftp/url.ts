/**
 * `uftp://` URLs in PyUNICORE's form (pure):
 * `uftp://user[:pass]@authhost:port[/prefix]/rest/auth/NAME:/base/dir?identity=...&token=...`.
 * The auth URL is always HTTPS; the part after the server name's `:` is the
 * session's base directory.
 * @module
 */
import { UftpConfigError } from "./errors.ts";

/** A parsed `uftp://` URL. */
export interface UftpUrl {
  /** `https://host:port[/prefix]/rest/auth/NAME`, where the session is asked for. */
  authUrl: string;
  /** `https://host:port[/prefix]/rest/auth`: the info endpoint. */
  infoUrl: string;
  /** The logical UFTPD name (`NAME`, may carry a `-N` instance suffix). */
  serverName: string;
  /** The base directory on the server (`/base/dir`), as written. */
  baseDir: string;
  /** The URL's user, percent-decoded. */
  user?: string;
  /** The URL's password (a key passphrase with `identity=`), percent-decoded. */
  password?: string;
  /** `identity=`: a private key file (relative names live in `~/.uftp/`). */
  identity?: string;
  /** `token=`: a bearer token, `@file` or `@@ENV`. */
  token?: string;
  /** The URL without credentials or parameters, for messages and logs. */
  display: string;
}

/**
 * Parses a `uftp://` URL (a string or a `URL`).
 *
 * @example
 * ```ts
 * const u = parseUftpUrl("uftp://demouser@localhost:9000/rest/auth/TEST:/data?identity=id_ed25519");
 * u.authUrl;  // "https://localhost:9000/rest/auth/TEST"
 * u.baseDir;  // "/data"
 * u.identity; // "id_ed25519"
 * ```
 */
export function parseUftpUrl(input: string | URL): UftpUrl {
  const url = typeof input === "string" ? new URL(input) : input;
  if (url.protocol !== "uftp:") {
    throw new UftpConfigError(`not a uftp:// URL: ${url.protocol}//${url.host}`);
  }
  if (!url.hostname) throw new UftpConfigError("uftp:// URL without an auth server host");
  const path = decodeURIComponent(url.pathname);
  const at = path.indexOf("/rest/");
  if (at < 0) {
    throw new UftpConfigError(
      `uftp://${url.host}${path}: expected .../rest/auth/NAME:/base/dir (PyUNICORE's form)`,
    );
  }
  const prefix = path.slice(0, at);
  const rest = path.slice(at + "/rest/".length);
  const colon = rest.indexOf(":");
  if (colon < 0) {
    throw new UftpConfigError(
      `uftp://${url.host}${path}: no base directory; write .../rest/auth/NAME:/base/dir`,
    );
  }
  const service = rest.slice(0, colon).replace(/\/+$/, "");
  const slash = service.lastIndexOf("/");
  const serverName = slash < 0 ? "" : service.slice(slash + 1);
  if (!/^auth\/[^/]+$/.test(service) || serverName === "") {
    throw new UftpConfigError(
      `uftp://${url.host}${path}: expected /rest/auth/NAME before the ':', got /rest/${service}`,
    );
  }
  const baseDir = rest.slice(colon + 1);
  if (/[\r\n\0]/.test(baseDir)) throw new UftpConfigError("base directory with CR, LF or NUL");
  const origin = `https://${url.host}${prefix}`;
  const params = url.searchParams;
  return {
    authUrl: `${origin}/rest/${service}`,
    infoUrl: `${origin}/rest/auth`,
    serverName,
    baseDir,
    user: url.username ? decodeURIComponent(url.username) : undefined,
    password: url.password ? decodeURIComponent(url.password) : undefined,
    identity: params.get("identity") ?? undefined,
    token: params.get("token") ?? undefined,
    display: `uftp://${
      url.username ? url.username + "@" : ""
    }${url.host}${prefix}/rest/${service}:${baseDir}`,
  };
}

/**
 * The `serverPath` of the auth request: the base directory with one trailing
 * `/` (as pyuftp sends it; UFTPD takes its dirname, i.e. the directory
 * itself), or `""` for no restriction.
 *
 * @example
 * ```ts
 * serverPath("/data");  // "/data/"
 * serverPath("/data/"); // "/data/"
 * serverPath("");       // ""
 * ```
 */
export function serverPath(baseDir: string): string {
  if (baseDir === "") return "";
  return baseDir.endsWith("/") ? baseDir : `${baseDir}/`;
}
