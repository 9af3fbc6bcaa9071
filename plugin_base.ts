/**
 * The light half of `./plugin`, for a plugin that wraps another backend and
 * wants to load little: {@link definePlugin} and the shapes it takes, the
 * endpoint contract with its errors and building blocks (paths, mtimes, atomic
 * writes, streams, hashes, {@link DelegatingEndpoint}), the logger, ferry's
 * errors and unit parsers. `./plugin` is all of this plus the local and memory
 * endpoints, `openEndpoint` and the built-in scheme table (which bring the FTP
 * endpoint), and password hashing: the UFTP plugin's transfer path takes ~10 %
 * less CPU at start-up without those (docs/BENCHMARKS.md, session 10).
 *
 * @example Wrap an endpoint
 * ```ts
 * import { DelegatingEndpoint, type Endpoint, normalizePath } from "./plugin_base.ts";
 *
 * class ReadOnly extends DelegatingEndpoint<Endpoint> {
 *   override write(): never {
 *     throw new Error(`read-only: ${normalizePath("a/b")}`);
 *   }
 * }
 * ```
 * @module
 */
export * from "./workflow/plugin.ts";
export { FerryError } from "./util/errors.ts";
export { logger } from "./util/log.ts";
export * from "./endpoint/types.ts";
export * from "./endpoint/errors.ts";
export * from "./endpoint/mtime.ts";
export * from "./endpoint/path.ts";
export * from "./endpoint/atomic.ts";
export * from "./endpoint/streams.ts";
export * from "./endpoint/hash.ts";
export * from "./endpoint/delegating.ts";
export { AuthError, PluginLoadError, UsageError } from "./workflow/errors.ts";
export { parseDuration, parseSize } from "./util/units.ts";
export { host as hostPaths, type PathFunctions, posix as posixPaths } from "./util/paths.ts";

// The types the names above mention (deno doc links them; not an API of their own): the
// list every entry point shares.
export type * from "./workflow/mentions/base.ts";
