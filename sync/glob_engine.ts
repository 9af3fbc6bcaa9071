/**
 * The glob engine of sync/filter.ts (picomatch: npm, CommonJS, which brings
 * Node's module layer), imported only where globs are met: a no-change mirror
 * without any saved ~12 ms of CPU of its ~0.26 s (session 13). Internal: not
 * re-exported by the library's entry points, which load it at once
 * (sync/globs.ts).
 * @module
 */
import type { picomatch as Picomatch } from "../deps/picomatch.ts";

const ENGINE = new URL("../deps/picomatch.ts", import.meta.url).href;
let picomatch: typeof Picomatch | undefined;

/**
 * Imports the glob engine (once); sync/filter.ts's `makeFilter` and
 * `globProblem` need it for any glob.
 *
 * @example
 * ```ts
 * if (hasGlobs(rules)) await loadGlobs();
 * const filter = makeFilter(rules);
 * ```
 */
export async function loadGlobs(): Promise<void> {
  picomatch ??= (await import(ENGINE) as typeof import("../deps/picomatch.ts")).picomatch;
}

/**
 * Gives the module the glob engine, imported by the caller (sync/globs.ts).
 *
 * @example
 * ```ts
 * useGlobEngine(picomatch);
 * ```
 */
export function useGlobEngine(engine: typeof Picomatch): void {
  picomatch = engine;
}

/**
 * Whether sync/filter.ts's `makeFilter` and `globProblem` can take globs now
 * (the engine is loaded).
 *
 * @example
 * ```ts
 * if (!globsLoaded()) await loadGlobs();
 * ```
 */
export function globsLoaded(): boolean {
  return picomatch !== undefined;
}

/**
 * Whether the rules hold a glob (an include or exclude).
 *
 * @example
 * ```ts
 * hasGlobs({ exclude: ["*.tmp"] }); // true
 * hasGlobs({ maxSize: 10 });        // false
 * ```
 */
export function hasGlobs(rules: { include?: string[]; exclude?: string[] }): boolean {
  return (rules.include?.length ?? 0) > 0 || (rules.exclude?.length ?? 0) > 0;
}

/**
 * The engine, or an internal error when a caller did not load it.
 *
 * @example
 * ```ts
 * const isMatch = engine()("*.txt", { dot: true });
 * ```
 */
export function engine(): typeof Picomatch {
  if (!picomatch) throw new Error("internal: the glob engine is not loaded (await loadGlobs())");
  return picomatch;
}
