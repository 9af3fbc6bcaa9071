/**
 * Turning LIST / MLSD / NLST data into entries: the parser registry, format
 * detection that sticks to what worked, bounds, and a streaming front end.
 *
 * @example
 * ```ts
 * import { parseListing } from "./index.ts";
 * const entries = parseListing("type=file;size=3;modify=20240101000000; a.txt\r\n");
 * entries[0].name; // "a.txt"
 * ```
 * @module
 */
import { logger } from "../../util/log.ts";
import { ListingParseError, ListingTooLargeError } from "./errors.ts";
import { mlsdParser } from "./mlsd.ts";
import { msdosParser } from "./msdos.ts";
import { DEFAULT_MAX_ENTRIES, ListingLineSplitter } from "./split.ts";
import { resolveContext } from "./time.ts";
import type { ListEntry, ListingParser, ParseContext } from "./types.ts";
import { unixParser } from "./unix.ts";

export * from "./types.ts";
export { ListingParseError, ListingTooLargeError } from "./errors.ts";
export { looksLikeMlsd, mlsdParser, parseMlsdLine, parseMlsdTime, parseMlstReply } from "./mlsd.ts";
export { looksLikeUnix, modeFromString, parseUnixLine, unixParser } from "./unix.ts";
export { dosYear, looksLikeMsdos, msdosParser, parseMsdosLine } from "./msdos.ts";
export { DEFAULT_MAX_ENTRIES, DEFAULT_MAX_LINE_LENGTH, ListingLineSplitter } from "./split.ts";
export { FUTURE_TOLERANCE_MS } from "./time.ts";

const log = logger("ftp", "listing");

/** The built-in parsers, in the order they are tried. */
export const defaultParsers: readonly ListingParser[] = Object.freeze([
  mlsdParser,
  unixParser,
  msdosParser,
]);

/** How a listing is read. */
export interface ListingOptions {
  /** Extra parsers, tried before the built-in ones (how a user plugs in a format). */
  parsers?: ListingParser[];
  /** "Now" for year guessing and the time shift; defaults: the clock and 0. */
  context?: Partial<ParseContext>;
  /** Longest accepted line (default 8 KiB); longer throws `ListingTooLargeError`. */
  maxLineLength?: number;
  /** Most accepted entries (default 1,000,000); more throws `ListingTooLargeError`. */
  maxEntries?: number;
  /**
   * What to do with a line no parser reads: throw (default), or log a warning,
   * skip it and record it in {@link ListingStreamParser.skipped}.
   */
  onUnparsed?: "throw" | "skip";
}

/**
 * A directory's entries as read; `skipped` holds the lines no parser read
 * (then the listing is incomplete: callers must not delete on its strength).
 */
export type Listing = ListEntry[] & {
  skipped?: SkippedLine[];
  /** Made with `LIST -a` (not a plain LIST after the server refused `-a`). */
  listedAll?: boolean;
};

/** A listing line that was left out, and why (see {@link ListingOptions.onUnparsed}). */
export interface SkippedLine {
  /** The raw line, without its terminator. */
  line: string;
  /** 1-based line number within the listing. */
  lineNumber: number;
  /** Why no parser read it. */
  reason: string;
}

/**
 * An incremental listing parser: feed it the data channel's text as it
 * arrives and collect entries, with memory bounded by one line. It tries the
 * parser that read the previous line first, so a listing stays in one format
 * and ambiguous lines are read the way their neighbours were.
 *
 * @example
 * ```ts
 * const p = new ListingStreamParser({ context: { now: new Date("2026-11-21T06:00:00Z") } });
 * const got = [...p.push("-rw-r--r--  1 0 0 2 Nov 21 05:08 a\r\n-rw-r--r--  1 0 0"), ...p.push(" 3 Nov 21 05:09 b\r\n"), ...p.end()];
 * got.map((e) => e.name); // ["a", "b"]
 * p.parserName;          // "unix"
 * ```
 */
export class ListingStreamParser {
  readonly #parsers: readonly ListingParser[];
  readonly #context: ParseContext;
  readonly #maxEntries: number;
  readonly #onUnparsed: "throw" | "skip";
  readonly #splitter: ListingLineSplitter;
  #current: ListingParser | undefined;
  #count = 0;
  /** Lines skipped so far (only with `onUnparsed: "skip"`): the listing is incomplete. */
  readonly skipped: SkippedLine[] = [];

  /** Makes a parser trying `options.parsers` first, then MLSD, Unix and MS-DOS. */
  constructor(options: ListingOptions = {}) {
    this.#parsers = [...(options.parsers ?? []), ...defaultParsers];
    this.#context = resolveContext(options.context);
    this.#maxEntries = options.maxEntries ?? DEFAULT_MAX_ENTRIES;
    this.#onUnparsed = options.onUnparsed ?? "throw";
    this.#splitter = new ListingLineSplitter({ maxLineLength: options.maxLineLength });
  }

  /** Name of the parser that read the latest entry, once one has. */
  get parserName(): string | undefined {
    return this.#current?.name;
  }

  /** Entries produced so far. */
  get entryCount(): number {
    return this.#count;
  }

  /**
   * Adds a chunk of listing text; returns the entries of the lines it completed.
   *
   * @example
   * ```ts
   * new ListingStreamParser().push("type=dir; pub\n")[0].type; // "dir"
   * ```
   */
  push(chunk: string): ListEntry[] {
    return this.#parseLines(this.#splitter.push(chunk));
  }

  /**
   * Ends the input; returns the entry of a last unterminated line, if any.
   *
   * @example
   * ```ts
   * const p = new ListingStreamParser();
   * p.push("type=dir; pub");
   * p.end()[0].name; // "pub"
   * ```
   */
  end(): ListEntry[] {
    return this.#parseLines(this.#splitter.end());
  }

  #parseLines(lines: { line: string; lineNumber: number }[]): ListEntry[] {
    const out: ListEntry[] = [];
    for (const { line, lineNumber } of lines) {
      if (line.trim() === "") continue;
      const entry = this.#parseLine(line, lineNumber);
      if (entry === null) continue;
      if (++this.#count > this.#maxEntries) {
        throw new ListingTooLargeError("entries", this.#maxEntries, lineNumber);
      }
      out.push(entry);
    }
    return out;
  }

  #parseLine(line: string, lineNumber: number): ListEntry | null {
    const parser = this.#pick(line);
    if (parser === undefined) {
      return this.#skip(
        new ListingParseError("no listing parser recognises it", line, { lineNumber }),
      );
    }
    try {
      const entry = parser.parse(line, this.#context);
      this.#current = parser;
      return entry;
    } catch (e) {
      const reason = e instanceof ListingParseError
        ? e.reason
        : `parser "${parser.name}" failed: ${e instanceof Error ? e.message : String(e)}`;
      return this.#skip(new ListingParseError(reason, line, { lineNumber, cause: e }));
    }
  }

  #skip(error: ListingParseError): null {
    if (this.#onUnparsed === "throw") throw error;
    // The caller warns with the directory's name (it knows it); here, detail only.
    log.debug("skipping listing line: {message}", { message: error.message });
    this.skipped.push({ line: error.line, lineNumber: error.lineNumber, reason: error.reason });
    return null;
  }

  #pick(line: string): ListingParser | undefined {
    if (this.#current?.canParse(line)) return this.#current;
    return this.#parsers.find((p) => p.canParse(line));
  }
}

/**
 * Creates a {@link ListingStreamParser}; the functional spelling of `new`.
 *
 * @example
 * ```ts
 * const p = createListingParser({ context: { timeShift: 3600 } });
 * const entries = [...p.push("type=file;modify=20240101010000; a\n"), ...p.end()];
 * entries[0].mtime?.toISOString(); // "2024-01-01T00:00:00.000Z"
 * ```
 */
export function createListingParser(options: ListingOptions = {}): ListingStreamParser {
  return new ListingStreamParser(options);
}

/**
 * Parses a whole LIST or MLSD listing. Lines may end in CRLF or LF; blank
 * lines and `total N` lines yield nothing; a line no parser claims throws
 * {@link ListingParseError} (or is skipped with `onUnparsed: "skip"`).
 *
 * @example
 * ```ts
 * import type { ListingParser } from "./types.ts";
 * const mine: ListingParser = {
 *   name: "csv",
 *   canParse: (l) => l.startsWith("csv,"),
 *   parse: (l) => ({ name: l.split(",")[1], type: "file", precision: Infinity, raw: l }),
 * };
 * parseListing("csv,a.txt\n", { parsers: [mine] })[0].name; // "a.txt"
 * ```
 */
export function parseListing(text: string, options: ListingOptions = {}): ListEntry[] {
  const parser = new ListingStreamParser(options);
  const entries = parser.push(text);
  for (const entry of parser.end()) entries.push(entry);
  return entries;
}

/**
 * Splits an NLST reply into names: one per line, CRLF or LF, blank lines
 * dropped, everything else (spaces included) kept as sent. Same bounds as
 * {@link parseListing}.
 *
 * @example
 * ```ts
 * parseNlst("a.txt\r\n dir with space\r\n\r\n"); // ["a.txt", " dir with space"]
 * ```
 */
export function parseNlst(
  text: string,
  options: { maxLineLength?: number; maxEntries?: number } = {},
): string[] {
  const maxEntries = options.maxEntries ?? DEFAULT_MAX_ENTRIES;
  const splitter = new ListingLineSplitter({ maxLineLength: options.maxLineLength });
  const names: string[] = [];
  for (const { line, lineNumber } of [...splitter.push(text), ...splitter.end()]) {
    if (line.trim() === "") continue;
    if (names.length >= maxEntries) {
      throw new ListingTooLargeError("entries", maxEntries, lineNumber);
    }
    names.push(line);
  }
  return names;
}
