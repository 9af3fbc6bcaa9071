/**
 * How exact an mtime is, in milliseconds: the one scale shared by the listing
 * parsers (ftp/), every endpoint's Stat and every comparison (endpoint/mtime.ts).
 * It lives at the bottom so the local and memory endpoints need nothing of ftp/.
 * @module
 */

/** mtime precisions in milliseconds, as carried from the parser to every comparison. */
export const Precision = {
  /** MLSD/MLST `modify` with fractional seconds. */
  milliseconds: 1,
  /** MLSD/MLST `modify`, MDTM, local disks. */
  seconds: 1_000,
  /** Unix LIST lines with a time (recent files). */
  minutes: 60_000,
  /** Unix LIST lines with a year (older files), MS-DOS lines without time. */
  days: 86_400_000,
  /** No usable time at all. */
  unknown: Number.POSITIVE_INFINITY,
} as const;
