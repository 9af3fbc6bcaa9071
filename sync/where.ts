/**
 * Where a path is, for a person reading an error: the endpoint's URL (which
 * names user@host:port and never a password) with the path after it, or the
 * local path for a `file:` endpoint, so that "no such file or directory:
 * missing" says which server and directory it is about.
 * @module
 */
import { normalizePath } from "../endpoint/path.ts";
import { fileUrlToPath } from "../util/paths.ts";

/**
 * `path` (relative to the endpoint root) on the endpoint at `url`.
 *
 * @example
 * ```ts
 * whereOn("ftp://bob@127.0.0.1:21/", "pub/missing"); // "ftp://bob@127.0.0.1:21/pub/missing"
 * whereOn("file:///srv/data", "a b");                  // "/srv/data/a b"
 * whereOn("s3://bucket/backups/", "");                 // "s3://bucket/backups/"
 * ```
 */
export function whereOn(url: string, path: string): string {
  const rel = normalizePath(path);
  let base = url;
  if (url.startsWith("file:")) {
    try {
      base = fileUrlToPath(url);
    } catch {
      // Not a plain local path (a host, an encoded slash): the URL as it is.
    }
  }
  if (rel === "") return base;
  return base.endsWith("/") ? base + rel : `${base}/${rel}`;
}
