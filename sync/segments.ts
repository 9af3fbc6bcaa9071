/**
 * Planning segmented downloads (lftp's `pget -n`, rclone's multi-thread
 * downloads): when a large file is worth fetching over several connections
 * at once, how it is cut into byte ranges, and what an earlier run's record
 * of those ranges may be trusted for. Pure functions over plain data: the
 * I/O is in segmented.ts, and a {@link SegmentState} is JSON a queue can
 * carry (each segment is a task of its own).
 *
 * The record of a download says, per segment, how many bytes from its start
 * were confirmed written (the target's write had resolved). A re-run
 * continues each segment from there, never from what the partial's size
 * suggests: a segmented partial has holes until the last segment is done.
 * @module
 */

const MIB = 1024 * 1024;

/**
 * Defaults: 8 segments (`lftp -e "pget -n 8"`; rclone's `--multi-thread-streams`
 * is 4), for files of 64 MiB and more (rclone's `--multi-thread-cutoff` is
 * 256 MiB; at 100 Mbit/s per connection one stream takes 5 s for 64 MiB, and
 * a segment costs a few round trips), no segment under 1 MiB (lftp's
 * `pget:min-chunk-size`).
 */
export const SEGMENT_DEFAULTS = {
  segments: 8,
  threshold: 64 * MIB,
  minSegment: 1 * MIB,
  /**
   * A connection that finished its segment takes half of the largest one
   * still running when that has this much left (each half at least half of
   * it): a new ranged read costs a few round trips, so halves of 4 MiB and
   * more pay for them on links where segments help (100 Mbit/s: 0.3 s each).
   */
  splitMin: 8 * MIB,
} as const;

/** The knobs of segmented downloads (a job's `segments`, `--segments N`). */
export interface SegmentOptions {
  /** Most segments per file (default 8); 1 turns segmented downloads off. */
  segments?: number;
  /** Smallest file that is segmented, bytes (default 64 MiB). */
  threshold?: number;
  /** Smallest segment, bytes (default 1 MiB). */
  minSegment?: number;
  /** Least bytes left in a running segment for an idle connection to take half (default 8 MiB). */
  splitMin?: number;
}

/** What the two endpoints offer (from their `capabilities()`). */
export interface SegmentAbility {
  /** The source reads ranges over parallel connections (`rangedReads`). */
  rangedReads?: boolean;
  /** The target writes at positions (`writeAt`). */
  writeAt?: boolean;
  /** The source's connection limit: never more segments than this. */
  maxConnections: number;
  /** The source is far (`Capabilities.longLink`); false: segments only when asked for. */
  longLink?: boolean;
}

/** One byte range of the file, `[start, end)`, with `done` bytes from `start` confirmed written. */
export interface Segment {
  start: number;
  end: number;
  done: number;
}

/** The plan of one segmented download and its progress: what the sidecar file holds. */
export interface SegmentState {
  version: 1;
  /** The source's size when the download began. */
  size: number;
  /** The source's mtime then (ms since the epoch), when known. */
  mtime?: number;
  /** Contiguous ranges covering `[0, size)`, in order. */
  segments: Segment[];
}

/**
 * How many segments a file of `size` bytes gets: 1 (one plain stream) unless
 * both sides can do it, the file reaches the threshold, more than one
 * segment of at least `minSegment` fits, and the source is far
 * (`longLink` not false) or `segments` was asked for; never more than the
 * source's connection limit.
 *
 * @example
 * ```ts
 * segmentCount(256 << 20, {}, { rangedReads: true, writeAt: true, maxConnections: 8 }); // 8
 * segmentCount(256 << 20, { segments: 1 }, { rangedReads: true, writeAt: true, maxConnections: 8 }); // 1
 * segmentCount(10 << 20, {}, { rangedReads: true, writeAt: true, maxConnections: 8 }); // 1
 * ```
 */
export function segmentCount(size: number, options: SegmentOptions, able: SegmentAbility): number {
  const wanted = options.segments ?? SEGMENT_DEFAULTS.segments;
  const threshold = options.threshold ?? SEGMENT_DEFAULTS.threshold;
  const minSegment = Math.max(1, options.minSegment ?? SEGMENT_DEFAULTS.minSegment);
  if (!able.rangedReads || !able.writeAt || wanted <= 1 || size < threshold) return 1;
  // A near server: one stream is as fast; segments only when asked for.
  if (able.longLink === false && options.segments === undefined) return 1;
  const fits = Math.floor(size / minSegment);
  return Math.max(1, Math.min(wanted, Math.max(1, able.maxConnections), fits));
}

/**
 * Cuts `[0, size)` into `count` contiguous segments of nearly equal size
 * (the first ones one byte longer where it does not divide), none done yet.
 * With `have` > 0 (a one-stream partial of that many bytes, continued in
 * segments), `[0, have)` is one segment already done and the rest is cut.
 *
 * @example
 * ```ts
 * planSegments(10, 3).segments; // [{start:0,end:4,done:0},{start:4,end:7,done:0},{start:7,end:10,done:0}]
 * planSegments(10, 2, undefined, 6).segments; // [{start:0,end:6,done:6},{start:6,end:8,done:0},{start:8,end:10,done:0}]
 * ```
 */
export function planSegments(
  size: number,
  count: number,
  mtime?: Date,
  have = 0,
): SegmentState {
  if (!Number.isSafeInteger(size) || size < 0) throw new RangeError(`invalid size ${size}`);
  if (!Number.isSafeInteger(have) || have < 0 || have > size) {
    throw new RangeError(`invalid start ${have} of ${size} bytes`);
  }
  const rest = size - have;
  const n = Math.max(1, Math.min(Math.floor(count), Math.max(1, rest)));
  const base = Math.floor(rest / n);
  const extra = rest % n;
  const segments: Segment[] = have > 0 ? [{ start: 0, end: have, done: have }] : [];
  let start = have;
  for (let i = 0; i < n; i++) {
    const end = start + base + (i < extra ? 1 : 0);
    segments.push({ start, end, done: 0 });
    start = end;
  }
  const state: SegmentState = { version: 1, size, segments };
  if (mtime) state.mtime = mtime.getTime();
  return state;
}

/**
 * Reads a sidecar's text; undefined (with the reason) when it is not a
 * well-formed record: ranges that do not tile `[0, size)`, progress outside
 * a range, unknown version.
 *
 * @example
 * ```ts
 * parseSegmentState('{"version":1,"size":4,"segments":[{"start":0,"end":4,"done":2}]}');
 * ```
 */
export function parseSegmentState(text: string): SegmentState | { invalid: string } {
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch (error) {
    return { invalid: `not JSON (${(error as Error).message})` };
  }
  const r = raw as Partial<SegmentState> | null;
  if (!r || typeof r !== "object" || r.version !== 1) return { invalid: "unknown version" };
  if (!Number.isSafeInteger(r.size) || r.size! < 0) return { invalid: "bad size" };
  if (r.mtime !== undefined && !Number.isFinite(r.mtime)) return { invalid: "bad mtime" };
  if (!Array.isArray(r.segments) || r.segments.length === 0) return { invalid: "no segments" };
  let at = 0;
  for (const s of r.segments as Segment[]) {
    const ok = s && Number.isSafeInteger(s.start) && Number.isSafeInteger(s.end) &&
      Number.isSafeInteger(s.done) && s.start === at && s.end >= s.start && s.done >= 0 &&
      s.done <= s.end - s.start;
    if (!ok) return { invalid: `segment ${JSON.stringify(s)} does not continue at ${at}` };
    at = s.end;
  }
  if (at !== r.size) return { invalid: `segments end at ${at}, the size is ${r.size}` };
  const state: SegmentState = {
    version: 1,
    size: r.size!,
    segments: (r.segments as Segment[]).map(({ start, end, done }) => ({ start, end, done })),
  };
  if (r.mtime !== undefined) state.mtime = r.mtime;
  return state;
}

/**
 * Whether an earlier run's record may be continued for this source: the same
 * size and mtime (when both are known), and a partial that holds at least
 * every confirmed byte (`partialSize`: the target's fresh size of it; a
 * partial that shrank or vanished voids the record). The reason when not.
 *
 * @example
 * ```ts
 * resumable(state, { size: 1 << 30, mtime, partialSize: 700 << 20 }); // true, or "the source changed size"
 * ```
 */
export function resumable(
  state: SegmentState,
  now: { size: number; mtime?: Date; partialSize: number | undefined },
): true | string {
  if (state.size !== now.size) return `the source has ${now.size} bytes, the record ${state.size}`;
  if (state.mtime !== undefined && now.mtime && state.mtime !== now.mtime.getTime()) {
    return "the source's modification time changed";
  }
  const needed = confirmedExtent(state);
  if (needed > 0 && (now.partialSize === undefined || now.partialSize < needed)) {
    return `the partial holds ${now.partialSize ?? 0} bytes, the record confirms up to ${needed}`;
  }
  return true;
}

/**
 * The segments with bytes still to fetch.
 *
 * @example
 * ```ts
 * pendingSegments(state).map((s) => s.start + s.done); // where each continues
 * ```
 */
export function pendingSegments(state: SegmentState): Segment[] {
  return state.segments.filter((s) => s.done < s.end - s.start);
}

/**
 * Bytes confirmed written over all segments.
 *
 * @example
 * ```ts
 * confirmedBytes(planSegments(10, 2)); // 0
 * ```
 */
export function confirmedBytes(state: SegmentState): number {
  return state.segments.reduce((sum, s) => sum + s.done, 0);
}

/**
 * The end of the furthest confirmed byte: the partial must be at least this long.
 *
 * @example
 * ```ts
 * confirmedExtent({ version: 1, size: 10, segments: [{ start: 0, end: 5, done: 2 }, { start: 5, end: 10, done: 1 }] }); // 6
 * ```
 */
export function confirmedExtent(state: SegmentState): number {
  let extent = 0;
  for (const s of state.segments) if (s.done > 0) extent = Math.max(extent, s.start + s.done);
  return extent;
}

/**
 * Work stealing (a connection that finished early helps one still running):
 * cuts the segment with the most bytes left in two, when that is at least
 * `splitMin`; the running segment keeps the first half, the returned new one
 * (inserted after it, so the segments still tile the file) holds the second.
 * `claimed(s)` is what a running segment's reader holds beyond `done` (a
 * write in flight): that part stays with it.
 *
 * @example
 * ```ts
 * const s = planSegments(100, 1);
 * s.segments[0].done = 20;
 * splitLargest(s, () => 0, 50); // { start: 60, end: 100, done: 0 }; s.segments[0].end is 60
 * ```
 */
export function splitLargest(
  state: SegmentState,
  claimed: (segment: Segment) => number,
  splitMin: number,
): Segment | undefined {
  let best: Segment | undefined;
  let bestLeft = 0;
  for (const seg of state.segments) {
    const left = seg.end - (seg.start + seg.done + claimed(seg));
    if (left > bestLeft) (best = seg, bestLeft = left);
  }
  if (!best || bestLeft < Math.max(2, splitMin)) return undefined;
  const mid = best.end - Math.floor(bestLeft / 2);
  const piece: Segment = { start: mid, end: best.end, done: 0 };
  best.end = mid;
  state.segments.splice(state.segments.indexOf(best) + 1, 0, piece);
  return piece;
}
