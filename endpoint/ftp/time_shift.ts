/**
 * ftputil's time shift, as pure functions (its "if newer" rule, generic to every
 * endpoint, is endpoint/mtime.ts).
 *
 * The time shift is what a server's listing times are ahead of UTC, in seconds
 * (ftputil ≥ 4: `time_shift = listing time − UTC`; a server listing in
 * +05:30 has a shift of 19800). Listing parsers subtract it; see
 * `ParseContext.timeShift`.
 *
 * Where ferry differs from ftputil 5 on purpose:
 * - the probe measurement is independent of any shift already set (ftputil
 *   measures through the current shift, so a second `synchronize_times()` gives 0);
 * - the measurement uses the middle of the probe's write window and of the
 *   listing's precision, not the truncated listing time alone.
 * @module
 */
import { TIME_SHIFT_TOLERANCE, TimeShiftError, validateTimeShift } from "../../util/time_shift.ts";

// The shift's arithmetic lives in util/ (a local command's --time-shift check loads no FTP
// module); this path keeps exporting it for the FTP code and the public entry points.
export {
  formatTimeShift,
  MAX_TIME_SHIFT,
  parseTimeShift,
  roundTimeShift,
  TIME_SHIFT_STEP,
  TIME_SHIFT_TOLERANCE,
  TimeShiftError,
  validateTimeShift,
} from "../../util/time_shift.ts";

const day = 86_400_000;

/** The probe file's listed time and when the client wrote it. */
export interface ProbeMeasurement {
  /** The probe's mtime as listed, parsed with a time shift of 0 (server wall time read as UTC). */
  listed: Date;
  /** The listing's precision in ms (e.g. `Precision.minutes`). */
  precision: number;
  /** Client clock just before the probe was written. */
  before: Date;
  /** Client clock just after the probe was closed. */
  after: Date;
}

/**
 * The time shift a probe file shows, validated and rounded to 15 minutes.
 *
 * The listed time is truncated, so the server's true wall time lies in
 * `[listed, listed + precision)`; the file was written between `before` and
 * `after`. The estimate compares the middles. A listing that lands almost a year
 * early is the year guess of a `Mon DD hh:mm` line from a server already in the
 * new year (ftputil #55): one year is added.
 *
 * @example
 * ```ts
 * timeShiftFromProbe({
 *   listed: new Date("2026-03-01T15:30:00Z"), precision: 60_000,
 *   before: new Date("2026-03-01T10:00:10Z"), after: new Date("2026-03-01T10:00:11Z"),
 * }); // 19800 (+05:30)
 * ```
 */
export function timeShiftFromProbe(probe: ProbeMeasurement): number {
  if (!Number.isFinite(probe.precision) || probe.precision > 3_600_000) {
    throw new TimeShiftError(
      "the probe file's listed time is too coarse to measure a time shift",
    );
  }
  let listed = probe.listed.getTime();
  const clientMid = (probe.before.getTime() + probe.after.getTime()) / 2;
  if (listed + probe.precision / 2 - clientMid < -360 * day) {
    const next = new Date(listed);
    next.setUTCFullYear(next.getUTCFullYear() + 1);
    listed = next.getTime();
  }
  const seconds = (listed + probe.precision / 2 - clientMid) / 1000;
  // The uncertainty (half the precision plus the write window) widens the tolerance.
  const slack = (probe.precision / 2 + (probe.after.getTime() - probe.before.getTime())) / 1000;
  return validateTimeShift(seconds, TIME_SHIFT_TOLERANCE + slack);
}
