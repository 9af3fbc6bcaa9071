/**
 * Errors raised while reading directory listings.
 * @module
 */
import { FerryError } from "../../util/errors.ts";

/** Longest slice of a line quoted in an error message; the full line stays in `line`. */
const QUOTE_LIMIT = 200;

/**
 * Quotes a listing line for an error message: JSON escaping makes control
 * characters visible, and very long lines are cut so messages stay readable.
 *
 * @example
 * ```ts
 * quoteLine("a\tb"); // '"a\\tb"'
 * ```
 */
export function quoteLine(line: string): string {
  const cut = line.length > QUOTE_LIMIT ? `${line.slice(0, QUOTE_LIMIT)}…` : line;
  return JSON.stringify(cut);
}

/**
 * A listing line that no parser could read, or that a parser claimed but found
 * malformed. Carries the offending `line` and, once the listing driver knows
 * it, the 1-based `lineNumber` (0 when a parser is called on a single line).
 *
 * @example
 * ```ts
 * import { parseListing } from "./index.ts";
 * try { parseListing("garbage"); } catch (e) {
 *   if (e instanceof ListingParseError) console.error(e.lineNumber, e.line);
 * }
 * ```
 */
export class ListingParseError extends FerryError {
  /** The raw line (without its line terminator). */
  readonly line: string;
  /** 1-based line number within the listing; 0 when unknown. */
  readonly lineNumber: number;
  /** Why the line was rejected, without the line itself. */
  readonly reason: string;
  /** Makes the error for `line`; the message quotes the line, shortened and made printable. */
  constructor(
    reason: string,
    line: string,
    options: { lineNumber?: number; cause?: unknown } = {},
  ) {
    const where = options.lineNumber ? `line ${options.lineNumber}` : "line";
    super(`cannot parse listing ${where} ${quoteLine(line)}: ${reason}`, {
      code: "EFTPPARSE",
      cause: options.cause,
    });
    this.line = line;
    this.lineNumber = options.lineNumber ?? 0;
    this.reason = reason;
  }
}

/**
 * A listing that exceeds a configured bound: one line longer than
 * `maxLineLength`, or more than `maxEntries` entries. Raised instead of
 * buffering without end when a server (or an attacker) sends a huge listing.
 *
 * @example
 * ```ts
 * import { parseListing } from "./index.ts";
 * try { parseListing("type=file; a\n".repeat(11), { maxEntries: 10 }); } catch (e) {
 *   if (e instanceof ListingTooLargeError) console.error(e.kind, e.limit);
 * }
 * ```
 */
export class ListingTooLargeError extends FerryError {
  /** Which bound was exceeded. */
  readonly kind: "line" | "entries";
  /** The bound's value (characters per line, or entries). */
  readonly limit: number;
  /** 1-based number of the line where the bound was hit. */
  readonly lineNumber: number;
  /** Makes the error for the bound `kind` of value `limit`, hit on line `lineNumber`. */
  constructor(kind: "line" | "entries", limit: number, lineNumber: number) {
    super(
      kind === "line"
        ? `listing line ${lineNumber} is longer than ${limit} characters`
        : `listing has more than ${limit} entries (at line ${lineNumber})`,
      { code: "EFTPLISTSIZE" },
    );
    this.kind = kind;
    this.limit = limit;
    this.lineNumber = lineNumber;
  }
}
