/**
 * Paths as the UFTPD reads them (pure). The UFTPD strips its command line and
 * each path at both ends (Python's `str.strip`: Connector.py `read_line`,
 * Session.py `makeabs`) and reads every path relative to the session's
 * working directory, absolute ones as absolute on the server's file system.
 * @module
 */
import { posix } from "node:path";

/**
 * White space as Python's `str.strip()` sees it (`str.isspace`): JavaScript's
 * `\s` plus U+001C..U+001F and U+0085 (`\s` has U+FEFF, which Python keeps:
 * guarding it too is harmless).
 */
// deno-lint-ignore no-control-regex -- U+001C..U+001F are white space to Python
const EDGE_SPACE = /[\s\x1c-\x1f\x85]/;

/**
 * A path as UFTPD wants it: relative to the session's base directory. A path
 * that begins or ends with white space is sent as `./ x` or `x /.` (the same
 * path once normalized), so the UFTPD's strip cannot eat it.
 *
 * @example
 * ```ts
 * relativePath("/a/b");   // "a/b"
 * relativePath("/");      // "."
 * relativePath("");       // "."
 * relativePath("/tail "); // "tail /."
 * relativePath("/ lead"); // "./ lead"
 * ```
 */
export function relativePath(path: string): string {
  const rel = path.replace(/^\/+/, "") || ".";
  const front = EDGE_SPACE.test(rel[0]) ? `./${rel}` : rel;
  return EDGE_SPACE.test(front[front.length - 1]) ? `${front}/.` : front;
}

/**
 * The absolute path (below the base, `/` being the base) that `path` names
 * from the working directory `here`; `..` stops at the base.
 *
 * @example
 * ```ts
 * resolveFrom("/sp ace", "f.txt"); // "/sp ace/f.txt"
 * resolveFrom("/sp ace", "/a[1]/"); // "/a[1]"
 * resolveFrom("/sp ace", "");       // "/sp ace"
 * ```
 */
export function resolveFrom(here: string, path: string): string {
  const joined = posix.normalize(path.startsWith("/") ? path : `${here}/${path}`);
  return joined.length > 1 ? joined.replace(/\/+$/, "") : "/";
}

/**
 * The `CWD` argument that climbs from the absolute path `dir` (below the base)
 * back to the base: one `..` per name, whatever form the names were sent in.
 *
 * @example
 * ```ts
 * upToBase("/a b/ lead"); // "../.."
 * ```
 */
export function upToBase(dir: string): string {
  return dir.split("/").filter((n) => n !== "").map(() => "..").join("/");
}
