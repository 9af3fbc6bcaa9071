/**
 * The session's view of paths (pure): UFTPD's `makeabs` — relative paths join
 * the current directory, `.`/`..` are resolved, and the result must lie in the
 * session's base directory — but checked by whole path segments (the Python
 * UFTPD's plain prefix test lets `/data2` pass for base `/data`). Virtual
 * absolute paths map onto the served endpoint's relative paths.
 * @module
 */

/**
 * A path outside the base directory, or unusable.
 *
 * @example
 * ```ts
 * throw new ForbiddenPathError("Forbidden: /etc not in /data");
 * ```
 */
export class ForbiddenPathError extends Error {}

/**
 * Normalises a virtual absolute path: collapses `//`, `.` and `..` (never
 * above `/`).
 *
 * @example
 * ```ts
 * normalizeVirtual("/a/./b/../c/"); // "/a/c"
 * ```
 */
export function normalizeVirtual(path: string): string {
  const out: string[] = [];
  for (const part of path.split("/")) {
    if (part === "" || part === ".") continue;
    if (part === "..") out.pop();
    else out.push(part);
  }
  return `/${out.join("/")}`;
}

/**
 * Whether `path` is `base` or below it (both normalised).
 *
 * @example
 * ```ts
 * isWithin("/data/x", "/data"); // true
 * isWithin("/data2", "/data");  // false
 * ```
 */
export function isWithin(path: string, base: string): boolean {
  return base === "/" || path === base || path.startsWith(`${base}/`);
}

/**
 * UFTPD's `makeabs`: the virtual absolute path an argument names, or a
 * {@link ForbiddenPathError} (`Forbidden: <p> not in <base>`).
 *
 * @example
 * ```ts
 * resolveInBase("sub/f", "/data/x", "/data"); // "/data/x/sub/f"
 * resolveInBase("/etc/passwd", "/data", "/data"); // throws ForbiddenPathError
 * ```
 */
export function resolveInBase(arg: string, cwd: string, base: string): string {
  if (arg.includes("\0")) throw new ForbiddenPathError("path with NUL");
  const joined = arg.startsWith("/") ? arg : `${cwd}/${arg}`;
  const path = normalizeVirtual(joined);
  if (!isWithin(path, base)) throw new ForbiddenPathError(`Forbidden: ${path} not in ${base}`);
  return path;
}

/**
 * The base directory of a job's `file=` value: its dirname (so `/data/`
 * gives `/data`), relative names below `/`, and `/` for no restriction.
 *
 * @example
 * ```ts
 * baseDirOf("/data/"); // "/data"
 * baseDirOf("");       // "/"
 * ```
 */
export function baseDirOf(file: string): string {
  const slash = file.lastIndexOf("/");
  const dir = slash < 0 ? "" : file.slice(0, slash);
  return dir === "" && !file.startsWith("/") ? "/" : normalizeVirtual(`/${dir}`);
}

/** Python's white space (`str.isspace`), which its `str.strip()` takes off both ends. */
const PY_SPACE =
  "\\t\\n\\v\\f\\r\\x1c-\\x20\\x85\\xa0\\u1680\\u2000-\\u200a\\u2028\\u2029\\u202f\\u205f\\u3000";
const PY_STRIP = new RegExp(`^[${PY_SPACE}]+|[${PY_SPACE}]+$`, "g");

/**
 * Python's `str.strip()`, as the UFTPD strips its command lines and paths: not
 * JavaScript's `trim` (which takes U+FEFF and leaves U+001C..U+001F, U+0085).
 *
 * @example
 * ```ts
 * pyStrip(" a\x85");    // "a"
 * pyStrip("\ufeffa ");  // "\ufeffa"
 * ```
 */
export function pyStrip(text: string): string {
  return text.replace(PY_STRIP, "");
}
