/**
 * Small pure formatters for human output.
 * @module
 */

/**
 * Bytes with a binary unit, one decimal.
 *
 * @example
 * ```ts
 * formatBytes(1536); // "1.5 KiB"
 * formatBytes(12);   // "12 B"
 * ```
 */
export function formatBytes(n: number): string {
  const units = ["B", "KiB", "MiB", "GiB", "TiB"];
  let v = n;
  let i = 0;
  while (Math.abs(v) >= 1024 && i < units.length - 1) {
    v /= 1024;
    i++;
  }
  return i === 0 ? `${v} B` : `${v.toFixed(1)} ${units[i]}`;
}

/**
 * A duration in ms, short.
 *
 * @example
 * ```ts
 * formatDuration(1234);   // "1.2 s"
 * formatDuration(125000); // "2m05s"
 * ```
 */
export function formatDuration(ms: number): string {
  if (ms < 1000) return `${Math.round(ms)} ms`;
  if (ms < 60_000) return `${(ms / 1000).toFixed(1)} s`;
  const s = Math.round(ms / 1000);
  const h = Math.floor(s / 3600);
  const m = Math.floor((s % 3600) / 60);
  const rest = String(s % 60).padStart(2, "0");
  return h > 0 ? `${h}h${String(m).padStart(2, "0")}m${rest}s` : `${m}m${rest}s`;
}

/**
 * A rate in bytes per second.
 *
 * @example
 * ```ts
 * formatRate(2048, 1000); // "2.0 KiB/s"
 * ```
 */
export function formatRate(bytes: number, ms: number): string {
  return ms <= 0 ? "-" : `${formatBytes(Math.round((bytes * 1000) / ms))}/s`;
}

/**
 * Left-aligned text columns.
 *
 * @example
 * ```ts
 * table([["a", "bb"], ["ccc", "d"]]); // ["a    bb", "ccc  d"]
 * ```
 */
export function table(rows: string[][], gap = 2): string[] {
  const widths: number[] = [];
  for (const row of rows) row.forEach((c, i) => (widths[i] = Math.max(widths[i] ?? 0, c.length)));
  return rows.map((row) =>
    row.map((c, i) => (i === row.length - 1 ? c : c.padEnd(widths[i] + gap))).join("")
  );
}

/**
 * Shortens a path for a status line, keeping its end.
 *
 * @example
 * ```ts
 * ellipsize("a/very/long/path/name.txt", 12); // "…th/name.txt"
 * ```
 */
export function ellipsize(text: string, max: number): string {
  return text.length <= max ? text : "…" + text.slice(text.length - max + 1);
}
