/**
 * Plans are data: a list of actions computed purely from two walks, which a
 * dry run prints and a real run executes (sync/execute.ts). The order of the
 * list is the order of execution; runs of independent actions execute in
 * parallel.
 * @module
 */
import { type Endpoint, Precision, type Stat } from "../endpoint/types.ts";
import { partialName } from "../endpoint/atomic.ts";
import { dirname, isInside, joinPath } from "../endpoint/path.ts";
import { compareEntries, type CompareOptions, sameMtime } from "./compare.ts";
import { comparePaths, type Tree } from "./walk.ts";

/** In two-way sync, the side an action changes; one-way jobs leave it out (the target). */
export type Side = "a" | "b";

/** One step of a plan. Paths are relative to the job's roots; times are ISO strings. */
export type Action =
  | { op: "mkdir"; path: string; side?: Side }
  | {
    op: "transfer";
    path: string;
    /** Source path when it differs from `path` (keep-both copies a renamed file). */
    from?: string;
    size: number;
    /** Source mtime to set on the target. */
    mtime?: string;
    /**
     * How exact `mtime` is in ms, when coarser than a second (a listing of
     * minutes): the transfer may then set the exact time the source reports.
     */
    mtimePrecision?: number;
    reason: string;
    /** Continue a partial left by an earlier run (its size, for display). */
    resumeFrom?: number;
    /** Move the existing target here first (a path on the target endpoint). */
    backupTo?: string;
    side?: Side;
  }
  | { op: "symlink"; path: string; target: string; reason: string; side?: Side }
  | { op: "setMtime"; path: string; mtime: string; reason: string; side?: Side }
  | {
    op: "delete";
    path: string;
    type: "file" | "dir" | "symlink";
    size: number;
    reason: string;
    /** Move here instead of deleting (a path on the target endpoint). */
    backupTo?: string;
    side?: Side;
  }
  /** Rename on the changed side (keep-both moves a conflict loser aside). */
  | { op: "rename"; from: string; path: string; reason: string; side?: Side }
  | { op: "skip"; path: string; reason: string; size?: number; side?: Side };

/** What {@link planMirror} needs besides the trees. */
export interface MirrorPlanOptions {
  /** Delete target entries the source does not have (within the filters). */
  delete?: boolean;
  /** How a source and a target file are judged equal. */
  compare?: CompareOptions;
  /** Hashes by path for `checksum` mode, fetched beforehand. */
  hashes?: { src: Map<string, string>; dst: Map<string, string> };
  /** A count, or a percentage of the target's files like `"10%"`. */
  maxDelete?: number | string;
  /** Move deleted and replaced target files under this directory (target endpoint path). */
  backupDir?: string;
  /** What earlier runs sent to a target that cannot keep mtimes. */
  sent?: Map<string, SentRecord>;
  /** Whether the target can set mtimes (for `setMtime` actions). */
  dstCanSetMtime?: boolean;
  /** Whether the target can create symlinks. */
  dstCanSymlink?: boolean;
}

/**
 * What a mirror sent to a target that cannot set mtimes: the source's size and
 * mtime then, and the target's as it reported them afterwards. If both sides
 * still look like that, the file is unchanged since it was sent.
 */
export interface SentRecord {
  /** Source size when it was sent, in bytes. */
  srcSize: number;
  /** ms since the epoch, or null when unknown. */
  srcMtime: number | null;
  /** Target size after it was written, in bytes. */
  dstSize: number;
  /** Target mtime after it was written: ms since the epoch, or null when unknown. */
  dstMtime: number | null;
}

/** A plan and its totals. */
export interface Plan {
  /** The steps in the order they may run (directories before their contents, deletes last). */
  actions: Action[];
  /** The totals of `actions`. */
  summary: PlanSummary;
  /** Why deletions were held back (their actions became skips). */
  deletesBlocked?: string;
  /**
   * Without `delete`: the paths where the source and the target hold entries
   * of different types (a file and a directory): the target's is left as it
   * is, and with it whatever the source has under that name.
   */
  typeConflicts?: TypeConflict[];
}

/** A name that is, say, a directory in the source and a file in the target. */
export interface TypeConflict {
  /** The path, relative to the roots. */
  path: string;
  /** What the source has there. */
  source: Stat["type"];
  /** What the target has there (kept). */
  target: Stat["type"];
}

/** Counts of a plan's actions. */
export interface PlanSummary {
  /** Directories to create. */
  mkdirs: number;
  /** Files to copy. */
  transfers: number;
  /** Bytes of the transfers (full sizes, resumed ones included). */
  bytes: number;
  /** Entries to delete. */
  deletes: number;
  /** Entries left as they are. */
  skips: number;
  /** mtimes to set without copying. */
  setMtimes: number;
  /** Moves (two-way sync's renames of conflict losers). */
  renames: number;
}

/**
 * Plans a one-way mirror of `src` onto `dst`. Deletions are planned only with
 * `delete`, only when the source listing is complete, and only up to
 * `maxDelete`; otherwise they become skips and `deletesBlocked` says why.
 * A source entry the target does not show inside a target directory whose
 * listing failed is skipped ("target directory not listed"), never sent blind
 * over what may be there (the listing error is the job's error).
 *
 * @example
 * ```ts
 * const plan = planMirror(await listTree(a, "pub"), await listTree(b, "", { missingOk: true }), {
 *   delete: true,
 *   maxDelete: "10%",
 * });
 * for (const action of plan.actions) console.log(describeAction(action));
 * ```
 */
export function planMirror(src: Tree, dst: Tree, options: MirrorPlanOptions = {}): Plan {
  const mkdirs: Action[] = [];
  const copies: Action[] = [];
  const skips: Action[] = [];
  const dirsToMake = new Set<string>();
  /** Paths whose target entry is of another type and must go first. */
  const conflicts = new Set<string>();
  /** Without `delete`: paths whose target entry is of another type, kept. */
  const kept: TypeConflict[] = [];
  const deleting = options.delete === true;
  const backup = (path: string) =>
    options.backupDir === undefined ? undefined : joinPath(options.backupDir, path);

  const hashes = options.hashes;
  // Without hashes every entry is compared with the same options (no object per entry).
  const compare = options.compare ?? {};
  /** "same <reason>" once per reason, not a new string per skipped entry. */
  const sameReasons = new Map<string, string>();
  // Target directories whose listing failed: a name they do not show is not known to be missing
  // (it may be there, and newer), so nothing is sent or made there (as if-newer does).
  const unlisted = dst.errors.map((e) => e.path);
  const unknown = (path: string) =>
    unlisted.length > 0 && unlisted.some((dir) => isInside(dirname(path), dir));
  for (const [path, s] of src.entries) {
    const d = dst.entries.get(path);
    if (!d && unknown(path)) {
      skips.push({
        op: "skip",
        path,
        reason: "target directory not listed",
        ...(s.type === "file" ? { size: s.size } : {}),
      });
      continue;
    }
    const cmp = compareEntries(
      s,
      d,
      hashes
        ? { ...compare, srcHash: hashes.src.get(path), dstHash: hashes.dst.get(path) }
        : compare,
    );
    if (cmp.verdict === "same") {
      if (s.type === "dir") continue;
      if (cmp.reason === "checksum" && options.dstCanSetMtime && s.mtime && d!.mtime) {
        if (sameMtime(s, d!, options.compare) === false) {
          const mtime = s.mtime.toISOString();
          copies.push({ op: "setMtime", path, mtime, reason: "same checksum, other mtime" });
          continue;
        }
      }
      let reason = sameReasons.get(cmp.reason);
      if (reason === undefined) sameReasons.set(cmp.reason, reason = `same ${cmp.reason}`);
      skips.push({ op: "skip", path, reason, size: s.size });
      continue;
    }
    if (
      cmp.verdict === "differs" && cmp.reason === "mtime" && sentUnchanged(path, s, d!, options)
    ) {
      skips.push({ op: "skip", path, reason: "unchanged since sent", size: s.size });
      continue;
    }
    if (cmp.verdict === "differs" && cmp.reason === "type") {
      if (!deleting) {
        skips.push({ op: "skip", path, reason: `target is a ${d!.type} (delete is off)` });
        kept.push({ path, source: s.type, target: d!.type });
        continue;
      }
      conflicts.add(path);
    }
    const reason = cmp.verdict === "missing" ? "missing" : cmp.reason;
    if (s.type === "dir") {
      dirsToMake.add(path);
    } else if (s.type === "symlink") {
      if (!options.dstCanSymlink) {
        skips.push({ op: "skip", path, reason: "target cannot create symlinks" });
        continue;
      }
      if (s.target === undefined) {
        // A link to "" would fail after the old entry there was removed: left as it is.
        skips.push({ op: "skip", path, reason: "the source does not tell where the link points" });
        continue;
      }
      copies.push({ op: "symlink", path, target: s.target, reason });
      needParents(path, dst, dirsToMake);
    } else {
      const backupTo = d?.type === "file" ? backup(path) : undefined;
      copies.push(transferAction(path, s, reason, dst, backupTo));
      needParents(path, dst, dirsToMake);
    }
  }
  if (kept.length > 0) leaveUnder(kept, dirsToMake, copies, skips);
  for (const path of [...dirsToMake].sort(comparePaths)) mkdirs.push({ op: "mkdir", path });

  // Target entries to remove: those replaced by another type (before anything
  // else), and with `delete` those the source lacks (after the copies, as
  // rclone's default --delete-after).
  const replaced: Action[] = [];
  const extraneous: Action[] = [];
  // Directories the source holds entries in, even if its walk did not report them
  // (made on the first target directory the source lacks: most runs never need it).
  let srcDirs: Set<string> | undefined;
  const inSourceDirs = (path: string) =>
    (srcDirs ??= new Set([...src.entries.keys()].flatMap((p) => [...ancestors(p)]))).has(path);
  for (const [path, st] of dst.entries) {
    const inConflict = conflicts.size > 0 &&
      (conflicts.has(path) || [...ancestors(path)].some((a) => conflicts.has(a)));
    if (!inConflict && !deleting) continue;
    const inSource = src.entries.has(path) || (st.type === "dir" && inSourceDirs(path));
    if (!inConflict && inSource) continue;
    const reason = inConflict ? "replaced by another type" : "not in source";
    (inConflict ? replaced : extraneous).push(deleteAction(path, st, reason, backup));
  }
  const replaceDeletes = orderDeletes(replaced);
  let deletes = orderDeletes(extraneous);

  const blocked = deleteBlockReason(src, dst, [...replaceDeletes, ...deletes], options.maxDelete);
  let deletesBlocked: string | undefined;
  if (blocked && replaceDeletes.length + deletes.length > 0) {
    deletesBlocked = blocked;
    for (const a of [...replaceDeletes, ...deletes]) {
      skips.push({ op: "skip", path: a.path, reason: `not deleted: ${blocked}` });
    }
    // What needed its target cleared cannot happen either.
    const keep = (a: Action) => !conflicts.has(a.path);
    for (const a of [...copies, ...mkdirs].filter((a) => !keep(a))) {
      skips.push({ op: "skip", path: a.path, reason: `not replaced: ${blocked}` });
    }
    copies.splice(0, copies.length, ...copies.filter(keep));
    mkdirs.splice(0, mkdirs.length, ...mkdirs.filter(keep));
    replaceDeletes.length = 0;
    deletes = [];
  }
  // Partials nobody will resume: ferry's own leftovers, removed with `delete`.
  const transferring = new Set(copies.filter((a) => a.op === "transfer").map((a) => a.path));
  const stale = deleting && !deletesBlocked ? stalePartials(dst, transferring) : [];
  const actions = [...replaceDeletes, ...mkdirs, ...copies, ...stale, ...deletes, ...skips];
  return {
    actions,
    summary: summarize(actions),
    ...(deletesBlocked ? { deletesBlocked } : {}),
    ...(kept.length > 0 ? { typeConflicts: kept } : {}),
  };
}

/**
 * What the source has under a directory whose name the target holds as a
 * file or link (kept: delete is off) is not copied: no mkdir of that name, no copy
 * into it (each a skip naming it), no directory made below it.
 */
function leaveUnder(kept: TypeConflict[], dirs: Set<string>, copies: Action[], skips: Action[]) {
  const keptDirs = new Map(
    kept.filter((k) => k.source === "dir").map((k) => [k.path, k.target] as const),
  );
  if (keptDirs.size === 0) return;
  const under = (path: string) => {
    for (const a of ancestors(path)) if (keptDirs.has(a)) return a;
    return undefined;
  };
  for (const dir of [...dirs]) if (keptDirs.has(dir) || under(dir)) dirs.delete(dir);
  const stay = copies.filter((a) => {
    const top = under(a.path);
    if (top === undefined) return true;
    const size = a.op === "transfer" ? a.size : undefined;
    const reason = `under ${top}, a ${keptDirs.get(top)} on the target (delete is off)`;
    skips.push({ op: "skip", path: a.path, reason, ...(size !== undefined ? { size } : {}) });
    return false;
  });
  copies.splice(0, copies.length, ...stay);
}

/**
 * The source time fields of a transfer action: `mtime`, and `mtimePrecision`
 * when the time is coarser than a second (JSON has no Infinity: an unknown
 * precision is left out, as an exact one is).
 *
 * @example
 * ```ts
 * sourceTime({ name: "a", type: "file", size: 1, mtime: new Date(0), precision: 60_000 });
 * // { mtime: "1970-01-01T00:00:00.000Z", mtimePrecision: 60000 }
 * ```
 */
export function sourceTime(s: Stat): { mtime?: string; mtimePrecision?: number } {
  if (!s.mtime) return {};
  const mtime = s.mtime.toISOString();
  const coarse = s.precision > Precision.seconds && Number.isFinite(s.precision);
  return coarse ? { mtime, mtimePrecision: s.precision } : { mtime };
}

function transferAction(
  path: string,
  s: Stat,
  reason: string,
  dst: Tree,
  backupTo: string | undefined,
): Action {
  const action: Action = { op: "transfer", path, size: s.size, reason, ...sourceTime(s) };
  const resumeFrom = resumeOffset(dst, path, s);
  if (resumeFrom !== undefined) action.resumeFrom = resumeFrom;
  if (backupTo) action.backupTo = backupTo;
  return action;
}

/**
 * Where a copy of `s` to `path` may continue an earlier run's partial in `dst`:
 * its size, when the partial is not larger than the source and was written
 * after the source last changed; else undefined (start over).
 *
 * @example
 * ```ts
 * resumeOffset(targetTree, "big.bin", sourceStat); // 21_000_000, or undefined
 * ```
 */
export function resumeOffset(
  dst: Pick<Tree, "partials">,
  path: string,
  s: Stat,
): number | undefined {
  const partial = dst.partials.get(partialName(path));
  if (
    partial && partial.size > 0 && partial.size <= s.size && s.mtime && partial.mtime &&
    partial.mtime.getTime() >= s.mtime.getTime()
  ) {
    return partial.size;
  }
  return undefined;
}

/**
 * Deletions of a tree's partials that no transfer of this run continues
 * (ferry's own leftovers: their source is gone, or the file arrived whole).
 *
 * @example
 * ```ts
 * stalePartials(targetTree, new Set(["big.bin"])); // deletes of every other partial
 * ```
 */
export function stalePartials(dst: Pick<Tree, "partials">, transferring: Set<string>): Action[] {
  const stale: Action[] = [];
  for (const [path, st] of dst.partials) {
    const owner = ownerOfPartial(path);
    if (owner !== undefined && transferring.has(owner)) continue;
    stale.push({ op: "delete", path, type: "file", size: st.size, reason: "stale partial" });
  }
  return stale;
}

function deleteAction(
  path: string,
  st: Stat,
  reason: string,
  backup: (path: string) => string | undefined,
): Action {
  if (st.type === "dir") return { op: "delete", path, type: "dir", size: 0, reason };
  const type = st.type === "symlink" ? "symlink" : "file";
  const a: Action = { op: "delete", path, type, size: st.size, reason };
  const to = backup(path);
  if (to !== undefined) a.backupTo = to;
  return a;
}

/** Files first, then directories deepest first, so each rmdir finds its directory empty. */
function orderDeletes(deletes: Action[]): Action[] {
  const files = deletes.filter((a) => a.op === "delete" && a.type !== "dir");
  const dirs = deletes.filter((a) => a.op === "delete" && a.type === "dir");
  dirs.sort((x, y) => comparePaths(y.path, x.path));
  return [...files, ...dirs];
}

/**
 * Why deletions must not happen, or undefined when they may: an incomplete
 * source listing, or more deletions than `maxDelete` allows.
 *
 * @example
 * ```ts
 * deleteBlockReason(src, dst, deletes, "10%"); // "12 deletions exceed maxDelete 10% (8 of 80 files)"
 * ```
 */
export function deleteBlockReason(
  src: Pick<Tree, "complete" | "errors">,
  dst: Pick<Tree, "entries">,
  deletes: Action[],
  maxDelete?: number | string,
): string | undefined {
  if (!src.complete) {
    const first = src.errors[0];
    return `source listing incomplete (${src.errors.length} error${
      src.errors.length === 1 ? "" : "s"
    }${first ? `, first: ${first.path || "/"}: ${first.message}` : ""})`;
  }
  if (maxDelete === undefined) return undefined;
  const files = [...dst.entries.values()].filter((s) => s.type !== "dir").length;
  const limit = maxDeleteLimit(maxDelete, files);
  const count = deletes.filter((a) => a.op === "delete" && a.type !== "dir").length;
  if (count > limit) {
    const of = typeof maxDelete === "string" ? ` (${limit} of ${files} files)` : "";
    return `${count} deletions exceed maxDelete ${maxDelete}${of}`;
  }
  return undefined;
}

/**
 * The number of deletions `maxDelete` allows: a count, or `"N%"` of `files`
 * (rounded down).
 *
 * @example
 * ```ts
 * maxDeleteLimit(5, 100);      // 5
 * maxDeleteLimit("10%", 85);   // 8
 * ```
 */
export function maxDeleteLimit(maxDelete: number | string, files: number): number {
  if (typeof maxDelete === "number") return Math.max(0, Math.floor(maxDelete));
  const m = /^\s*(\d+(?:\.\d+)?)\s*%\s*$/.exec(maxDelete);
  if (m) return Math.floor((Number(m[1]) / 100) * files);
  const n = Number(maxDelete);
  if (Number.isFinite(n)) return Math.max(0, Math.floor(n));
  throw new RangeError(`maxDelete must be a count or a percentage like "10%": ${maxDelete}`);
}

function sentUnchanged(path: string, s: Stat, d: Stat, options: MirrorPlanOptions): boolean {
  const rec = options.sent?.get(path);
  if (!rec) return false;
  return rec.srcSize === s.size && rec.srcMtime === (s.mtime?.getTime() ?? null) &&
    rec.dstSize === d.size && rec.dstMtime === (d.mtime?.getTime() ?? null);
}

function needParents(path: string, dst: Tree, dirs: Set<string>): void {
  for (const a of ancestors(path)) {
    if (dst.entries.get(a)?.type !== "dir") dirs.add(a);
  }
}

/** Proper ancestors of a relative path, nearest last: "a/b/c" -> "a", "a/b". */
function* ancestors(path: string): Generator<string> {
  // Each prefix up to a "/": no split and rejoin (the plan asks this of every path, several times).
  for (let i = path.indexOf("/"); i !== -1; i = path.indexOf("/", i + 1)) yield path.slice(0, i);
}

/** The real name a partial belongs to ("a/.b.ferry.part" -> "a/b"), if it is a resumable one. */
function ownerOfPartial(path: string): string | undefined {
  const i = path.lastIndexOf("/");
  // The partial, or the record of a segmented download beside it.
  const m = /^\.(.+)\.ferry(-segments)?\.part$/.exec(path.slice(i + 1));
  return m ? path.slice(0, i + 1) + m[1] : undefined;
}

/**
 * Totals of a list of actions.
 *
 * @example
 * ```ts
 * summarize([{ op: "mkdir", path: "a" }]).mkdirs; // 1
 * ```
 */
export function summarize(actions: Action[]): PlanSummary {
  const s: PlanSummary = {
    mkdirs: 0,
    transfers: 0,
    bytes: 0,
    deletes: 0,
    skips: 0,
    setMtimes: 0,
    renames: 0,
  };
  for (const a of actions) {
    if (a.op === "mkdir") s.mkdirs++;
    else if (a.op === "transfer") (s.transfers++, s.bytes += a.size);
    else if (a.op === "symlink") s.transfers++;
    else if (a.op === "delete") s.deletes++;
    else if (a.op === "skip") s.skips++;
    else if (a.op === "setMtime") s.setMtimes++;
    else if (a.op === "rename") s.renames++;
  }
  return s;
}

/**
 * One line for a dry-run listing.
 *
 * @example
 * ```ts
 * describeAction({ op: "transfer", path: "a.txt", size: 10, reason: "missing" });
 * // "transfer a.txt (missing, 10 bytes)"
 * ```
 */
export function describeAction(a: Action): string {
  const side = a.side ? `[${a.side}] ` : "";
  switch (a.op) {
    case "mkdir":
      return `${side}mkdir ${a.path}`;
    case "transfer": {
      const from = a.from && a.from !== a.path ? ` from ${a.from}` : "";
      const resume = a.resumeFrom ? `, resume at ${a.resumeFrom}` : "";
      return `${side}transfer ${a.path}${from} (${a.reason}, ${a.size} bytes${resume})`;
    }
    case "symlink":
      return `${side}symlink ${a.path} -> ${a.target} (${a.reason})`;
    case "setMtime":
      return `${side}set mtime ${a.path} ${a.mtime} (${a.reason})`;
    case "delete": {
      const to = a.backupTo ? `, move to ${a.backupTo}` : "";
      return `${side}delete ${a.type} ${a.path} (${a.reason}${to})`;
    }
    case "rename":
      return `${side}rename ${a.from} -> ${a.path} (${a.reason})`;
    case "skip":
      return `${side}skip ${a.path} (${a.reason})`;
  }
}

/**
 * Whether an endpoint can create symlinks.
 *
 * @example
 * ```ts
 * if (!canSymlink(dst)) console.log("links will be skipped");
 * ```
 */
export function canSymlink(
  ep: Endpoint,
): ep is Endpoint & { symlink(target: string, path: string): Promise<void> } {
  return typeof (ep as { symlink?: unknown }).symlink === "function";
}
