/**
 * MS-DOS / IIS style LIST lines: `10-23-01  03:25PM  <DIR>  name`.
 * @module
 */
import { ListingParseError } from "./errors.ts";
import { resolveContext, stripEol, unshift, utcMillis } from "./time.ts";
import { type ListEntry, type ListingParser, type ParseContext, Precision } from "./types.ts";

/**
 * `MM-DD-YY[YY]  hh:mm[AM|PM]  (<DIR>|size) name`. IIS pads `<DIR>` to a
 * column, so leading blanks of directory names cannot be told from padding;
 * a size is followed by exactly one space, so file names keep theirs.
 */
const LINE =
  /^\s*(\d{1,2})-(\d{1,2})-(\d{2}|\d{4})\s+(\d{1,2}):(\d{2})\s*([AP]M)?\s+(?:<DIR>\s+(.*)|([\d,]+) (.*))$/i;

/** The start of a DOS line, enough to claim it and report a precise error. */
const START = /^\s*\d{1,2}-\d{1,2}-\d{2,4}\s+\d{1,2}:\d{2}/;

/**
 * Expands a DOS year: two digits 70-99 are 19xx, others 20xx (as ftputil).
 *
 * @example
 * ```ts
 * dosYear("95"); // 1995
 * dosYear("01"); // 2001
 * dosYear("2021"); // 2021
 * ```
 */
export function dosYear(text: string): number {
  const y = Number(text);
  if (text.length === 4) return y;
  return y >= 70 ? 1900 + y : 2000 + y;
}

/** Converts a 12-hour clock reading to 0-23; `12:xxAM` is just after midnight. */
function hour24(hour: number, meridiem: string | undefined): number | undefined {
  if (meridiem === undefined) return hour;
  if (hour < 1 || hour > 12) return undefined;
  const pm = meridiem.toUpperCase() === "PM";
  return (hour % 12) + (pm ? 12 : 0);
}

/**
 * Parses one MS-DOS/IIS line, 12- or 24-hour clock, 2- or 4-digit year.
 * Precision is minutes; `ctx.timeShift` is subtracted.
 *
 * @example
 * ```ts
 * const e = parseMsdosLine("01-02-2021  11:03AM  1234 name with spaces", { timeShift: 0 });
 * e.size; // 1234
 * e.mtime?.toISOString(); // "2021-01-02T11:03:00.000Z"
 * ```
 */
export function parseMsdosLine(line: string, ctx?: Partial<ParseContext>): ListEntry {
  const raw = stripEol(line);
  const m = LINE.exec(raw);
  if (!m) throw new ListingParseError("unrecognised MS-DOS listing columns", raw);
  const [, mo, d, y, h, mi, meridiem, dirName, sizeText, fileName] = m;
  const hour = hour24(Number(h), meridiem);
  const millis = hour === undefined
    ? undefined
    : utcMillis(dosYear(y), Number(mo) - 1, Number(d), hour, Number(mi));
  if (millis === undefined) throw new ListingParseError("invalid MS-DOS date or time", raw);
  const isDir = dirName !== undefined;
  const name = isDir ? dirName : fileName;
  if (name === "") throw new ListingParseError("MS-DOS line has no name", raw);
  const entry: ListEntry = {
    name,
    type: isDir ? "dir" : "file",
    mtime: unshift(millis, resolveContext(ctx)),
    precision: Precision.minutes,
    raw,
  };
  // Some servers group digits ("1,234"); the comma carries no meaning.
  if (!isDir) entry.size = Number(sizeText.replaceAll(",", ""));
  return entry;
}

/**
 * Whether a line starts like an MS-DOS/IIS entry (date and time).
 *
 * @example
 * ```ts
 * looksLikeMsdos("08-10-15  02:04PM       <DIR>          Billing"); // true
 * ```
 */
export function looksLikeMsdos(line: string): boolean {
  return START.test(line);
}

/** The MS-DOS/IIS parser for {@link ListingParser}-driven listings. */
export const msdosParser: ListingParser = {
  name: "msdos",
  canParse: looksLikeMsdos,
  parse: (line, context) => parseMsdosLine(line, context),
};
