/**
 * Human units in every config (workflow files, the server's YAML, plugin options): sizes (`10MiB`), durations (`30s`), time shifts
 * (`+02:00`) and delete limits (`10%`). Pure parsers; the schema uses the same
 * regular expressions so a value that validates always parses.
 * @module
 */

/** `123`, `1.5k`, `10 MiB`, `2GB` (k/M/G/T are powers of 1000, Ki/Mi/... of 1024). */
export const SIZE_RE =
  /^\s*(\d+(?:\.\d+)?)\s*(b|k|kb|ki|kib|m|mb|mi|mib|g|gb|gi|gib|t|tb|ti|tib)?\s*$/i;
/** `250ms`, `30s`, `5m`, `2h`, `1.5s`, or a plain number of seconds. */
export const DURATION_RE = /^\s*(\d+(?:\.\d+)?)\s*(ms|s|m|h)?\s*$/;
/** `+HH:MM`, `-HH:MM`, `HH:MM`. */
export const TIME_SHIFT_RE = /^([+-])?(\d{1,2}):([0-5]\d)$/;
/** `25%` of the target's files. */
export const PERCENT_RE = /^\s*(\d+(?:\.\d+)?)\s*%\s*$/;

const SIZE_UNITS: Record<string, number> = {
  b: 1,
  k: 1e3,
  kb: 1e3,
  ki: 1024,
  kib: 1024,
  m: 1e6,
  mb: 1e6,
  mi: 1024 ** 2,
  mib: 1024 ** 2,
  g: 1e9,
  gb: 1e9,
  gi: 1024 ** 3,
  gib: 1024 ** 3,
  t: 1e12,
  tb: 1e12,
  ti: 1024 ** 4,
  tib: 1024 ** 4,
};

/**
 * Parses a size in bytes.
 *
 * @example
 * ```ts
 * parseSize("10KiB"); // 10240
 * parseSize(42);      // 42
 * ```
 */
export function parseSize(value: string | number): number {
  if (typeof value === "number") return value;
  const m = SIZE_RE.exec(value);
  if (!m) throw new RangeError(`not a size: ${JSON.stringify(value)}`);
  return Math.round(Number(m[1]) * SIZE_UNITS[(m[2] ?? "b").toLowerCase()]);
}

/**
 * Parses a duration into milliseconds; a bare number means seconds.
 *
 * @example
 * ```ts
 * parseDuration("250ms"); // 250
 * parseDuration(2);       // 2000
 * ```
 */
export function parseDuration(value: string | number): number {
  if (typeof value === "number") return value * 1000;
  const m = DURATION_RE.exec(value);
  if (!m) throw new RangeError(`not a duration: ${JSON.stringify(value)}`);
  const factor = { ms: 1, s: 1000, m: 60_000, h: 3_600_000 }[m[2] ?? "s"] ?? 1000;
  return Math.round(Number(m[1]) * factor);
}

/**
 * Parses a time shift into seconds (server time minus UTC); `auto` stays as is.
 *
 * @example
 * ```ts
 * parseTimeShift("+05:30"); // 19800
 * parseTimeShift(-3600);    // -3600
 * parseTimeShift("auto");   // "auto"
 * ```
 */
export function parseTimeShift(value: string | number): number | "auto" {
  if (value === "auto" || typeof value === "number") return value;
  const m = TIME_SHIFT_RE.exec(value.trim());
  if (!m) throw new RangeError(`not a time shift: ${JSON.stringify(value)}`);
  const seconds = Number(m[2]) * 3600 + Number(m[3]) * 60;
  return m[1] === "-" ? -seconds : seconds;
}

/** A delete limit: an absolute count or a fraction of the target's files. */
export type DeleteLimit = { count: number } | { percent: number };

/**
 * Parses `maxDelete`.
 *
 * @example
 * ```ts
 * parseDeleteLimit(100);   // { count: 100 }
 * parseDeleteLimit("10%"); // { percent: 10 }
 * ```
 */
export function parseDeleteLimit(value: string | number): DeleteLimit {
  if (typeof value === "number") return { count: value };
  const m = PERCENT_RE.exec(value);
  if (m) {
    const percent = Number(m[1]);
    if (percent > 100) {
      throw new RangeError(`a delete limit is at most 100%: ${JSON.stringify(value)}`);
    }
    return { percent };
  }
  if (/^\s*\d+\s*$/.test(value)) return { count: Number(value) };
  throw new RangeError(`not a delete limit: ${JSON.stringify(value)}`);
}
