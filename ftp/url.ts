/**
 * FTP URLs as curl, lftp and FileZilla read them:
 * `ftp://` plain, `ftpes://` explicit FTPS (AUTH TLS), `ftps://` implicit FTPS (990).
 * @module
 */
import { FerryError } from "../util/errors.ts";
import { redactUrl } from "../util/redact.ts";
import { urlProblem } from "../util/url_problem.ts";
import type { TlsMode } from "./client_options.ts";

/** An FTP URL taken apart. */
export interface FtpUrl {
  scheme: "ftp" | "ftpes" | "ftps";
  host: string;
  port: number;
  tls: TlsMode;
  user?: string;
  /** Present only if the URL carried one (discouraged: use an auth method). */
  password?: string;
  /**
   * The path, decoded. Relative to the login directory (RFC 1738, curl) unless it
   * was written with `%2F` first, which makes it absolute (`ftp://h/%2Fetc`).
   */
  path: string;
}

/** A URL that is not a usable FTP URL. */
export class FtpUrlError extends FerryError {
  constructor(url: string, reason: string) {
    super(`invalid FTP URL ${JSON.stringify(redactUrl(url))}: ${reason}`, { code: "EINVAL" });
  }
}

const defaults = { ftp: 21, ftpes: 21, ftps: 990 } as const;
const tlsModes = { ftp: "none", ftpes: "explicit", ftps: "implicit" } as const;

/**
 * Parses an FTP URL.
 *
 * @example
 * ```ts
 * parseFtpUrl("ftpes://bob@[::1]:2121/pub/a%20b");
 * // { scheme: "ftpes", host: "::1", port: 2121, tls: "explicit", user: "bob", path: "pub/a b" }
 * ```
 */
export function parseFtpUrl(text: string): FtpUrl {
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    throw new FtpUrlError(text, urlProblem(text));
  }
  const scheme = url.protocol.slice(0, -1);
  if (scheme !== "ftp" && scheme !== "ftpes" && scheme !== "ftps") {
    throw new FtpUrlError(text, `scheme ${scheme}: is not ftp:, ftpes: or ftps:`);
  }
  if (!url.hostname) throw new FtpUrlError(text, "no host");
  // The path ends at a bare '#' or '?': `ftp://h/dir#2` would name `dir` (put would replace it).
  const cut = url.href.match(/[#?].*$/)?.[0];
  if (cut) {
    throw new FtpUrlError(
      text,
      `'${cut[0]}' starts the URL's ${cut[0] === "#" ? "fragment" : "query"} (${
        JSON.stringify(cut)
      } is not part of the path): write '#' as %23, '?' as %3F, '%' as %25`,
    );
  }
  const host = url.hostname.replace(/^\[(.*)\]$/, "$1");
  const port = url.port ? Number(url.port) : defaults[scheme];
  const rawPath = url.pathname.replace(/^\//, "");
  let path: string;
  try {
    path = decodeURIComponent(rawPath);
  } catch {
    throw new FtpUrlError(text, "bad percent-encoding in the path");
  }
  if (/[\r\n\0]/.test(path)) throw new FtpUrlError(text, "CR, LF or NUL in the path");
  return {
    scheme,
    host,
    port,
    tls: tlsModes[scheme],
    user: url.username ? decodeURIComponent(url.username) : undefined,
    password: url.password ? decodeURIComponent(url.password) : undefined,
    path,
  };
}

/** util/redact.ts's, where the FTP layer's modules have always found it. */
export { redactUrl };
