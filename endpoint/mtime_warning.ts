/**
 * The one warning for a copy's mtime that did not stick: `setMtime` after a
 * transfer and `renameWithMtime` log it and go on (the bytes are in place), in
 * every endpoint and in sync's own `applyMtime`. Not part of the public
 * surface (endpoint/mtime.ts is): it takes the caller's logger.
 * @module
 */
import type { Logger } from "../util/log.ts";
import { errorMessage } from "../util/errors.ts";

/**
 * Records that `path`'s mtime could not be set and answers `false` (whether
 * the time was set).
 *
 * @example
 * ```ts
 * const set = await ep.setMtime("a.txt", when).then(() => true, (e) => mtimeNotSet(log, "a.txt", e));
 * ```
 */
export function mtimeNotSet(log: Logger, path: string, error: unknown): false {
  log.warn("cannot set mtime of {path}: {error}", { path, error: errorMessage(error) });
  return false;
}
