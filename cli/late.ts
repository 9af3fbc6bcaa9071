/**
 * Late imports: a module imported only when a command needs it, hidden from
 * Deno's start-up. Deno builds its module graph from every import it can read
 * in the source, literal `import("./x.ts")` included, so one literal dynamic
 * import in cli/main.ts made every run (even `--version`) resolve and read all
 * ~200 modules and the npm packages' metadata. A specifier in a variable is
 * resolved only when the call runs.
 * @module
 */

/**
 * Imports `specifier` relative to `base` (the caller's `import.meta.url`) when
 * called; type it with `typeof import(...)` of the same path.
 *
 * @example
 * ```ts
 * const { buildProgram } = await late<typeof import("./program.ts")>(import.meta.url, "./program.ts");
 * ```
 */
export function late<T>(base: string, specifier: string): Promise<T> {
  const url = new URL(specifier, base).href;
  const waiting = pause?.();
  return waiting ? waiting.then(() => import(url)) : import(url);
}

/** What each late import waits for first, while set (see {@link pauseLateImports}). */
let pause: (() => Promise<void> | undefined) | undefined;

/**
 * Has each late import first wait for what `first()` returns (nothing: import
 * at once), until the returned function is called. Deno runs a chain of
 * dynamic imports, each module graph read and evaluated, in one turn of its
 * event loop without polling its ops: a connection's continuations wait for
 * the whole chain. cli/head_start.ts pauses the imports for its login's next
 * step (capped at a millisecond) while it is under way.
 *
 * @example
 * ```ts
 * const resume = pauseLateImports(() => loginWritten ? undefined : nextStep());
 * // ... later
 * resume();
 * ```
 */
export function pauseLateImports(first: () => Promise<void> | undefined): () => void {
  pause = first;
  return () => {
    if (pause === first) pause = undefined;
  };
}
