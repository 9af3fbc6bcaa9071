/**
 * Remote (server) paths: absolute POSIX paths as sent on the wire, and
 * ftputil's `host.path`: these pure functions and the questions asked of the
 * server (`FtpHost.path`, {@link makeHostPath}).
 * @module
 */
import { posix } from "../../util/paths.ts";
import { InvalidPathError, NotADirectoryError, NotFoundError } from "../errors.ts";
import type { Stat } from "../types.ts";

/**
 * An absolute, normalized remote path for `path` seen from `cwd`. Refuses CR,
 * LF and NUL, which would split the command line on the control connection.
 *
 * @example
 * ```ts
 * abspath("/home/bob", "pub/../x"); // "/home/bob/x"
 * abspath("/home/bob", "/etc");     // "/etc"
 * ```
 */
export function abspath(cwd: string, path: string): string {
  if (/[\0\r\n]/.test(path)) throw new InvalidPathError(path, "contains NUL, CR or LF");
  const joined = posix.isAbsolute(path) ? path : posix.join(cwd, path);
  const normal = posix.normalize(joined);
  return normal.length > 1 ? normal.replace(/\/+$/, "") : normal;
}

/**
 * The parent of an absolute remote path (`/` for `/`).
 *
 * @example
 * ```ts
 * remoteDirname("/a/b"); // "/a"
 * ```
 */
export function remoteDirname(path: string): string {
  return posix.dirname(path);
}

/**
 * The last segment of a remote path (`""` for `/`).
 *
 * @example
 * ```ts
 * remoteBasename("/a/b.txt"); // "b.txt"
 * ```
 */
export function remoteBasename(path: string): string {
  return posix.basename(path);
}

/**
 * Joins remote path pieces (an absolute piece restarts, like `os.path.join`).
 *
 * @example
 * ```ts
 * remoteJoin("/a", "b", "c"); // "/a/b/c"
 * ```
 */
export function remoteJoin(...parts: string[]): string {
  return posix.join(...parts);
}

/**
 * Resolves a symlink target as seen from the link's path.
 *
 * @example
 * ```ts
 * linkTarget("/pub/latest", "v2/file"); // "/pub/v2/file"
 * linkTarget("/pub/latest", "/srv/x");  // "/srv/x"
 * ```
 */
export function linkTarget(linkPath: string, target: string): string {
  return abspath(posix.dirname(linkPath), target);
}

/** The `os.path`-like helpers of a host (ftputil's `host.path`). */
export interface HostPath {
  /** Joins path parts with `/`; an absolute part starts over (like `os.path.join`). */
  join(...parts: string[]): string;
  /** Everything before the last `/` (`"/"` for a top-level name). */
  dirname(path: string): string;
  /** The part after the last `/`. */
  basename(path: string): string;
  /** The absolute form of `path`, relative paths taken from the host's current directory. */
  abspath(path: string): string;
  /** Whether `path` starts with `/`. */
  isabs(path: string): boolean;
  /** Whether anything is at `path` (links followed); never throws NotFoundError. */
  exists(path: string): Promise<boolean>;
  /** Whether `path` is a directory (links followed). */
  isdir(path: string): Promise<boolean>;
  /** Whether `path` is a regular file (links followed). */
  isfile(path: string): Promise<boolean>;
  /** Whether `path` itself is a symbolic link. */
  islink(path: string): Promise<boolean>;
  /** mtime as a UTC Date (shift applied); throws NotFoundError when missing. */
  getmtime(path: string): Promise<Date | undefined>;
  /** Size in bytes (links followed); throws NotFoundError when missing. */
  getsize(path: string): Promise<number>;
}

/**
 * A host's `path` ({@link HostPath}): the pure functions above, and the
 * questions (`exists`, `isdir`, `getsize`, ...) asked of `host`.
 *
 * @example
 * ```ts
 * const path = makeHostPath({ stat: (p) => host.stat(p), lstat: (p) => host.lstat(p), abspath: (p) => p });
 * await path.isdir("/pub"); // true
 * ```
 */
export function makeHostPath(host: {
  stat(path: string): Promise<Stat>;
  lstat(path: string): Promise<Stat>;
  abspath(path: string): string;
}): HostPath {
  const exists = async (path: string, test: (s: Stat) => boolean, follow: boolean) => {
    try {
      return test(await (follow ? host.stat(path) : host.lstat(path)));
    } catch (error) {
      if (error instanceof NotFoundError || error instanceof NotADirectoryError) return false;
      throw error;
    }
  };
  return {
    join: remoteJoin,
    dirname: remoteDirname,
    basename: remoteBasename,
    abspath: (p) => host.abspath(p),
    isabs: (p) => p.startsWith("/"),
    // Like os.path.exists, a dangling link does not exist.
    exists: (p) => exists(p, () => true, true).catch(() => false),
    isdir: (p) => exists(p, (s) => s.type === "dir", true).catch(() => false),
    isfile: (p) => exists(p, (s) => s.type === "file", true).catch(() => false),
    islink: (p) => exists(p, (s) => s.type === "symlink", false),
    getmtime: async (p) => (await host.stat(p)).mtime,
    getsize: async (p) => (await host.stat(p)).size,
  };
}
