/**
 * The two-way sync's conflict policies in one list: the type, the workflow
 * schema's enum, commander's choices and the quick path's and hand check's
 * tests all come from it. No imports: the CLI's first modules load it.
 * @module
 */

/**
 * Every conflict policy, the default (`keep-both`) first.
 *
 * @example
 * ```ts
 * CONFLICT_POLICIES.includes("newer"); // true
 * ```
 */
export const CONFLICT_POLICIES = ["keep-both", "newer", "a", "b", "skip"] as const;

/** Who wins when a path changed on both sides. */
export type ConflictPolicy = typeof CONFLICT_POLICIES[number];
