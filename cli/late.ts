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
  return import(new URL(specifier, base).href);
}
