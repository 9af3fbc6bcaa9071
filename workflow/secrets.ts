/**
 * Secret values seen while loading a workflow or resolving credentials, and the
 * one `redact()` every printer (logs, reports, errors) passes its text through.
 *
 * Values shorter than {@link MIN_SECRET_LENGTH} are masked only where they
 * stand alone (not inside a longer word or number): replacing every "a" or
 * "1" in the output would wreck it, while `password=ab` must still not show.
 * @module
 */

/** Shortest value that is masked wherever it occurs; shorter ones only as whole tokens. */
export const MIN_SECRET_LENGTH = 3;

/** What a secret is replaced with. */
export const MASK = "***";

/**
 * A set of secret strings and the means to mask them anywhere in output.
 *
 * @example
 * ```ts
 * const s = new Secrets();
 * s.add("hunter2");
 * s.redact("login with hunter2 failed"); // "login with *** failed"
 * ```
 */
export class Secrets {
  #values = new Set<string>();
  #pattern: RegExp | undefined;

  /**
   * Registers a value (and its URL-encoded form, which shows up in URLs).
   *
   * @example
   * ```ts
   * new Secrets().add(Deno.env.get("PW"));
   * ```
   */
  add(value: string | undefined | null): this {
    if (typeof value !== "string" || value === "") return this;
    for (const v of new Set([value, encodeURIComponent(value)])) this.#values.add(v);
    this.#pattern = undefined;
    return this;
  }

  /** Number of distinct values held (including encoded forms). */
  get size(): number {
    return this.#values.size;
  }

  /**
   * Whether `value` is registered as secret.
   *
   * @example
   * ```ts
   * new Secrets().add("hunter2").has("hunter2"); // true
   * ```
   */
  has(value: string): boolean {
    return this.#values.has(value);
  }

  /**
   * Replaces every secret in `text` with {@link MASK}.
   *
   * @example
   * ```ts
   * new Secrets().add("s3cret").redact("pw=s3cret"); // "pw=***"
   * ```
   */
  redact(text: string): string {
    if (this.#values.size === 0 || text === "") return text;
    // Most text holds none of the values: a substring test per value is far
    // cheaper than the pattern (Unicode lookarounds), which only ever matches
    // where a value occurs (a log line per FTP session event: ~4 us a line).
    let any = false;
    for (const v of this.#values) {
      if (text.includes(v)) {
        any = true;
        break;
      }
    }
    if (!any) return text;
    this.#pattern ??= new RegExp(
      // Longest first, so a secret that contains another is masked whole.
      [...this.#values].sort((a, b) => b.length - a.length).map((v) =>
        v.length < MIN_SECRET_LENGTH
          ? `(?<![\\p{L}\\p{N}])${escapeRegExp(v)}(?![\\p{L}\\p{N}])`
          : escapeRegExp(v)
      ).join("|"),
      "gu",
    );
    return text.replace(this.#pattern, MASK);
  }

  /**
   * Redacts every string inside a JSON-like value (reports, log properties);
   * returns a copy and leaves the input alone.
   *
   * @example
   * ```ts
   * new Secrets().add("s3cret").redactDeep({ a: ["s3cret"] }); // { a: ["***"] }
   * ```
   */
  redactDeep<T>(value: T): T {
    return this.#deep(value, new WeakMap()) as T;
  }

  #deep(value: unknown, seen: WeakMap<object, unknown>): unknown {
    if (typeof value === "string") return this.redact(value);
    if (value === null || typeof value !== "object") return value;
    if (value instanceof Date || value instanceof Uint8Array) return value;
    if (seen.has(value)) return seen.get(value);
    if (value instanceof Error) {
      const copy = new Error(this.redact(value.message));
      copy.name = value.name;
      copy.stack = value.stack === undefined ? undefined : this.redact(value.stack);
      seen.set(value, copy);
      return copy;
    }
    if (Array.isArray(value)) {
      const out: unknown[] = new Array(value.length);
      seen.set(value, out);
      for (let i = 0; i < value.length; i++) out[i] = this.#deep(value[i], seen);
      return out;
    }
    // for..in with an own-key check, not Object.entries: no [key, value] array per property
    // (a run event per file start and end passes through here).
    const out: Record<string, unknown> = {};
    seen.set(value, out);
    const record = value as Record<string, unknown>;
    for (const k in record) {
      if (Object.hasOwn(record, k)) out[k] = this.#deep(record[k], seen);
    }
    return out;
  }
}

function escapeRegExp(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
}
