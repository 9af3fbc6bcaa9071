/**
 * Loads the glob engine into sync/filter.ts at once: imported by the library's
 * entry points (mod.ts, sync.ts), so `makeFilter`, `globProblem` and `walk`
 * take globs synchronously there, as they always did. ferry's own commands do
 * not import it: they load the engine only for a job that has globs.
 *
 *   import "./sync/globs.ts";
 * @module
 */
import { picomatch } from "../deps/picomatch.ts";
import { useGlobEngine } from "./glob_engine.ts";

useGlobEngine(picomatch);
