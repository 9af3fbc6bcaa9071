/**
 * What a directory listing line becomes, whatever format it came in.
 * @module
 */

import type { EntryType } from "../../util/entry_type.ts";
export type { EntryType };

export { Precision } from "../../util/precision.ts";

/** One parsed listing entry. */
export interface ListEntry {
  /** The entry's name (no directory part). */
  name: string;
  /** File, directory, symlink or other. */
  type: EntryType;
  /** Size in bytes when the listing gives one. */
  size?: number;
  /** Modification time (UTC instant) after the time shift was applied. */
  mtime?: Date;
  /** How exact `mtime` is, in milliseconds (see {@link Precision}). */
  precision: number;
  /** Permission bits (e.g. 0o755) when known. */
  mode?: number;
  /** Owner name as listed, when the format shows one. */
  owner?: string;
  /** Group name as listed, when the format shows one. */
  group?: string;
  /** Link target for symlinks (`a -> b`). */
  target?: string;
  /** MLSD `unique` fact. */
  unique?: string;
  /** MLSD `perm` fact. */
  perm?: string;
  /** All MLSD facts, lower-cased keys. */
  facts?: Record<string, string>;
  /** The line this entry was parsed from. */
  raw: string;
}

/** What a parser may need besides the line itself. */
export interface ParseContext {
  /** "Now" for the year guess of lines without a year (pinned in tests). */
  now: Date;
  /** Seconds to subtract from server-local times to get UTC (ftputil's time shift). */
  timeShift: number;
}

/**
 * A listing parser. Users can plug in their own for exotic servers.
 * `parse` returns `null` for lines that carry no entry (e.g. `total 12`) and
 * throws `ListingParseError` for lines it claims but cannot read.
 */
export interface ListingParser {
  /** Short name of the format, e.g. `"unix"`, `"msdos"`, `"mlsd"`. */
  readonly name: string;
  /** Whether this parser recognises the line's format. */
  canParse(line: string): boolean;
  /**
   * Reads one line: an entry, `null` for lines to skip (`total 12`, `.`), or throws ListingParseError.
   */
  parse(line: string, context: ParseContext): ListEntry | null;
}
