/**
 * Remote (server) paths: absolute POSIX paths as sent on the wire. The pure
 * half of ftputil's `host.path`; the half that asks the server lives on
 * `FtpHost.path`.
 * @module
 */
import { posix } from "../../util/paths.ts";
import { InvalidPathError } from "../errors.ts";

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
