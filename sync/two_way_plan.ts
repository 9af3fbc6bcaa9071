/**
 * Planning a two-way sync (pure): each path's change on either side since the
 * saved state (new, changed, unchanged, deleted, absent, or unknown where a
 * listing is incomplete) decides whether it is copied, deleted, recorded, or a
 * conflict settled by the policy. sync/two_way.ts carries the plan out.
 * @module
 */
import type { Stat } from "../endpoint/types.ts";
import { compareMtimes } from "../endpoint/mtime.ts";
import { isInside } from "../endpoint/path.ts";
import { compareEntries, type CompareMode } from "./compare.ts";
import {
  type Action,
  type Plan,
  resumeOffset,
  type Side,
  sourceTime,
  stalePartials,
  summarize,
} from "./plan.ts";
import type { ConflictRecord } from "./report.ts";
import { type PairEntry, type PairState, type Snapshot, snapshotOf } from "./state.ts";
import { comparePaths, type Tree } from "./walk.ts";
import { conflictName, syncDeleteBlock } from "./two_way_guard.ts";

import type { ConflictPolicy } from "./conflict_policies.ts";
export type { ConflictPolicy } from "./conflict_policies.ts";

/** Options of {@link planSync}. */
export interface SyncPlanOptions {
  /**
   * Default `keep-both`: the newer version takes the name, the older moves
   * aside under a conflict name on both sides. A path never synced before (a
   * first run) is never overwritten: `newer`, `a` and `b` keep both there too.
   */
  conflict?: ConflictPolicy;
  /** Word in a kept loser's name: `name.<suffix>-<date>-<time>-<side>.ext` (default "sync-conflict"). */
  conflictSuffix?: string;
  /** How files are judged equal (default size and mtime). */
  compare?: CompareMode;
  /** Extra slack in ms on top of the coarser mtime precision (default 0). */
  toleranceMs?: number;
  /**
   * Deletions allowed per side: a count, or a percentage like "50%" of that
   * side's files (default 50 %). A side that lists empty although files were
   * synced before deletes nothing unless `maxDelete` is set.
   */
  maxDelete?: number | string;
  /** Pass the deletion guards. */
  force?: boolean;
  /** Time used in conflict names. */
  now?: Date;
  /** Whether each side can create symlinks. */
  canSymlink?: Partial<Record<Side, boolean>>;
}

/** A planned sync: the actions, and the state to save once they succeeded. */
export interface SyncPlan extends Plan {
  /** Conflicts found, with both versions and how they were settled. */
  conflicts: ConflictRecord[];
  /** The state after the run if every action succeeds. */
  next: Map<string, PairEntry>;
  /** For each action, the paths whose state it decides (reverted when it fails). */
  affects: Map<Action, string[]>;
}

export { conflictName };

type Change = "new" | "changed" | "unchanged" | "deleted" | "absent" | "unknown";

const other = (s: Side): Side => (s === "a" ? "b" : "a");
const moved = (c: Change) => c === "new" || c === "changed";
const under = (p: string, dir: string) => p.startsWith(dir + "/");

/**
 * Plans a two-way sync from both trees and the saved state (pure).
 *
 * @example
 * ```ts
 * const plan = planSync(treeA, treeB, store.load("sync", keyA, keyB), { conflict: "keep-both" });
 * plan.actions.forEach((a) => console.log(describeAction(a)));
 * ```
 */
export function planSync(
  a: Tree,
  b: Tree,
  state: PairState,
  options: SyncPlanOptions = {},
): SyncPlan {
  const trees: Record<Side, Tree> = { a, b };
  const old = state.entries;
  const next = new Map<string, PairEntry>();
  const affects = new Map<Action, string[]>();
  const renames: Action[] = [];
  const copies: Action[] = [];
  const deletes: Action[] = [];
  /** Entries of one type replaced by another: removed before anything arrives. */
  const replaces: Action[] = [];
  /** `side:path` of entries being replaced (their subtree goes first too). */
  const replacing = new Set<string>();
  /** Directories that kept their name in a type conflict: nothing below them is deleted. */
  const keptDirs = new Set<string>();
  const skips: Action[] = [];
  const conflicts: ConflictRecord[] = [];
  const policy = options.conflict ?? "keep-both";
  const now = options.now ?? new Date();
  const keep = (p: string) => {
    const o = old.get(p);
    if (o) next.set(p, o);
  };
  const record = (p: string, x: Stat, y: Stat, xSide: Side) =>
    next.set(p, xSide === "a" ? both(x, y) : both(y, x));
  const copy = (p: string, to: Side, reason: string, from = p) => {
    const st = trees[other(to)].entries.get(from)!;
    const action: Action = st.type === "dir"
      ? { op: "mkdir", path: p, side: to }
      : st.type === "symlink"
      ? { op: "symlink", path: p, target: st.target ?? "", reason, side: to }
      : {
        op: "transfer",
        path: p,
        size: st.size,
        reason,
        side: to,
        ...sourceTime(st),
        ...(from !== p ? { from } : {}),
      };
    if (action.op === "transfer") {
      // Continue this side's partial of an earlier, interrupted run (as mirror does).
      const resumeFrom = resumeOffset(trees[to], p, st);
      if (resumeFrom !== undefined) action.resumeFrom = resumeFrom;
    }
    if (action.op === "symlink" && options.canSymlink?.[to] === false) {
      skips.push({ op: "skip", path: p, reason: `${to} cannot create symlinks`, side: to });
      keep(p);
      return;
    }
    if (action.op === "symlink" && st.target === undefined) {
      // A link to "" would fail after the entry there was removed (as mirror's plan).
      const reason = "the source does not tell where the link points";
      skips.push({ op: "skip", path: p, reason, side: to });
      keep(p);
      return;
    }
    copies.push(action);
    affects.set(action, [p]);
    next.set(p, { a: snapshotOf(st), b: snapshotOf(st) });
  };
  const remove = (p: string, on: Side, reason: string) => {
    const st = trees[on].entries.get(p)!;
    const type = st.type === "dir" ? "dir" : st.type === "symlink" ? "symlink" : "file";
    const action: Action = { op: "delete", path: p, type, size: st.size, reason, side: on };
    const replaced = [...replacing].some((k) => k === `${on}:${p}` || under(`${on}:${p}`, k));
    (replaced ? replaces : deletes).push(action);
    affects.set(action, [p]);
  };
  /** Whether anything below `dir` on `side` changed since the last run. */
  const movedBelow = (side: Side, dir: string) =>
    [...trees[side].entries.keys()].some((q) =>
      under(q, dir) &&
      moved(classify(trees[side].entries.get(q), old.get(q)?.[side], trees[side], q))
    );

  const paths = [...new Set([...a.entries.keys(), ...b.entries.keys(), ...old.keys()])]
    .sort(comparePaths);
  for (const p of paths) {
    const sa = a.entries.get(p);
    const sb = b.entries.get(p);
    const ca = classify(sa, old.get(p)?.a, a, p, options.toleranceMs);
    const cb = classify(sb, old.get(p)?.b, b, p, options.toleranceMs);
    if (ca === "unknown" || cb === "unknown") {
      skips.push({ op: "skip", path: p, reason: "incomplete listing" });
      keep(p);
      continue;
    }
    if (sa && sb && sa.type !== sb.type) {
      // One side replaced an entry by another type, the other left it alone: carry it.
      const changer: Side | undefined = moved(ca) && cb === "unchanged"
        ? "a"
        : moved(cb) && ca === "unchanged"
        ? "b"
        : undefined;
      const idle = changer && other(changer);
      if (changer && idle && !(trees[idle].entries.get(p)!.type === "dir" && movedBelow(idle, p))) {
        replacing.add(`${idle}:${p}`);
        remove(p, idle, `replaced by a ${trees[changer].entries.get(p)!.type} on ${changer}`);
        copy(p, idle, `${changer === "a" ? ca : cb} on ${changer}`);
      } else typeConflict(p, sa, sb);
      continue;
    }
    if (sa && sb && (!moved(ca) || !moved(cb))) {
      if (moved(ca)) copy(p, "b", `${ca} on a`);
      else if (moved(cb)) copy(p, "a", `${cb} on b`);
      else record(p, sa, sb, "a");
      if (!moved(ca) && !moved(cb) && sa.type !== "dir") {
        skips.push({ op: "skip", path: p, reason: "unchanged", size: sa.size });
      }
      continue;
    }
    if (sa && sb) {
      // Changed on both sides: a conflict unless they ended up alike.
      const same = compareEntries(sa, sb, {
        mode: options.compare,
        toleranceMs: options.toleranceMs,
      });
      if (same.verdict === "same") {
        record(p, sa, sb, "a");
        if (sa.type !== "dir") skips.push({ op: "skip", path: p, reason: "same on both sides" });
        continue;
      }
      resolveConflict(p, sa, sb);
      continue;
    }
    const [here, there] = sa ? ["a", "b"] as const : ["b", "a"] as const;
    const cHere = sa ? ca : cb;
    const cThere = sa ? cb : ca;
    if (!sa && !sb) continue; // deleted on both (or never synced): forget it
    const kept = [...keptDirs].find((d) => under(p, d));
    if (cThere === "deleted" && cHere === "unchanged" && kept === undefined) {
      remove(p, here, `deleted on ${there}`);
    } else if (cThere === "deleted") {
      copy(
        p,
        there,
        kept ? `kept with ${kept} (type conflict)` : `${cHere} on ${here}, deleted on ${there}`,
      );
    } else {
      copy(p, there, cHere === "new" ? `new on ${here}` : `missing on ${there}`);
    }
  }

  function resolveConflict(p: string, sa: Stat, sb: Stat): void {
    // Never synced before: no side's edit can be told from the other's, so nothing is overwritten.
    const chosen = old.has(p) || policy === "skip" ? policy : "keep-both";
    let winner: Side | undefined = chosen === "a" ? "a" : chosen === "b" ? "b" : undefined;
    if (chosen === "newer") {
      const order = compareMtimes(sa, sb);
      winner = order === "newer" ? "a" : order === "older" ? "b" : undefined;
    }
    if (chosen === "skip") {
      skips.push({ op: "skip", path: p, reason: "conflict: changed on both sides" });
      conflicts.push(conflictRecord(p, sa, sb, "skipped"));
      keep(p);
      return;
    }
    if (winner) {
      copy(
        p,
        other(winner),
        `conflict: ${chosen === "newer" ? `newer on ${winner}` : `${winner} wins`}`,
      );
      conflicts.push(conflictRecord(p, sa, sb, `${winner} wins`));
      return;
    }
    // keep-both (or newer that cannot tell): the older one, else b's, moves aside.
    const order = compareMtimes(sa, sb);
    keepBoth(p, sa, sb, order === "newer" ? "b" : order === "older" ? "a" : "b");
  }

  /** A file (or link) against a directory: the directory keeps the name. */
  function typeConflict(p: string, sa: Stat, sb: Stat): void {
    const loser: Side = sa.type === "dir" ? "b" : sb.type === "dir" ? "a" : "b";
    if (sa.type === "dir" || sb.type === "dir") keptDirs.add(p);
    keepBoth(p, sa, sb, loser, "type conflict");
  }

  function keepBoth(p: string, sa: Stat, sb: Stat, loser: Side, why = "conflict"): void {
    const win = other(loser);
    const taken = new Set([...a.entries.keys(), ...b.entries.keys(), ...next.keys()]);
    const aside = conflictName(p, loser, now, options.conflictSuffix, taken);
    const rename: Action = {
      op: "rename",
      from: p,
      path: aside,
      reason: `${why}: kept both`,
      side: loser,
    };
    renames.push(rename);
    affects.set(rename, [p, aside]);
    const loserStat = trees[loser].entries.get(p)!;
    // The renamed loser is read back from its own side under the new name.
    trees[loser] = withEntry(trees[loser], aside, loserStat);
    copy(p, loser, `${why}: kept both, ${win}'s version`);
    copy(aside, win, `${why}: the other side's version`, aside);
    conflicts.push(conflictRecord(p, sa, sb, `kept both: ${loser}'s version is ${aside}`, aside));
  }

  const mkdirs = parentDirs(copies, trees, next);
  let finalDeletes = settleDirDeletes(deletes, copies, mkdirs, trees, next);
  let replaceDeletes = orderDeletes(replaces);
  let deletesBlocked: string | undefined;
  let arriving = [...mkdirs, ...copies];
  const blocked = syncDeleteBlock({ a, b }, old, [...replaceDeletes, ...finalDeletes], options);
  if (blocked) {
    deletesBlocked = blocked;
    // What needed its old entry cleared cannot arrive either.
    const held = (x: Action) =>
      [...replacing].some((k) => k === `${x.side}:${x.path}` || under(`${x.side}:${x.path}`, k));
    for (const d of [...replaceDeletes, ...finalDeletes, ...arriving.filter(held)]) {
      const why = d.op === "delete" ? "not deleted" : "not replaced";
      skips.push({ op: "skip", path: d.path, reason: `${why}: ${blocked}`, side: d.side });
      const o = old.get(d.path);
      if (o) next.set(d.path, o);
      else next.delete(d.path);
    }
    arriving = arriving.filter((x) => !held(x));
    finalDeletes = [];
    replaceDeletes = [];
  }
  const allMkdirs = arriving.filter((c) => c.op === "mkdir")
    .sort((x, y) => comparePaths(x.path, y.path));
  // Partials nothing continues are ferry's own leftovers: removed whatever the guards say.
  const stale = (["a", "b"] as const).flatMap((side) =>
    stalePartials(
      trees[side],
      new Set(arriving.filter((x) => x.op === "transfer" && x.side === side).map((x) => x.path)),
    ).map((d) => ({ ...d, side }))
  );
  const ordered = [
    ...renames,
    ...replaceDeletes,
    ...allMkdirs,
    ...arriving.filter((c) => c.op !== "mkdir"),
    ...stale,
    ...orderDeletes(finalDeletes),
    ...skips,
  ];
  return {
    actions: ordered,
    summary: summarize(ordered),
    conflicts,
    next,
    affects,
    ...(deletesBlocked ? { deletesBlocked } : {}),
  };
}

function conflictRecord(
  path: string,
  sa: Stat,
  sb: Stat,
  resolution: string,
  keptAs?: string,
): ConflictRecord {
  return { path, resolution, ...(keptAs ? { keptAs } : {}), a: versionOf(sa), b: versionOf(sb) };
}

function versionOf(st: Stat): ConflictRecord["a"] {
  return { type: st.type, size: st.size, ...(st.mtime ? { mtime: st.mtime.toISOString() } : {}) };
}

/** How one side's entry moved since the saved snapshot. */
function classify(
  cur: Stat | undefined,
  old: Snapshot | undefined,
  tree: Tree,
  path: string,
  toleranceMs = 0,
): Change {
  if (cur) {
    if (!old) return "new";
    return changedSince(cur, old, toleranceMs) ? "changed" : "unchanged";
  }
  if (!tree.complete) {
    // Never read a deletion out of an incomplete listing; a path no failed
    // directory covers and that was never synced is simply absent.
    if (old) return "unknown";
    return tree.errors.some((e) => isInside(path, e.path)) ? "unknown" : "absent";
  }
  return old ? "deleted" : "absent";
}

/**
 * Whether an entry differs from its saved snapshot: type, size, or an mtime
 * that cannot be the same instant. A listed time is truncated: the true time
 * lies in `[mtime, mtime + precision)`, for the entry and for the snapshot
 * (which keeps its own precision), and the file is unchanged only while those
 * intervals (widened by the tolerance) meet. A snapshot saved without a
 * precision (older state files) is taken as no coarser than the entry's.
 *
 * @example
 * ```ts
 * const listed = (ms: number) => ({ name: "f", type: "file" as const, size: 1, mtime: new Date(ms), precision: 60_000 });
 * changedSince(listed(0), { type: "file", size: 1, mtime: 30_000, precision: 1_000 }); // false: inside the listed minute
 * changedSince(listed(60_000), { type: "file", size: 1, mtime: 0, precision: 60_000 }); // true: the next minute
 * changedSince(listed(60_000), { type: "file", size: 1, mtime: 30_000, precision: 1_000 }); // true
 * ```
 */
export function changedSince(cur: Stat, old: Snapshot, toleranceMs = 0): boolean {
  if (cur.type !== old.type) return true;
  if (cur.type === "dir") return false;
  if (cur.size !== old.size) return true;
  if (!cur.mtime || old.mtime === null || !Number.isFinite(cur.precision)) return false;
  const now = cur.mtime.getTime();
  const was = old.mtime;
  const wasPrecision = old.precision ?? cur.precision;
  // Disjoint half-open intervals: the truncated times cannot be one instant.
  return was >= now + cur.precision + toleranceMs || now >= was + wasPrecision + toleranceMs;
}

function both(sa: Stat, sb: Stat): PairEntry {
  return { a: snapshotOf(sa), b: snapshotOf(sb) };
}

function withEntry(tree: Tree, path: string, st: Stat): Tree {
  const entries = new Map(tree.entries);
  entries.set(path, st);
  return { ...tree, entries };
}

/** mkdirs for missing parents of everything copied into a side (they are then in step). */
function parentDirs(
  copies: Action[],
  trees: Record<Side, Tree>,
  next: Map<string, PairEntry>,
): Action[] {
  const out: Action[] = [];
  const seen = new Set<string>();
  const madeDirs = new Set(
    copies.filter((c) => c.op === "mkdir").map((c) => `${c.side}:${c.path}`),
  );
  for (const c of copies) {
    const side = c.side!;
    const parts = c.path.split("/");
    for (let i = 1; i < parts.length; i++) {
      const dir = parts.slice(0, i).join("/");
      const key = `${side}:${dir}`;
      if (seen.has(key) || madeDirs.has(key) || trees[side].entries.get(dir)?.type === "dir") {
        continue;
      }
      seen.add(key);
      out.push({ op: "mkdir", path: dir, side });
      const there = trees[other(side)].entries.get(dir);
      if (there) next.set(dir, { a: snapshotOf(there), b: snapshotOf(there) });
    }
  }
  return out.sort((x, y) => comparePaths(x.path, y.path));
}

/**
 * Drops directory deletions that would not leave the directory empty (something
 * below it stays or is copied in) and keeps such directories in the state.
 */
function settleDirDeletes(
  deletes: Action[],
  copies: Action[],
  mkdirs: Action[],
  trees: Record<Side, Tree>,
  next: Map<string, PairEntry>,
): Action[] {
  const deleted = new Set(deletes.map((d) => `${d.side}:${d.path}`));
  const arriving = [...copies, ...mkdirs].map((c) => `${c.side}:${c.path}`);
  return deletes.filter((d) => {
    if (d.op !== "delete" || d.type !== "dir") return true;
    const side = d.side!;
    const prefix = d.path + "/";
    const stays = [...trees[side].entries.keys()].some((p) =>
      p.startsWith(prefix) && !deleted.has(`${side}:${p}`)
    ) || arriving.some((k) =>
      k.startsWith(`${side}:${prefix}`)
    );
    if (stays) {
      const st = trees[side].entries.get(d.path)!;
      next.set(d.path, { a: snapshotOf(st), b: snapshotOf(st) });
    }
    return !stays;
  });
}

function orderDeletes(deletes: Action[]): Action[] {
  const isDir = (a: Action) => a.op === "delete" && a.type === "dir";
  const dirs = deletes.filter(isDir).sort((x, y) => comparePaths(y.path, x.path));
  return [...deletes.filter((a) => !isDir(a)), ...dirs];
}
