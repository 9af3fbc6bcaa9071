/**
 * Virtual paths as the client sees them: absolute, POSIX, rooted at the
 * user's home. Pure functions, no I/O (pyftpdlib's `ftpnorm`).
 * @module
 */
import { ReplyError } from "./errors.ts";

/**
 * Turns a client path argument into a normalized absolute virtual path.
 * `..` at the top stays at `/` (like `cd ..` in `/`), so a lexical escape is
 * impossible by construction; symlinks are the filesystem's job.
 *
 * @example
 * ```ts
 * ftpNormalize("/pub", "../etc/x");   // "/etc/x"
 * ftpNormalize("/", "../../a");       // "/a"
 * ```
 */
export function ftpNormalize(cwd: string, arg: string): string {
  if (arg.includes("\0")) throw new ReplyError(501, "Invalid path: NUL character.");
  if (/[\r\n]/.test(arg)) throw new ReplyError(501, "Invalid path: line break.");
  const raw = arg.startsWith("/") ? arg : cwd === "/" ? `/${arg}` : `${cwd}/${arg}`;
  // Normal already (a client's usual argument): no split, array and join.
  if (isNormal(raw)) return raw;
  const out: string[] = [];
  for (const part of raw.split("/")) {
    if (part === "" || part === ".") continue;
    if (part === "..") out.pop();
    else out.push(part);
  }
  return "/" + out.join("/");
}

/**
 * Whether an absolute path is what {@link ftpNormalize} makes of it: no
 * empty, `.` or `..` component and no trailing slash (`/` itself is).
 */
function isNormal(p: string): boolean {
  if (p === "/") return true;
  if (p.charCodeAt(0) !== SLASH || p.charCodeAt(p.length - 1) === SLASH) return false;
  for (let i = p.indexOf("/"); i >= 0; i = p.indexOf("/", i + 1)) {
    // The component after this slash: not empty, not "." and not "..".
    const a = p.charCodeAt(i + 1);
    if (a === SLASH) return false;
    if (a !== DOT) continue;
    const b = p.charCodeAt(i + 2);
    if (b === SLASH || Number.isNaN(b)) return false;
    if (b !== DOT) continue;
    const c = p.charCodeAt(i + 3);
    if (c === SLASH || Number.isNaN(c)) return false;
  }
  return true;
}

const SLASH = 47;
const DOT = 46;

/**
 * The components of a normalized virtual path (`"/a/b"` gives `["a", "b"]`).
 *
 * @example
 * ```ts
 * splitPath("/a/b"); // ["a", "b"]
 * ```
 */
export function splitPath(virtual: string): string[] {
  // A loop, not split + filter: every command with a path walks it (one array, not two).
  const out: string[] = [];
  let start = 0;
  for (let i = virtual.indexOf("/"); i >= 0; i = virtual.indexOf("/", start)) {
    if (i > start) out.push(virtual.slice(start, i));
    start = i + 1;
  }
  if (start < virtual.length) out.push(virtual.slice(start));
  return out;
}

/**
 * The parent of a normalized virtual path (`/` for `/`).
 *
 * @example
 * ```ts
 * parentOf("/a/b"); // "/a"
 * ```
 */
export function parentOf(virtual: string): string {
  const parts = splitPath(virtual);
  parts.pop();
  return "/" + parts.join("/");
}

/**
 * The last component of a virtual path (`""` for `/`).
 *
 * @example
 * ```ts
 * baseName("/a/b.txt"); // "b.txt"
 * ```
 */
export function baseName(virtual: string): string {
  // No trailing slash (a normalized path): the text after the last one.
  if (virtual.charCodeAt(virtual.length - 1) !== SLASH) {
    return virtual.slice(virtual.lastIndexOf("/") + 1);
  }
  const parts = splitPath(virtual);
  return parts[parts.length - 1] ?? "";
}

/**
 * Joins endpoint-relative path parts, dropping empty ones (`""` is the root).
 *
 * @example
 * ```ts
 * joinRelative("home/bob", "/a/b"); // "home/bob/a/b"
 * ```
 */
export function joinRelative(...parts: string[]): string {
  // Joined by hand: this runs for every path a session touches (the walk joins
  // each component), and flatMap + split + filter made four arrays a call.
  let out = "";
  for (const part of parts) {
    let start = 0;
    for (let i = 0; i <= part.length; i++) {
      if (i < part.length && part.charCodeAt(i) !== 47) continue; // "/"
      if (i > start && !(i === start + 1 && part.charCodeAt(start) === 46)) { // not "" or "."
        out = out ? `${out}/${part.slice(start, i)}` : part.slice(start, i);
      }
      start = i + 1;
    }
  }
  return out;
}

/**
 * Whether virtual path `path` is `dir` or lies below it (a directory
 * boundary is required: `/ab` is not inside `/a`).
 *
 * @example
 * ```ts
 * isInside("/a/b", "/a"); // true
 * isInside("/ab", "/a");  // false
 * ```
 */
export function isInside(path: string, dir: string): boolean {
  if (dir === "/") return true;
  return path === dir || path.startsWith(dir + "/");
}

/**
 * Quotes a path for a 257 reply (RFC 959: embedded `"` doubled).
 *
 * @example
 * ```ts
 * quotePath('/a"b'); // '"/a""b"'
 * ```
 */
export function quotePath(virtual: string): string {
  return `"${virtual.replaceAll('"', '""')}"`;
}

/**
 * `LIST -la dir` → `dir`: ls-style options are accepted and ignored.
 *
 * @example
 * ```ts
 * stripListOptions("-la /pub"); // "/pub"
 * ```
 */
export function stripListOptions(arg: string): string {
  let a = arg;
  while (/^-[A-Za-z0-9]+(\s|$)/.test(a)) a = a.replace(/^-[A-Za-z0-9]+\s*/, "");
  return a;
}
