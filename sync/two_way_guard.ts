/**
 * The guards of a two-way sync's deletions, as rclone bisync has them: each
 * side may lose at most `maxDelete` of its own files (default 50 %), and a
 * side that lists empty although files were synced before deletes nothing on
 * the other; `force` passes both. Pure.
 * @module
 */
import type { Action, Side } from "./plan.ts";
import { maxDeleteLimit } from "./plan.ts";
import type { PairEntry } from "./state.ts";
import type { Tree } from "./walk.ts";

/** The limit per side when none is given (rclone bisync's `--max-delete` default). */
export const defaultSyncMaxDelete = "50%";

/** Options of {@link syncDeleteBlock}. */
export interface SyncGuardOptions {
  /** Deletions allowed per side: a count or a percentage of that side's files. */
  maxDelete?: number | string;
  /** Pass every guard. */
  force?: boolean;
}

/**
 * Why a sync's deletions must be held back, or undefined when they may run.
 *
 * @example
 * ```ts
 * syncDeleteBlock({ a: treeA, b: treeB }, old, deletes, {});
 * // "12 of 20 files on b (60 %) exceed maxDelete 50% per side"
 * ```
 */
export function syncDeleteBlock(
  trees: Record<Side, Tree>,
  old: Map<string, PairEntry>,
  deletes: Action[],
  options: SyncGuardOptions,
): string | undefined {
  if (options.force || deletes.length === 0) return undefined;
  if (options.maxDelete === undefined) {
    for (const side of ["a", "b"] as const) {
      const had = [...old.values()].filter((e) => e[side] && e[side]!.type !== "dir").length;
      if (trees[side].entries.size === 0 && had > 0) {
        return `${side} lists nothing but had ${had} synced file(s)`;
      }
    }
  }
  const limit = options.maxDelete ?? defaultSyncMaxDelete;
  for (const side of ["a", "b"] as const) {
    const files = [...trees[side].entries.values()].filter((s) => s.type !== "dir").length;
    const count = deletes.filter((d) =>
      d.op === "delete" && d.side === side && d.type !== "dir"
    ).length;
    if (count > maxDeleteLimit(limit, files)) {
      const pct = files > 0 ? ` (${Math.round((count / files) * 100)} %)` : "";
      return `${count} of ${files} files on ${side}${pct} exceed maxDelete ${limit} per side`;
    }
  }
  return undefined;
}

/**
 * The name a conflict loser is kept under, Syncthing's form:
 * `name.<suffix>-<UTC date>-<UTC time>-<side>.ext`, with a counter when taken.
 *
 * @example
 * ```ts
 * conflictName("d/notes.txt", "b", new Date("2024-05-06T07:08:09Z"));
 * // "d/notes.sync-conflict-20240506-070809-b.txt"
 * ```
 */
export function conflictName(
  path: string,
  side: Side,
  now: Date,
  suffix = "sync-conflict",
  taken: Set<string> = new Set(),
): string {
  const slash = path.lastIndexOf("/");
  const dir = path.slice(0, slash + 1);
  const base = path.slice(slash + 1);
  const dot = base.lastIndexOf(".");
  const [stem, ext] = dot > 0 ? [base.slice(0, dot), base.slice(dot)] : [base, ""];
  const stamp = now.toISOString().replace(/[-:]/g, "").replace("T", "-").slice(0, 15);
  for (let n = 1;; n++) {
    const name = `${dir}${stem}.${suffix}-${stamp}-${side}${n > 1 ? `-${n}` : ""}${ext}`;
    if (!taken.has(name)) return name;
  }
}
