/**
 * Listing formats the server writes: `ls -l` lines for LIST/STAT, RFC 3659
 * facts for MLSD/MLST, and the GMT timestamps of MDTM/MFMT.
 * @module
 */
import type { Stat } from "../../plugin.ts";
import type { ListedEntry } from "./filesystem.ts";
import { hasPerm, type PermissionOverride } from "./permissions.ts";

const MONTHS = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"];
const SIX_MONTHS = 180 * 86_400_000;

const pad = (n: number, w = 2) => String(n).padStart(w, "0");

/**
 * RFC 3659 time value, always UTC: `YYYYMMDDHHMMSS`.
 *
 * @example
 * ```ts
 * formatFtpTime(new Date(Date.UTC(2024, 0, 2, 3, 4, 5))); // "20240102030405"
 * ```
 */
export function formatFtpTime(d: Date): string {
  return `${pad(d.getUTCFullYear(), 4)}${pad(d.getUTCMonth() + 1)}${pad(d.getUTCDate())}` +
    `${pad(d.getUTCHours())}${pad(d.getUTCMinutes())}${pad(d.getUTCSeconds())}`;
}

/**
 * Parses an RFC 3659 time value (`YYYYMMDDHHMMSS[.sss]`, UTC); undefined if invalid.
 *
 * @example
 * ```ts
 * parseFtpTime("20240102030405")?.toISOString(); // "2024-01-02T03:04:05.000Z"
 * ```
 */
export function parseFtpTime(s: string): Date | undefined {
  const m = /^(\d{4})(\d{2})(\d{2})(\d{2})(\d{2})(\d{2})(?:\.(\d{1,3}))?$/.exec(s);
  if (!m) return undefined;
  const [y, mo, d, h, mi, se] = m.slice(1, 7).map(Number);
  const ms = m[7] ? Number(m[7].padEnd(3, "0")) : 0;
  if (mo < 1 || mo > 12 || d < 1 || d > 31 || h > 23 || mi > 59 || se > 60) return undefined;
  const date = new Date(Date.UTC(y, mo - 1, d, h, mi, se, ms));
  return date.getUTCDate() === d ? date : undefined;
}

function modeString(stat: Stat, link: boolean): string {
  const type = link ? "l" : stat.type === "dir" ? "d" : "-";
  const mode = stat.mode ?? (stat.type === "dir" ? 0o755 : 0o644);
  let s = "";
  for (let shift = 6; shift >= 0; shift -= 3) {
    const bits = (mode >> shift) & 7;
    s += (bits & 4 ? "r" : "-") + (bits & 2 ? "w" : "-") + (bits & 1 ? "x" : "-");
  }
  return type + s;
}

/**
 * One `ls -l` line (no CRLF) in pyftpdlib's layout, times in GMT; entries
 * older than 180 days show the year instead of the time.
 *
 * @example
 * ```ts
 * formatListLine({ name: "a", stat: { name: "a", type: "file", size: 3, precision: 1000 } }, new Date());
 * // "-rw-r--r--   1 ftp      ftp             3 Jan 01  1970 a"
 * ```
 */
export function formatListLine(entry: ListedEntry, now: Date): string {
  const st = entry.stat;
  const link = entry.link !== undefined && !entry.link.inside;
  const mtime = st.mtime ?? new Date(0);
  const month = MONTHS[mtime.getUTCMonth()];
  const day = pad(mtime.getUTCDate());
  const when = Math.abs(now.getTime() - mtime.getTime()) > SIX_MONTHS
    ? `${month} ${day}  ${mtime.getUTCFullYear()}`
    : `${month} ${day} ${pad(mtime.getUTCHours())}:${pad(mtime.getUTCMinutes())}`;
  const size = st.type === "dir" ? 4096 : st.size;
  const nlinks = st.type === "dir" ? 2 : 1;
  const name = link ? `${entry.name} -> ${entry.link!.target}` : entry.name;
  return `${modeString(st, link)} ${String(nlinks).padStart(3)} ftp      ftp      ${
    String(size).padStart(8)
  } ${when} ${name}`;
}

/** The MLSx facts ferry can give, in FEAT order. */
export const MLST_FACTS = ["type", "size", "modify", "perm", "unix.mode"] as const;
/** Facts on by default (marked `*` in FEAT). */
export const DEFAULT_MLST_FACTS: readonly string[] = Object.freeze([
  "type",
  "size",
  "modify",
  "perm",
]);

/** Permission context for the MLSx `perm` fact. */
export interface PermContext {
  perm: string;
  overrides?: readonly PermissionOverride[];
  /** Virtual path of the entry. */
  path: string;
}

function permFact(stat: Stat, ctx: PermContext): string {
  const has = (p: string) => hasPerm(ctx.perm, ctx.overrides, p, ctx.path, stat.type === "dir");
  let s = "";
  if (stat.type === "dir") {
    if (has("e")) s += "e";
    if (has("l")) s += "l";
    if (has("w")) s += "c";
    if (has("m")) s += "m";
    if (has("d")) s += "dp";
    if (has("f")) s += "f";
  } else {
    if (has("r")) s += "r";
    if (has("a")) s += "a";
    if (has("w")) s += "w";
    if (has("d")) s += "d";
    if (has("f")) s += "f";
  }
  return s;
}

/**
 * The facts part of an MLSD/MLST line (`type=file;size=3;...;`), only the
 * enabled facts, in RFC 3659 form.
 *
 * @example
 * ```ts
 * formatFacts({ name: "a", stat }, ["type", "size"], ctx); // "type=file;size=3;"
 * ```
 */
export function formatFacts(
  entry: ListedEntry,
  facts: readonly string[],
  ctx: PermContext,
): string {
  const st = entry.stat;
  const link = entry.link !== undefined && !entry.link.inside;
  let out = "";
  for (const f of facts) {
    switch (f) {
      case "type":
        out += `type=${
          link
            ? "OS.unix=symlink"
            : st.type === "dir"
            ? "dir"
            : st.type === "file"
            ? "file"
            : "OS.unix=other"
        };`;
        break;
      case "size":
        if (st.type !== "dir") out += `size=${st.size};`;
        break;
      case "modify":
        if (st.mtime) out += `modify=${formatFtpTime(st.mtime)};`;
        break;
      case "perm":
        if (!link) out += `perm=${permFact(st, ctx)};`;
        break;
      case "unix.mode":
        if (st.mode !== undefined) out += `unix.mode=0${(st.mode & 0o7777).toString(8)};`;
        break;
    }
  }
  return out;
}
