/**
 * `ls -l` style LIST lines, as vsftpd, pyftpdlib, proftpd, pure-ftpd, busybox,
 * IIS in Unix mode and many embedded servers send them.
 * @module
 */
import { ListingParseError } from "./errors.ts";
import {
  guessYearMillis,
  monthIndex,
  resolveContext,
  stripEol,
  unshift,
  utcMillis,
} from "./time.ts";
import {
  type EntryType,
  type ListEntry,
  type ListingParser,
  type ParseContext,
  Precision,
} from "./types.ts";

/**
 * The permission column: a type letter, nine mode letters, an optional ACL /
 * extended-attribute marker (`+` ACL, `.` SELinux context, `@` macOS xattrs).
 * Some servers indent the whole line, so leading blanks are allowed.
 */
const PERMS = /^\s*([-dlcbpsDn?])([-rwxsStTlLA?]{9})([+.@]?)\s/;

/** `total 123` (GNU may print `total 1.2K` with -h). */
const TOTAL = /^\s*total\s+\d[\d.,]*[KMGT]?\s*$/i;

const MONTH = "(jan|feb|mar|apr|may|jun|jul|aug|sep|oct|nov|dec)";

/**
 * Everything after the permissions. The middle columns (links, owner, group)
 * vary between servers, so they are matched lazily up to the first
 * `size month day time-or-year` run; the size may be `major, minor` for
 * device files. Exactly one space separates the time/year from the name, so
 * extra leading spaces belong to the name.
 */
const REST = new RegExp(
  String.raw`^\s+(?:(.*?)\s+)?(\d+|\d+,\s*\d+)\s+${MONTH}\s+(\d{1,2})\s+` +
    String.raw`(\d{1,2}:\d{2}:\d{2}\s+\d{4}|\d{1,2}:\d{2}|\d{4})\s(.*)$`,
  "i",
);

/** Entry types by the first letter of the permission column. */
const TYPES: Record<string, EntryType> = { "-": "file", d: "dir", l: "symlink" };

/**
 * Converts the nine `rwx` letters (with `s S t T l` for set-id, sticky and
 * mandatory-locking bits) to permission bits such as 0o4755.
 *
 * @example
 * ```ts
 * modeFromString("rwsr-xr-x").toString(8); // "4755"
 * ```
 */
export function modeFromString(letters: string): number {
  let mode = 0;
  for (let who = 0; who < 3; who++) {
    const shift = 6 - who * 3;
    if (letters[who * 3] === "r") mode |= 4 << shift;
    if (letters[who * 3 + 1] === "w") mode |= 2 << shift;
    const x = letters[who * 3 + 2];
    if (x === "x" || x === "s" || x === "t") mode |= 1 << shift;
  }
  if ("sS".includes(letters[2])) mode |= 0o4000;
  if ("sSlL".includes(letters[5])) mode |= 0o2000;
  if ("tT".includes(letters[8])) mode |= 0o1000;
  return mode;
}

/**
 * Assigns the columns between permissions and size. Servers send three
 * (links owner group), two (links owner: no group column, ftputil ticket #12;
 * or owner group: no link count) or one.
 */
function ownership(middle: string | undefined): [string | undefined, string | undefined] {
  // trim() and \s take the same characters: a trimmed, non-empty column text splits without empty parts.
  const trimmed = middle?.trim();
  if (!trimmed) return [undefined, undefined];
  const cols = trimmed.split(/\s+/);
  const first = DIGITS.test(cols[0]) ? 1 : 0;
  return [
    cols[first],
    cols.length <= first + 2 ? cols[first + 1] : cols.slice(first + 1).join(" "),
  ];
}

const DIGITS = /^\d+$/;

/** Reads the date columns into an mtime and its precision. */
function readDate(
  monthName: string,
  dayText: string,
  when: string,
  ctx: ParseContext,
  line: string,
): { mtime: Date; precision: number } {
  const month0 = monthIndex(monthName);
  const day = Number(dayText);
  // `HH:MM` (the usual) and a year without a split; the rest (with seconds) split.
  const colon = when.length <= 5 ? when.indexOf(":") : -1;
  const parts = colon > 0
    ? [Number(when.slice(0, colon)), Number(when.slice(colon + 1))]
    : when.length <= 4
    ? [Number(when)]
    : when.split(/[\s:]+/).map(Number);
  let millis: number | undefined;
  let precision: number;
  if (parts.length === 1) {
    millis = utcMillis(parts[0], month0, day);
    precision = Precision.days;
  } else if (parts.length === 2) {
    millis = parts[0] > 23 || parts[1] > 59
      ? undefined
      : guessYearMillis(month0, day, parts[0], parts[1], ctx);
    precision = Precision.minutes;
  } else {
    // BSD `ls -lT` / some embedded servers: `Nov 21 05:08:32 2026`.
    millis = utcMillis(parts[3], month0, day, parts[0], parts[1], parts[2]);
    precision = Precision.seconds;
  }
  if (millis === undefined) {
    throw new ListingParseError(`invalid date "${monthName} ${dayText} ${when}"`, line);
  }
  return { mtime: unshift(millis, ctx), precision };
}

/**
 * Parses one `ls -l` line. Returns `null` for `total N` lines. Times without a
 * year get the year `ls` must have meant (see `guessYearMillis`); all times are
 * read in the server's zone and shifted by `ctx.timeShift`. Precision is
 * minutes for `hh:mm` lines and days for year lines.
 *
 * @example
 * ```ts
 * const ctx = { now: new Date("2026-11-21T05:10:00Z"), timeShift: 0 };
 * const e = parseUnixLine("lrwxrwxrwx    1 0   0   9 Nov 21 05:08 link -> plain.txt", ctx)!;
 * e.type;   // "symlink"
 * e.target; // "plain.txt"
 * e.mtime?.toISOString(); // "2026-11-21T05:08:00.000Z"
 * ```
 */
export function parseUnixLine(line: string, ctx?: Partial<ParseContext>): ListEntry | null {
  const raw = stripEol(line);
  if (TOTAL.test(raw)) return null;
  const perms = PERMS.exec(raw);
  if (!perms) throw new ListingParseError("no ls -l permission column", raw);
  const m = REST.exec(raw.slice(perms[0].length - 1));
  if (!m) throw new ListingParseError("unrecognised ls -l columns", raw);
  const [, middle, sizeText, monthName, dayText, when, rawName] = m;
  // A whole context (what ListingParser hands every line) is used as it is.
  const context = ctx?.now !== undefined && ctx.timeShift !== undefined
    ? ctx as ParseContext
    : resolveContext(ctx);
  const { mtime, precision } = readDate(monthName, dayText, when, context, raw);
  const type = TYPES[perms[1]] ?? "other";
  let name = rawName;
  let target: string | undefined;
  if (type === "symlink") {
    // `a -> b`; with several arrows the first one wins (ls does not escape).
    const arrow = name.indexOf(" -> ");
    if (arrow >= 0) [name, target] = [name.slice(0, arrow), name.slice(arrow + 4)];
  }
  if (name === "") throw new ListingParseError("ls -l line has no name", raw);
  const [owner, group] = ownership(middle);
  const mode = modeFromString(perms[2]);
  // Built whole (no spread of a columns object): the same keys, in the same order.
  const entry: ListEntry = group !== undefined
    ? { name, type, mtime, precision, mode, owner, group, raw }
    : owner !== undefined
    ? { name, type, mtime, precision, mode, owner, raw }
    : { name, type, mtime, precision, mode, raw };
  // Device files show `major, minor` where the size would be.
  if (!sizeText.includes(",")) entry.size = Number(sizeText);
  if (target !== undefined) entry.target = target;
  return entry;
}

/**
 * Whether a line is an `ls -l` entry (by its permission column) or a
 * `total N` line. Claimed lines with unreadable columns make
 * {@link parseUnixLine} throw, so the error names the real problem.
 *
 * @example
 * ```ts
 * looksLikeUnix("-rw-r--r--   1 root root 2 Nov 21 05:08 a"); // true
 * looksLikeUnix("10-23-01  03:25PM  <DIR>  name"); // false
 * ```
 */
export function looksLikeUnix(line: string): boolean {
  return PERMS.test(line) || TOTAL.test(line);
}

/** The Unix `ls -l` parser for {@link ListingParser}-driven listings. */
export const unixParser: ListingParser = {
  name: "unix",
  canParse: looksLikeUnix,
  parse: (line, context) => parseUnixLine(line, context),
};
