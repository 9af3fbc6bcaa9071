/**
 * Deciding whether a target file is already in step with its source. Pure:
 * stats (and, for checksums, hashes fetched beforehand) in, a verdict out.
 *
 * Times are compared within a window: the coarser of both sides' precisions
 * plus a tolerance, as lftp's `SameAs` and rclone's modify window do, since an
 * FTP LIST time of `Mar 3 12:04` only says "some time in that minute".
 * Endpoints already apply their time shift to the mtimes they report; the
 * `timeShiftMs` option is for a shift known only to the job.
 * @module
 */
import type { Capabilities, Endpoint, Stat } from "../endpoint/types.ts";

/** How files are compared: `size+mtime` (default), `size` only, or `checksum`. */
export type CompareMode = "size+mtime" | "size" | "checksum";

/** Why two entries differ. */
export type DiffReason = "type" | "size" | "mtime" | "checksum" | "link-target";

/** Why two entries count as the same. */
export type SameReason =
  | "size+mtime"
  | "size"
  | "checksum"
  /** mtime unknown or infinitely imprecise on one side: size decided (as rclone does). */
  | "size, mtime unknown"
  /** checksum mode without a common hash: size decided (as rclone does). */
  | "size, no common hash"
  | "dir"
  | "link-target";

/** The verdict on one path. */
export type Comparison =
  | { verdict: "same"; reason: SameReason }
  | { verdict: "differs"; reason: DiffReason }
  | { verdict: "missing" };

/** Options of {@link compareEntries}. */
export interface CompareOptions {
  /** How files are judged equal: size and mtime (default), size only, or checksum. */
  mode?: CompareMode;
  /** Extra slack in ms on top of the coarser precision (default 0). */
  toleranceMs?: number;
  /** Added to the target's mtime before comparing (a shift the endpoint does not apply). */
  timeShiftMs?: number;
  /** Source hash, for `checksum` mode. */
  srcHash?: string;
  /** Target hash, for `checksum` mode. */
  dstHash?: string;
}

/**
 * Compares a source entry with the target entry at the same path.
 *
 * @example
 * ```ts
 * const t = new Date("2024-01-01T00:00:30Z");
 * const src = { name: "a", type: "file", size: 3, mtime: t, precision: 1000 } as const;
 * const dst = { ...src, mtime: new Date("2024-01-01T00:00:00Z"), precision: 60_000 };
 * compareEntries(src, dst).verdict;          // "same": 30 s is inside the LIST minute
 * compareEntries(src, undefined).verdict;    // "missing"
 * compareEntries(src, { ...dst, size: 4 });  // { verdict: "differs", reason: "size" }
 * ```
 */
export function compareEntries(
  src: Stat,
  dst: Stat | undefined,
  options: CompareOptions = {},
): Comparison {
  if (!dst) return { verdict: "missing" };
  if (src.type !== dst.type) return { verdict: "differs", reason: "type" };
  if (src.type === "dir") return { verdict: "same", reason: "dir" };
  if (src.type === "symlink") {
    return src.target === dst.target
      ? { verdict: "same", reason: "link-target" }
      : { verdict: "differs", reason: "link-target" };
  }
  if (src.size !== dst.size) return { verdict: "differs", reason: "size" };
  const mode = options.mode ?? "size+mtime";
  if (mode === "size") return { verdict: "same", reason: "size" };
  if (mode === "checksum") {
    if (options.srcHash === undefined || options.dstHash === undefined) {
      return { verdict: "same", reason: "size, no common hash" };
    }
    return options.srcHash.toLowerCase() === options.dstHash.toLowerCase()
      ? { verdict: "same", reason: "checksum" }
      : { verdict: "differs", reason: "checksum" };
  }
  const equal = sameMtime(src, dst, options);
  if (equal === undefined) return { verdict: "same", reason: "size, mtime unknown" };
  return equal
    ? { verdict: "same", reason: "size+mtime" }
    : { verdict: "differs", reason: "mtime" };
}

/**
 * The widest distance in ms at which two mtimes can still count as equal (see
 * {@link sameMtime}, which also needs the order): the coarser
 * precision of the two plus the tolerance (Infinity when either is unknown).
 *
 * @example
 * ```ts
 * mtimeWindow({ precision: 1000 } as Stat, { precision: 60_000 } as Stat, 500); // 60500
 * ```
 */
export function mtimeWindow(a: Stat, b: Stat, toleranceMs = 0): number {
  return Math.max(a.precision, b.precision) + Math.max(0, toleranceMs);
}

/**
 * Whether two entries' mtimes can be the same instant, or undefined when
 * either side has no usable time. A listed time is truncated: the true time
 * lies in `[mtime, mtime + precision)`; the two can be one instant only while
 * those intervals (each widened by the tolerance) meet. So a copy that
 * carries 12:00:40 is the same as a listing of "12:00", but not of "12:01":
 * a file listed a minute later was written after 12:01:00. (Before session
 * 18 this was `|a - b| <= max(precisions)`, which took "12:01" for 12:00:40
 * and missed a same-size edit.)
 *
 * @example
 * ```ts
 * const a = { mtime: new Date(0), precision: 1000 } as Stat;
 * sameMtime(a, { ...a, mtime: new Date(999) });  // true
 * sameMtime(a, { ...a, mtime: undefined });      // undefined
 * const listed = { mtime: new Date(60_000), precision: 60_000 } as Stat; // "00:01"
 * sameMtime(listed, { mtime: new Date(40_000), precision: 1 } as Stat);  // false
 * sameMtime(listed, { mtime: new Date(100_000), precision: 1 } as Stat); // true
 * ```
 */
export function sameMtime(
  a: Stat,
  b: Stat,
  options: Pick<CompareOptions, "toleranceMs" | "timeShiftMs"> = {},
): boolean | undefined {
  const diff = mtimeDiff(a, b, options.timeShiftMs);
  if (diff === undefined) return undefined;
  const tolerance = Math.max(0, options.toleranceMs ?? 0);
  // a starts before b's interval ends, and b starts before a's ends.
  return diff < b.precision + tolerance && -diff < a.precision + tolerance;
}

/**
 * `a.mtime - b.mtime` in ms (b shifted by `timeShiftMs`), or undefined when
 * either time is missing or of unknown precision.
 *
 * @example
 * ```ts
 * mtimeDiff({ mtime: new Date(5000), precision: 1 } as Stat, { mtime: new Date(0), precision: 1 } as Stat); // 5000
 * ```
 */
export function mtimeDiff(a: Stat, b: Stat, timeShiftMs = 0): number | undefined {
  if (!a.mtime || !b.mtime) return undefined;
  if (!Number.isFinite(a.precision) || !Number.isFinite(b.precision)) return undefined;
  return a.mtime.getTime() - (b.mtime.getTime() + timeShiftMs);
}

/**
 * Where a job gets file hashes from: an endpoint that can hash server-side
 * (FTP `HASH`/`XMD5`) or locally implements this beside the contract.
 */
export interface HashSource {
  /** The hex digest of a file with the named algorithm (e.g. "sha-256", "md5"). */
  hash(path: string, algorithm: string, signal?: AbortSignal): Promise<string>;
}

/**
 * The endpoint's {@link HashSource} when it has one (duck-typed: a `hash` method).
 *
 * @example
 * ```ts
 * const hs = hashSource(ep);
 * if (hs) console.log(await hs.hash("a.iso", "sha-256"));
 * ```
 */
export function hashSource(ep: Endpoint): HashSource | undefined {
  const candidate = ep as Partial<HashSource>;
  return typeof candidate.hash === "function" ? (candidate as HashSource) : undefined;
}

/**
 * The first hash algorithm both sides offer (in the source's order of preference).
 *
 * @example
 * ```ts
 * commonHash({ hashes: ["sha-256", "md5"] } as Capabilities, { hashes: ["md5"] } as Capabilities); // "md5"
 * ```
 */
export function commonHash(a: Capabilities, b: Capabilities): string | undefined {
  const theirs = new Set(b.hashes.map((h) => h.toLowerCase()));
  return a.hashes.find((h) => theirs.has(h.toLowerCase()))?.toLowerCase();
}
