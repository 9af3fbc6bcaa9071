/**
 * Paths without node:path: the first `node:` module a process imports starts
 * Deno's Node layer (~20-30 ms of the main thread), and node:path was the last
 * one a one-file `ferry get`/`put` loaded. {@link posix} has node:path's posix
 * functions that ferry uses (remote paths are always POSIX); the host's own
 * (local files) are the same on Linux and macOS, node:path's own on Windows,
 * loaded there on first use. `util/paths_test.ts` holds them to node:path's
 * answers.
 * @module
 */
import type nodePath from "node:path";

/** The node:path functions ferry uses, one platform's flavour. */
export interface PathFunctions {
  /** The absolute path of `paths` joined from the right, against the working directory. */
  resolve(...paths: string[]): string;
  /** The non-empty `paths` joined by the separator, normalised (`"."` when none). */
  join(...paths: string[]): string;
  /** `..` and `.` resolved, repeated separators merged; a trailing separator kept. */
  normalize(path: string): string;
  /** Everything before the last name. */
  dirname(path: string): string;
  /** The last name (trailing separators ignored). */
  basename(path: string): string;
  /** Whether `path` starts at the root. */
  isAbsolute(path: string): boolean;
  /** The way from `from` to `to` (both resolved first; `""` when they are the same). */
  relative(from: string, to: string): string;
  /** The separator between names. */
  sep: string;
}

/** `path`'s names with `.` and `..` resolved (`..` kept past the start when `aboveRoot`). */
function normalizeNames(path: string, aboveRoot: boolean): string {
  const out: string[] = [];
  for (const name of path.split("/")) {
    if (name === "" || name === ".") continue;
    if (name !== "..") out.push(name);
    else if (out.length > 0 && out[out.length - 1] !== "..") out.pop();
    else if (aboveRoot) out.push("..");
  }
  return out.join("/");
}

/** A separator doubled, or a `.` or `..` name: what {@link normalizePosix} would change. */
const notNormal = /\/\/|(?:^|\/)\.\.?(?:\/|$)/;

function normalizePosix(path: string): string {
  if (path.length === 0) return ".";
  // Most paths are normal already (remote paths are joined and normalised
  // several times a file): no split, array and join for them.
  if (!notNormal.test(path)) return path;
  const absolute = path[0] === "/";
  const trailing = path[path.length - 1] === "/";
  const names = normalizeNames(path, !absolute);
  if (names.length === 0) return absolute ? "/" : trailing ? "./" : ".";
  const out = trailing ? `${names}/` : names;
  return absolute ? `/${out}` : out;
}

/**
 * POSIX paths, as node:path's `posix`: remote paths on every platform.
 *
 * @example
 * ```ts
 * posix.join("/pub", "../etc", "a"); // "/etc/a"
 * ```
 */
export const posix: PathFunctions = {
  resolve(...paths) {
    let resolved = "";
    let absolute = false;
    for (let i = paths.length - 1; i >= -1 && !absolute; i--) {
      const path = i >= 0 ? paths[i] : Deno.cwd();
      if (path.length === 0) continue;
      resolved = `${path}/${resolved}`;
      absolute = path[0] === "/";
    }
    const names = normalizeNames(resolved, !absolute);
    return absolute ? `/${names}` : names.length > 0 ? names : ".";
  },
  join(...paths) {
    const joined = paths.filter((p) => p.length > 0).join("/");
    return joined.length === 0 ? "." : normalizePosix(joined);
  },
  normalize: normalizePosix,
  dirname(path) {
    if (path.length === 0) return ".";
    const rooted = path[0] === "/";
    // The last separator before the last name (separators after it skipped).
    let end = -1;
    let trailing = true;
    for (let i = path.length - 1; i >= 1; i--) {
      if (path[i] !== "/") trailing = false;
      else if (!trailing) {
        end = i;
        break;
      }
    }
    if (end === -1) return rooted ? "/" : ".";
    if (rooted && end === 1) return "//";
    return path.slice(0, end);
  },
  basename(path) {
    let start = 0;
    let end = -1;
    for (let i = path.length - 1; i >= 0; i--) {
      if (path[i] !== "/") {
        if (end === -1) end = i + 1;
      } else if (end !== -1) {
        start = i + 1;
        break;
      }
    }
    return end === -1 ? "" : path.slice(start, end);
  },
  isAbsolute: (path) => path.length > 0 && path[0] === "/",
  relative(from, to) {
    const a = posix.resolve(from);
    const b = posix.resolve(to);
    if (a === b) return "";
    const names = (p: string) => (p === "/" ? [] : p.slice(1).split("/"));
    const x = names(a);
    const y = names(b);
    let same = 0;
    while (same < x.length && same < y.length && x[same] === y[same]) same++;
    return [...x.slice(same).map(() => ".."), ...y.slice(same)].join("/");
  },
  sep: "/",
};

const windows = Deno.build.os === "windows";

/** A `node:` module, loaded on first use (synchronously: Windows only). */
function builtin<T>(name: string): T {
  const { process } = globalThis as unknown as {
    process: { getBuiltinModule(name: string): T };
  };
  return process.getBuiltinModule(name);
}

/**
 * This machine's paths: {@link posix} on Linux and macOS, node:path's own on
 * Windows.
 *
 * @example
 * ```ts
 * const partial = host.join(host.dirname(target), ".a.bin.ferry.part");
 * ```
 */
export const host: PathFunctions = windows
  ? {
    resolve: (...paths) => builtin<typeof nodePath>("node:path").resolve(...paths),
    join: (...paths) => builtin<typeof nodePath>("node:path").join(...paths),
    normalize: (path) => builtin<typeof nodePath>("node:path").normalize(path),
    dirname: (path) => builtin<typeof nodePath>("node:path").dirname(path),
    basename: (path) => builtin<typeof nodePath>("node:path").basename(path),
    isAbsolute: (path) => builtin<typeof nodePath>("node:path").isAbsolute(path),
    relative: (from, to) => builtin<typeof nodePath>("node:path").relative(from, to),
    sep: "\\",
  }
  : posix;

/**
 * The local path of a `file:` URL, as node:url's `fileURLToPath` (a host name
 * or an encoded separator is refused).
 *
 * @example
 * ```ts
 * fileUrlToPath("file:///srv/a%20b"); // "/srv/a b"
 * ```
 */
export function fileUrlToPath(url: string | URL): string {
  if (windows) {
    return builtin<typeof import("node:url")>("node:url").fileURLToPath(url);
  }
  const u = typeof url === "string" ? new URL(url) : url;
  if (u.protocol !== "file:") throw new TypeError(`not a file: URL: ${u.href}`);
  if (u.hostname !== "") throw new TypeError(`a file: URL with a host: ${u.href}`);
  if (/%2f/i.test(u.pathname)) throw new TypeError(`a file: URL with an encoded /: ${u.href}`);
  return decodeURIComponent(u.pathname);
}

/**
 * The `file:` URL of a local path (made absolute), as node:url's `pathToFileURL`.
 *
 * @example
 * ```ts
 * pathToFileUrl("/srv/a b#1").href; // "file:///srv/a%20b%231"
 * ```
 */
export function pathToFileUrl(path: string): URL {
  if (windows) return builtin<typeof import("node:url")>("node:url").pathToFileURL(path);
  let resolved = posix.resolve(path);
  if (path.endsWith("/") && !resolved.endsWith("/")) resolved += "/";
  const url = new URL("file:///");
  // The pathname setter encodes the rest (spaces, `?`, `#`, ...); these it would keep.
  url.pathname = resolved.replace(/%/g, "%25").replace(/\\/g, "%5C").replace(/\n/g, "%0A")
    .replace(/\r/g, "%0D").replace(/\t/g, "%09");
  return url;
}

/** This machine's {@link PathFunctions}, one by one (see {@link host}). */
export const { resolve, join, normalize, dirname, basename, isAbsolute, relative, sep } = host;
