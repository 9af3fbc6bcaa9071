/**
 * Calendar helpers shared by the listing parsers: building UTC instants from
 * listing fields without JavaScript's silent date roll-over, guessing the year
 * of `ls -l` lines that show only a time, and applying the time shift.
 * @module
 */
import type { ParseContext } from "./types.ts";

/**
 * How far in the future (server frame) a year-less `ls -l` date may lie and
 * still count as this year. `ls` only prints a time for dates that are not in
 * the future, so any slack is for clocks and shifts: a server that lists in
 * UTC+05:30 while the time shift is still unset makes a file written a minute
 * ago look 5.5 h "ahead". ftputil's 120 s would push that file back a whole
 * year; one day covers every legal shift (|shift| <= 24 h).
 */
export const FUTURE_TOLERANCE_MS = 86_400_000;

/** English month abbreviations as `ls` prints them, lower-cased, to index 0..11. */
const MONTHS = ["jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec"];

/**
 * Returns the 0-based month of an English three-letter abbreviation, or -1.
 *
 * @example
 * ```ts
 * monthIndex("Feb"); // 1
 * monthIndex("Max"); // -1
 * ```
 */
export function monthIndex(name: string): number {
  return MONTHS.indexOf(name.toLowerCase());
}

/**
 * Builds a UTC epoch (ms) from calendar fields, or returns `undefined` when the
 * fields do not name a real instant (Feb 29 in a common year, May 32, 24:00).
 * `Date.UTC` would silently roll those over and map years 0-99 to 19xx.
 *
 * @example
 * ```ts
 * utcMillis(2024, 1, 29, 12, 0); // 1709208000000
 * utcMillis(2026, 1, 29, 12, 0); // undefined (2026 is not a leap year)
 * ```
 */
export function utcMillis(
  year: number,
  month0: number,
  day: number,
  hour = 0,
  minute = 0,
  second = 0,
  ms = 0,
): number | undefined {
  if (
    !Number.isInteger(year) || month0 < 0 || month0 > 11 || day < 1 || day > 31 ||
    hour < 0 || hour > 23 || minute < 0 || minute > 59 || second < 0 || second > 60 ||
    ms < 0 || ms > 999
  ) return undefined;
  // Whole fields of a year Date.UTC takes as written (it reads 0-99 as 19xx):
  // arithmetic, no Date (a listing asks once or twice a line: most of its
  // dates' cost). The same answers as below (time_test.ts compares them).
  if (
    year >= 100 && year <= 200_000 && Number.isInteger(month0) && Number.isInteger(day) &&
    Number.isInteger(hour) && Number.isInteger(minute) && Number.isInteger(second) &&
    Number.isInteger(ms)
  ) {
    const leap = month0 === 1 && year % 4 === 0 && (year % 100 !== 0 || year % 400 === 0);
    if (day > MONTH_DAYS[month0] + (leap ? 1 : 0)) return undefined;
    return Date.UTC(year, month0, day, hour, minute, Math.min(second, 59), ms);
  }
  return dateMillis(year, month0, day, hour, minute, second, ms);
}

/** Days of each month in a common year. */
const MONTH_DAYS = [31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31];

/** {@link utcMillis} by a `Date` set field by field (fields that passed its range check). */
function dateMillis(
  year: number,
  month0: number,
  day: number,
  hour: number,
  minute: number,
  second: number,
  ms: number,
): number | undefined {
  const date = new Date(0);
  date.setUTCFullYear(year, month0, day);
  date.setUTCHours(hour, minute, Math.min(second, 59), ms);
  // A leap second (":60") is folded into :59.999 rather than rejected.
  if (date.getUTCMonth() !== month0 || date.getUTCDate() !== day) return undefined;
  return date.getTime();
}

/**
 * Picks the year for a `Mmm dd hh:mm` listing date, the way `ls` decided to
 * print a time instead of a year: the date is the latest one that is not more
 * than {@link FUTURE_TOLERANCE_MS} ahead of the server's "now". The comparison
 * happens in the server's frame (`now + timeShift`), because the listed fields
 * are server-local. Years where the date does not exist (Feb 29) are skipped,
 * so a Feb 29 line seen in a common year lands in the nearest fitting leap year
 * instead of throwing (ftputil ticket #160).
 *
 * Returns the epoch (ms) of the fields read as UTC, still in the server frame;
 * subtract the shift with {@link unshift}.
 *
 * @example
 * ```ts
 * const ctx = { now: new Date("2027-01-01T00:30:00Z"), timeShift: 0 };
 * new Date(guessYearMillis(11, 31, 23, 59, ctx)!).toISOString(); // "2026-12-31T23:59:00.000Z"
 * ```
 */
export function guessYearMillis(
  month0: number,
  day: number,
  hour: number,
  minute: number,
  ctx: ParseContext,
  second = 0,
): number | undefined {
  const serverNow = ctx.now.getTime() + ctx.timeShift * 1000;
  const latest = serverNow + FUTURE_TOLERANCE_MS;
  const thisYear = utcYear(serverNow);
  // Eight years back always reaches a leap year (2096 -> 2104 skips 2100).
  for (let year = thisYear + 1; year >= thisYear - 8; year--) {
    const t = utcMillis(year, month0, day, hour, minute, second);
    if (t !== undefined && t <= latest) return t;
  }
  return undefined;
}

/** The last instant {@link utcYear} was asked, and its year (a listing asks line after line). */
let lastYear = { at: NaN, year: NaN };

/** The UTC year of an epoch (ms). */
function utcYear(at: number): number {
  if (lastYear.at !== at) lastYear = { at, year: new Date(at).getUTCFullYear() };
  return lastYear.year;
}

/**
 * Turns a server-frame epoch (listing fields read as UTC) into a real UTC
 * `Date` by subtracting the time shift (seconds), as ftputil >= 4 does.
 *
 * @example
 * ```ts
 * unshift(Date.UTC(2024, 0, 1, 5, 30), { now: new Date(), timeShift: 19800 }).toISOString();
 * // "2024-01-01T00:00:00.000Z"
 * ```
 */
export function unshift(serverMillis: number, ctx: ParseContext): Date {
  return new Date(serverMillis - ctx.timeShift * 1000);
}

/**
 * Completes a partial context: "now" defaults to the current clock, the shift
 * to 0 (the server lists in UTC).
 *
 * @example
 * ```ts
 * resolveContext({ timeShift: 3600 }).timeShift; // 3600
 * ```
 */
export function resolveContext(ctx: Partial<ParseContext> = {}): ParseContext {
  return { now: ctx.now ?? new Date(), timeShift: ctx.timeShift ?? 0 };
}

/**
 * Removes one trailing line terminator (`\r\n`, `\n` or `\r`) and nothing else:
 * trailing spaces may belong to a file name.
 *
 * @example
 * ```ts
 * stripEol(" a b \r\n"); // " a b "
 * ```
 */
export function stripEol(line: string): string {
  if (line.endsWith("\r\n")) return line.slice(0, -2);
  if (line.endsWith("\n") || line.endsWith("\r")) return line.slice(0, -1);
  return line;
}
