/**
 * Comparing mtimes of different precision (ftputil's "if newer" rule, for every
 * endpoint): a time read from a listing is truncated, so each true time lies in
 * `[mtime, mtime + precision]` and two times are ordered only when those
 * intervals do not touch.
 * @module
 */

import { Precision } from "../util/precision.ts";

/** An mtime with its precision in ms, as carried from the listing or stat. */
export interface MtimeInfo {
  /** The modification time, if known. */
  mtime?: Date;
  /** Precision in ms; `Infinity` when unknown. */
  precision: number;
}

/** How two mtimes relate once their precisions are counted. */
export type MtimeOrder = "older" | "newer" | "undecided";

/**
 * Compares two truncated mtimes. Each true time lies in
 * `[mtime, mtime + precision]`; `a` is `"older"` only when its latest possible
 * time is before `b`'s earliest, `"newer"` only when its earliest is after
 * `b`'s latest, and `"undecided"` when the intervals touch or overlap, or a
 * time is unknown.
 *
 * @example
 * ```ts
 * compareMtimes({ mtime: new Date(0), precision: 1000 }, { mtime: new Date(5000), precision: 60_000 }); // "older"
 * compareMtimes({ mtime: new Date(90_000), precision: 1000 }, { mtime: new Date(60_000), precision: 60_000 }); // "undecided"
 * ```
 */
export function compareMtimes(a: MtimeInfo, b: MtimeInfo): MtimeOrder {
  if (!a.mtime || !b.mtime || !Number.isFinite(a.precision) || !Number.isFinite(b.precision)) {
    return "undecided";
  }
  const aStart = a.mtime.getTime();
  const bStart = b.mtime.getTime();
  if (aStart + a.precision < bStart) return "older";
  if (aStart > bStart + b.precision) return "newer";
  return "undecided";
}

/**
 * ftputil's "if newer" decision: transfer when the target is missing, or the
 * source may be newer. Only a source that is certainly older (its latest
 * possible time before the target's reported time) is skipped; unknown times
 * or precisions transfer ("if in doubt, transfer").
 *
 * This reproduces ftputil's `source_is_newer_than_target` (`source.mtime +
 * source.precision >= target.mtime`) and extends it to targets whose mtime or
 * precision is unknown. A missing source transfers nothing.
 *
 * @example
 * ```ts
 * shouldTransfer({ mtime: new Date(1000), precision: 1000 }, null); // true: no target
 * shouldTransfer({ mtime: new Date(0), precision: 1000 }, { mtime: new Date(1000), precision: 60_000 }); // true: touching
 * shouldTransfer({ mtime: new Date(0), precision: 1000 }, { mtime: new Date(1001), precision: 1000 }); // false
 * ```
 */
export function shouldTransfer(source: MtimeInfo | null, target: MtimeInfo | null): boolean {
  if (!source) return false;
  if (!target) return true;
  return compareMtimes(source, target) !== "older";
}

/**
 * The exact time (to the second, e.g. MDTM's) to give a copy in place of a
 * coarser listed one (a LIST minute or day), when it lies within the listed
 * interval; else the listed time (the file changed since the listing, or the
 * server answers in another zone). Without an exact time, or when the listing
 * has the second already, the listed time.
 *
 * @example
 * ```ts
 * const day = { mtime: new Date("2025-01-02T00:00:00Z"), precision: 86_400_000 };
 * exactWithinListed(day, new Date("2025-01-02T03:04:05Z")); // 03:04:05
 * exactWithinListed(day, new Date("2025-01-05T00:00:00Z")); // the listed day
 * ```
 */
export function exactWithinListed(listed: MtimeInfo, exact: Date | undefined): Date | undefined {
  if (!listed.mtime || !exact || !(listed.precision > Precision.seconds)) return listed.mtime;
  const order = compareMtimes({ mtime: exact, precision: Precision.seconds }, listed);
  return order === "undecided" ? exact : listed.mtime;
}
