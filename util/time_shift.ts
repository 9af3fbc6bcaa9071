/**
 * The checks on a time shift (what a server's listing times are ahead of UTC,
 * in seconds) that need nothing of ftp/: the workflow validator runs them as
 * the FTP endpoint does (endpoint/ftp/time_shift.ts re-exports them), so a
 * local command that validates a workflow loads no FTP module.
 * @module
 */
import { FerryError } from "./errors.ts";

/** A time shift that cannot be right (more than a day, or not near a 15-minute step). */
export class TimeShiftError extends FerryError {
  /** Makes the error; `cause` carries what the shift was derived from, if any. */
  constructor(message: string, options: { cause?: unknown } = {}) {
    super(message, { code: "ETIMESHIFT", cause: options.cause });
  }
}

/** The largest accepted shift, in seconds (ftputil: 24 h). */
export const MAX_TIME_SHIFT = 24 * 3600;
/** Shifts are multiples of this many seconds (time zones are 15-minute steps). */
export const TIME_SHIFT_STEP = 15 * 60;
/** How far a given shift may be from a step before it is refused (ftputil: 5 min). */
export const TIME_SHIFT_TOLERANCE = 5 * 60;

/**
 * Rounds seconds to the nearest 15 minutes, keeping the sign (ftputil's
 * `int((abs(x) + 450) / 900) * 900`).
 *
 * @example
 * ```ts
 * roundTimeShift(19_790); // 19800
 * roundTimeShift(-449);   // 0
 * ```
 */
export function roundTimeShift(seconds: number): number {
  const rounded = Math.floor((Math.abs(seconds) + TIME_SHIFT_STEP / 2) / TIME_SHIFT_STEP) *
    TIME_SHIFT_STEP;
  return seconds < 0 && rounded !== 0 ? -rounded : rounded;
}

/**
 * Checks a shift and returns it rounded to 15 minutes. Throws `TimeShiftError`
 * when it is not a finite number, when the rounded value exceeds 24 h, or when
 * the value is more than `tolerance` seconds from a 15-minute step.
 *
 * @example
 * ```ts
 * validateTimeShift(3600);  // 3600
 * validateTimeShift(240);   // 0
 * validateTimeShift(420);   // throws TimeShiftError (7 min from any step)
 * validateTimeShift(90_000); // throws TimeShiftError (> 24 h)
 * ```
 */
export function validateTimeShift(seconds: number, tolerance = TIME_SHIFT_TOLERANCE): number {
  if (!Number.isFinite(seconds)) throw new TimeShiftError(`time shift ${seconds} is not a number`);
  const rounded = roundTimeShift(seconds);
  if (Math.abs(rounded) > MAX_TIME_SHIFT) {
    throw new TimeShiftError(
      `time shift ${formatTimeShift(seconds)} is more than 24 hours: check the server's clock`,
    );
  }
  if (Math.abs(seconds - rounded) > tolerance) {
    throw new TimeShiftError(
      `time shift ${seconds} s is ${Math.abs(seconds - rounded)} s away from a 15-minute step`,
    );
  }
  return rounded;
}

/**
 * Formats seconds as `+HH:MM` / `-HH:MM`.
 *
 * @example
 * ```ts
 * formatTimeShift(19800); // "+05:30"
 * formatTimeShift(-3600); // "-01:00"
 * ```
 */
export function formatTimeShift(seconds: number): string {
  const sign = seconds < 0 ? "-" : "+";
  const minutes = Math.round(Math.abs(seconds) / 60);
  const hh = String(Math.floor(minutes / 60)).padStart(2, "0");
  return `${sign}${hh}:${String(minutes % 60).padStart(2, "0")}`;
}

/**
 * Reads a shift as written in a workflow: `"auto"`, `"+05:30"`, `"-0130"`,
 * `"+2"` (hours; a sign with `HH`, `HH:MM` or `HHMM`), or seconds (`"3600"`, `"-900"`, `3600`). Returns seconds (validated
 * and rounded) or `"auto"`.
 *
 * @example
 * ```ts
 * parseTimeShift("+05:30"); // 19800
 * parseTimeShift("-01:00"); // -3600
 * parseTimeShift(7200);     // 7200
 * parseTimeShift("auto");   // "auto"
 * ```
 */
export function parseTimeShift(value: string | number): number | "auto" {
  if (typeof value === "number") return validateTimeShift(value);
  const s = value.trim();
  if (s.toLowerCase() === "auto") return "auto";
  // A sign with HH, HH:MM or HHMM is an offset; any other number is seconds ("-900").
  const hm = /^([+-])(\d{1,2})(?::(\d{2}))?$/.exec(s) ?? /^([+-])(\d{2})(\d{2})$/.exec(s);
  if (hm) {
    const minutes = Number(hm[3] ?? "0");
    if (minutes >= 60) throw new TimeShiftError(`invalid time shift ${JSON.stringify(value)}`);
    const sign = hm[1] === "-" ? -1 : 1;
    return validateTimeShift(sign * (Number(hm[2]) * 3600 + minutes * 60), 0);
  }
  if (/^[+-]?\d+(\.\d+)?$/.test(s)) return validateTimeShift(Number(s));
  throw new TimeShiftError(
    `invalid time shift ${JSON.stringify(value)}: use "auto", "+HH:MM" or seconds`,
  );
}
