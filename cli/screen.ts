/**
 * What the live display shows, as plain strings (pure, so tests need no
 * terminal): per running job one line with the whole job's files and bytes
 * done / total, rate and ETA, then the files in flight, one line each, as
 * many as the terminal has room for; every line fits the terminal's width.
 * @module
 */
import { ellipsize, formatBytes, formatDuration, formatRate } from "./format.ts";

/** One file being transferred. */
export interface InFlight {
  path: string;
  bytes: number;
  size: number;
}

/** A running job as the display knows it. */
export interface JobView {
  job: string;
  /** ms since the epoch. */
  started: number;
  filesDone: number;
  filesTotal: number;
  bytesDone: number;
  bytesTotal: number;
  deletesDone: number;
  deletesTotal: number;
  inFlight: InFlight[];
}

/**
 * The screen lines for the running jobs: at most `rows` lines, none wider than `columns`.
 *
 * @example
 * ```ts
 * renderJobs([view], 120, 20, Date.now());
 * // ["pull [#####-----] 48% 12/25 files 1.2 GiB/2.5 GiB 80.0 MiB/s ETA 17.0 s", "  big.iso 60%  ..."]
 * ```
 */
export function renderJobs(views: JobView[], columns: number, rows: number, now: number): string[] {
  const width = Math.max(20, columns - 1);
  const room = Math.max(views.length, rows);
  let spare = room - views.length;
  const out: string[] = [];
  for (const v of views) {
    out.push(fit(header(v, width, now), width));
    const share = Math.min(v.inFlight.length, Math.max(0, spare));
    const shown = v.inFlight.length > share && share > 0 ? share - 1 : share;
    for (const f of v.inFlight.slice(0, shown)) out.push(fit(fileLine(f, width), width));
    if (shown < v.inFlight.length && share > 0) {
      out.push(fit(`  ... and ${v.inFlight.length - shown} more in flight`, width));
    }
    spare -= share;
  }
  return out;
}

function header(v: JobView, width: number, now: number): string {
  const ms = Math.max(0, now - v.started);
  const byBytes = v.bytesTotal > 0;
  const done = byBytes ? v.bytesDone : v.filesDone + v.deletesDone;
  const total = byBytes ? v.bytesTotal : v.filesTotal + v.deletesTotal;
  const ratio = total > 0 ? Math.min(1, done / total) : 0;
  const rate = ms > 0 ? (v.bytesDone * 1000) / ms : 0;
  const eta = byBytes && rate > 0 && v.bytesDone < v.bytesTotal
    ? ` ETA ${formatDuration(((v.bytesTotal - v.bytesDone) / rate) * 1000)}`
    : "";
  const deletes = v.deletesTotal > 0 ? ` ${v.deletesDone}/${v.deletesTotal} deleted` : "";
  const facts = ` ${Math.floor(ratio * 100)}% ${count(v.filesDone)}/${count(v.filesTotal)} files ` +
    `${formatBytes(v.bytesDone)}/${formatBytes(v.bytesTotal)} ${formatRate(v.bytesDone, ms)}` +
    `${eta}${deletes}`;
  const barWidth = Math.max(0, Math.min(30, width - v.job.length - facts.length - 3));
  if (barWidth < 5) return `${v.job}${facts}`;
  const filled = Math.round(ratio * barWidth);
  return `${v.job} [${"#".repeat(filled)}${"-".repeat(barWidth - filled)}]${facts}`;
}

function fileLine(f: InFlight, width: number): string {
  const pct = f.size > 0 ? `${Math.floor((f.bytes / f.size) * 100)}%` : "";
  const tail = ` ${pct} ${formatBytes(f.bytes)}/${formatBytes(f.size)}`;
  return `  ${ellipsize(f.path, Math.max(10, width - tail.length - 2))}${tail}`;
}

function fit(line: string, width: number): string {
  return line.length <= width ? line : line.slice(0, width - 1) + "…";
}

/**
 * A count with thousands separators: `2,000`.
 *
 * @example
 * ```ts
 * count(1234567); // "1,234,567"
 * ```
 */
export function count(n: number): string {
  return n.toLocaleString("en-US");
}
