/**
 * Endpoint paths: POSIX-style, always relative to the endpoint root.
 *
 * Every backend funnels the paths it is given through {@link normalizePath}, so
 * the rule "nothing leaves the root" is enforced by the contract once and not by
 * each caller. The canonical form has no leading or trailing slash, no `.`/`..`
 * segments and no repeated slashes; the root is `""`.
 *
 * A leading `/` names the endpoint root (like a chroot), not the host's root:
 * `"/a/b"` and `"a/b"` are the same path.
 * @module
 */
import { InvalidPathError } from "./errors.ts";

/** The canonical name of the endpoint root. */
export const ROOT = "";

/** Anything that makes a path non-canonical or invalid: `.`/`..` segments, empty ones, NUL/CR/LF. */
const notCanonical = /(?:^|\/)\.\.?(?:\/|$)|\/\/|^\/|\/$|[\0\r\n]/;

/**
 * Returns the canonical form of an endpoint path, or throws `InvalidPathError`
 * for paths containing NUL, CR or LF, or whose `..` segments would climb above
 * the root.
 *
 * @example
 * ```ts
 * normalizePath("/a//b/./c/");   // "a/b/c"
 * normalizePath("a/../b");       // "b"
 * normalizePath(".");            // ""  (the root)
 * normalizePath("../etc");       // throws InvalidPathError
 * ```
 */
export function normalizePath(path: string): string {
  if (typeof path !== "string") throw new InvalidPathError(String(path), "not a string");
  // Most paths arrive canonical already (jobs pass them from one layer to the next).
  if (!notCanonical.test(path)) return path;
  const bad = /[\0\r\n]/.exec(path);
  if (bad) {
    const what = bad[0] === "\0" ? "NUL" : bad[0] === "\r" ? "CR" : "LF";
    // CR/LF would let a name smuggle a second command onto an FTP control line.
    throw new InvalidPathError(path, `contains ${what}`);
  }
  const out: string[] = [];
  for (const segment of path.split("/")) {
    if (segment === "" || segment === ".") continue;
    if (segment === "..") {
      if (out.length === 0) throw new InvalidPathError(path, "leaves the endpoint root");
      out.pop();
      continue;
    }
    out.push(segment);
  }
  return out.join("/");
}

/**
 * Whether a canonical or raw path names the root.
 *
 * @example
 * ```ts
 * isRoot("/"); // true
 * isRoot("a"); // false
 * ```
 */
export function isRoot(path: string): boolean {
  return normalizePath(path) === ROOT;
}

/**
 * Joins path pieces and normalizes the result (each piece is validated too).
 *
 * @example
 * ```ts
 * joinPath("a", "b/c", "../d"); // "a/b/d"
 * joinPath("", "x");            // "x"
 * ```
 */
export function joinPath(...parts: string[]): string {
  // The non-empty parts joined by "/", without a filtered array (several joins a file);
  // indexed, as for...of made an iterator result per part until V8 optimised the caller.
  let joined = "";
  for (let i = 0; i < parts.length; i++) {
    const part = parts[i];
    if (part !== "") joined = joined === "" ? part : `${joined}/${part}`;
  }
  return normalizePath(joined);
}

/**
 * The segments of a path (`[]` for the root).
 *
 * @example
 * ```ts
 * splitPath("/a/b/"); // ["a", "b"]
 * ```
 */
export function splitPath(path: string): string[] {
  const p = normalizePath(path);
  return p === ROOT ? [] : p.split("/");
}

/**
 * The parent directory of a path; the parent of the root is the root.
 *
 * @example
 * ```ts
 * dirname("a/b/c"); // "a/b"
 * dirname("a");     // ""
 * ```
 */
export function dirname(path: string): string {
  const p = normalizePath(path);
  const i = p.lastIndexOf("/");
  return i < 0 ? ROOT : p.slice(0, i);
}

/**
 * The last segment of a path (`""` for the root).
 *
 * @example
 * ```ts
 * basename("a/b/c.txt"); // "c.txt"
 * ```
 */
export function basename(path: string): string {
  const p = normalizePath(path);
  return p.slice(p.lastIndexOf("/") + 1);
}

/**
 * Whether `path` is `ancestor` itself or lies below it (canonical comparison by
 * segments, so `"ab"` is not inside `"a"`).
 *
 * @example
 * ```ts
 * isInside("a/b", "a");  // true
 * isInside("ab", "a");   // false
 * isInside("x", "");     // true (everything is inside the root)
 * ```
 */
export function isInside(path: string, ancestor: string): boolean {
  const p = normalizePath(path);
  const a = normalizePath(ancestor);
  return a === ROOT || p === a || p.startsWith(a + "/");
}

/**
 * Resolves a symlink target as seen from the link's location, within the
 * endpoint: absolute targets count from the endpoint root. Throws
 * `InvalidPathError` when the target would leave the root.
 *
 * @example
 * ```ts
 * resolveLinkTarget("a/link", "../b/f"); // "b/f"
 * resolveLinkTarget("a/link", "/x");     // "x"
 * ```
 */
export function resolveLinkTarget(linkPath: string, target: string): string {
  return target.startsWith("/") ? normalizePath(target) : joinPath(dirname(linkPath), target);
}

/**
 * The display form of a canonical path: with a leading slash (`"/"` for the root).
 *
 * @example
 * ```ts
 * displayPath("a/b"); // "/a/b"
 * ```
 */
export function displayPath(path: string): string {
  return "/" + normalizePath(path);
}
