/**
 * How the UFTPD shows entries (pure): MLSD/MLST fact lines with `modify` in
 * the server's local time (as the Python UFTPD does), `STAT` lines with epoch
 * milliseconds, and `ls`-style LIST lines. Local time comes from a function,
 * so tests can put the server in any zone.
 * @module
 */
import type { Stat } from "../../../plugin.ts";

/** Minutes the server's local time is ahead of UTC at an instant. */
export type UtcOffset = (at: Date) => number;

/**
 * The process's own zone (Deno's `TZ`): minutes east of UTC at `at`.
 *
 * @example
 * ```ts
 * systemUtcOffset(new Date()); // 60 in Berlin in winter
 * ```
 */
export function systemUtcOffset(at: Date): number {
  return -at.getTimezoneOffset();
}

const MONTHS = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"];
const pad = (n: number, w = 2) => String(n).padStart(w, "0");

function shifted(at: Date, offset: UtcOffset): Date {
  return new Date(at.getTime() + offset(at) * 60_000);
}

/**
 * `YYYYmmddHHMMSS` in the server's local time.
 *
 * @example
 * ```ts
 * localTimeVal(new Date("2024-01-02T03:04:05Z"), () => 330); // "20240102083405"
 * ```
 */
export function localTimeVal(at: Date, offset: UtcOffset): string {
  const d = shifted(at, offset);
  return `${d.getUTCFullYear()}${pad(d.getUTCMonth() + 1)}${pad(d.getUTCDate())}` +
    `${pad(d.getUTCHours())}${pad(d.getUTCMinutes())}${pad(d.getUTCSeconds())}`;
}

/**
 * Reads `YYYYmmddHHMMSS` as the server's local time (MFMT, MFF Modify).
 *
 * @example
 * ```ts
 * parseLocalTimeVal("20240102083405", () => 330)?.toISOString(); // "2024-01-02T03:04:05.000Z"
 * ```
 */
export function parseLocalTimeVal(value: string, offset: UtcOffset): Date | undefined {
  const m = /^(\d{4})(\d{2})(\d{2})(\d{2})(\d{2})(\d{2})$/.exec(value);
  if (!m) return undefined;
  const [y, mo, d, h, mi, s] = m.slice(1).map(Number);
  const asUtc = Date.UTC(y, mo - 1, d, h, mi, s);
  if (Number.isNaN(asUtc) || mo < 1 || mo > 12 || d < 1 || d > 31 || h > 23 || mi > 59 || s > 60) {
    return undefined;
  }
  return new Date(asUtc - offset(new Date(asUtc)) * 60_000);
}

function modeBits(stat: Stat): number {
  const perms = stat.mode ?? (stat.type === "dir" ? 0o755 : 0o644);
  return (stat.type === "dir" ? 0o40000 : 0o100000) | (perms & 0o7777);
}

function rwx(stat: Stat): [boolean, boolean, boolean] {
  const m = stat.mode ?? (stat.type === "dir" ? 0o755 : 0o644);
  return [(m & 0o400) !== 0, (m & 0o200) !== 0, (m & 0o100) !== 0];
}

/**
 * One MLSD/MLST entry: `size=..;modify=..;type=..;perm=..;UNIX.mode=..; name`.
 *
 * @example
 * ```ts
 * mlsdLine({ name: "a", type: "file", size: 3, mtime, precision: 1000, mode: 0o644 }, "a", () => 0);
 * // "size=3;modify=20240102030405;type=file;perm=rw;UNIX.mode=100644; a"
 * ```
 */
export function mlsdLine(stat: Stat, name: string, offset: UtcOffset): string {
  const [r, w, x] = rwx(stat);
  const dir = stat.type === "dir";
  const perm = (r ? (dir ? "l" : "r") : "") + (w ? "w" : "") + (x ? (dir ? "e" : "x") : "");
  const modify = localTimeVal(stat.mtime ?? new Date(0), offset);
  return `size=${dir ? 0 : stat.size};modify=${modify};type=${dir ? "dir" : "file"};` +
    `perm=${perm};UNIX.mode=${modeBits(stat).toString(8)}; ${name}`;
}

/**
 * One `STAT` entry: ` drwx <size> <mtime in epoch ms> <name>` without the
 * leading space (the caller adds it).
 *
 * @example
 * ```ts
 * statLine({ name: "a", type: "file", size: 3, mtime: new Date(1000), precision: 1 }, "a"); // "-rw- 3 1000 a"
 * ```
 */
export function statLine(stat: Stat, name: string): string {
  const [r, w, x] = rwx(stat);
  const flags = (stat.type === "dir" ? "d" : "-") + (r ? "r" : "-") + (w ? "w" : "-") +
    (x ? "x" : "-");
  const size = stat.type === "dir" ? 0 : stat.size;
  return `${flags} ${size} ${stat.mtime?.getTime() ?? 0} ${name === "" ? "." : name}`;
}

/**
 * One `ls`-style LIST line (recent entries with the time, older with the year).
 *
 * @example
 * ```ts
 * listLine(stat, "a", new Date(), () => 0); // "-rw-------   1 dummy dummy 3 Jan 02 03:04 a"
 * ```
 */
export function listLine(stat: Stat, name: string, now: Date, offset: UtcOffset): string {
  const [r, w, x] = rwx(stat);
  const dir = stat.type === "dir";
  const flags = (dir ? "d" : "-") + (r ? "r" : "-") + (w ? "w" : "-") + (x ? "x" : "-");
  const mtime = stat.mtime ?? new Date(0);
  const d = shifted(mtime, offset);
  const recent = now.getTime() - mtime.getTime() < 15_811_200_000;
  const when = `${MONTHS[d.getUTCMonth()]} ${pad(d.getUTCDate())} ` +
    (recent ? `${pad(d.getUTCHours())}:${pad(d.getUTCMinutes())}` : `${d.getUTCFullYear()}`);
  return `${flags}------   ${dir ? 3 : 1} dummy dummy ${dir ? 0 : stat.size} ${when} ${name}`;
}
