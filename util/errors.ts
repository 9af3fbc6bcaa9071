/**
 * The root of ferry's error hierarchy. Every error ferry throws on purpose is a
 * `FerryError`, so callers can tell ours from bugs, and each carries a stable `code`
 * (like Node's `err.code`) so code written for OS-style errors can branch on it.
 * @module
 */

/**
 * Base class of every error ferry raises deliberately.
 *
 * @example
 * ```ts
 * try { await op(); } catch (e) { if (e instanceof FerryError) console.error(e.code, e.message); }
 * ```
 */
export class FerryError extends Error {
  /** A stable, machine-readable code such as `EFTPPERM` or `ENOENT`. */
  readonly code: string;
  /** Makes the error; `code` defaults to `EFERRY`, `cause` keeps what led to it. */
  constructor(message: string, options: { code?: string; cause?: unknown } = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = new.target.name;
    this.code = options.code ?? "EFERRY";
  }
}

/**
 * The message of anything thrown (Errors give their message, other values their string).
 *
 * @example
 * ```ts
 * errorMessage(new Error("boom")); // "boom"
 * ```
 */
export function errorMessage(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

/**
 * An error and its causes, outermost first: the objects along `cause`, at
 * most `limit` of them (a cycle of causes ends there).
 *
 * @example
 * ```ts
 * const outer = new Error("outer", { cause: Object.assign(new Error("x"), { ftpCode: 451 }) });
 * for (const e of causeChain(outer)) console.log((e as Error).message); // "outer", "x"
 * ```
 */
export function* causeChain(error: unknown, limit = 8): Generator<Record<string, unknown>> {
  for (let e: unknown = error, depth = 0; e && typeof e === "object" && depth < limit; depth++) {
    yield e as Record<string, unknown>;
    e = (e as { cause?: unknown }).cause;
  }
}
