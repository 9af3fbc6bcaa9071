/**
 * The shapes of a workflow's names and targets in one place: the zod schema
 * (schema.ts, jobs/options.ts), the target check (validate.ts) and the
 * zod-free hand check (hand_check.ts) test the same patterns. No imports.
 * @module
 */

/**
 * Endpoint, job and var names: letters, digits, `_` and `-`, starting with a letter or `_`.
 *
 * @example
 * ```ts
 * NAME_PATTERN.test("origin_2"); // true
 * ```
 */
export const NAME_PATTERN = /^[A-Za-z_][A-Za-z0-9_-]*$/;

/**
 * The start of a target: an endpoint name and a colon (`origin:/releases`).
 *
 * @example
 * ```ts
 * TARGET_PATTERN.test("origin:/releases"); // true
 * ```
 */
export const TARGET_PATTERN = /^[A-Za-z_][A-Za-z0-9_-]*:/;

/**
 * A two-way sync's `conflictSuffix`: letters, digits, `_ . -`.
 *
 * @example
 * ```ts
 * CONFLICT_SUFFIX_PATTERN.test("sync-conflict"); // true
 * ```
 */
export const CONFLICT_SUFFIX_PATTERN = /^[A-Za-z0-9_.-]+$/;
