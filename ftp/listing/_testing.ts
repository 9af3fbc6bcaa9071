/**
 * Test helpers for the listing parsers (not part of the public API).
 * @module
 */
import type { ListEntry } from "./types.ts";

/** The fields a test table states about an entry; mtime as an ISO string. */
export interface Expected {
  name: string;
  type: ListEntry["type"];
  size?: number;
  mtime?: string;
  precision?: number;
  mode?: number;
  owner?: string;
  group?: string;
  target?: string;
  unique?: string;
  perm?: string;
}

/**
 * Reduces an entry to the fields a table row names, so rows stay short and a
 * mismatch prints a readable diff.
 *
 * @example
 * ```ts
 * const entry = { name: "a", type: "file" as const, size: 1, precision: 1, raw: "a" };
 * summarize(entry, { name: "a", type: "file" }); // { name: "a", type: "file" }
 * ```
 */
export function summarize(entry: ListEntry | null, expected: Expected): Partial<Expected> | null {
  if (entry === null) return null;
  const full: Record<string, unknown> = { ...entry, mtime: entry.mtime?.toISOString() };
  const out: Record<string, unknown> = {};
  for (const key of Object.keys(expected)) out[key] = full[key];
  return out as Partial<Expected>;
}
