/**
 * Bounded, incremental line splitting for listing data that arrives in chunks.
 * @module
 */
import { ListingTooLargeError } from "./errors.ts";

/** Default longest accepted listing line, in UTF-16 code units (8 KiB). */
export const DEFAULT_MAX_LINE_LENGTH = 8 * 1024;

/** Default most entries accepted in one listing. */
export const DEFAULT_MAX_ENTRIES = 1_000_000;

/**
 * Splits streamed text into lines at LF or CRLF (one trailing CR is dropped,
 * even when the CR and LF arrive in different chunks). It holds at most one
 * partial line and throws {@link ListingTooLargeError} as soon as a line
 * grows past `maxLineLength`, so a server that never sends a newline cannot
 * make us buffer without end.
 *
 * @example
 * ```ts
 * const s = new ListingLineSplitter();
 * s.push("a\r\nb"); // [{ line: "a", lineNumber: 1 }]
 * s.end();          // [{ line: "b", lineNumber: 2 }]
 * ```
 */
export class ListingLineSplitter {
  /** Longest line accepted, in characters (default 8192). */
  readonly maxLineLength: number;
  #partial = "";
  #lineNumber = 0;

  /** Makes a splitter; a longer line than `maxLineLength` throws ListingTooLargeError. */
  constructor(options: { maxLineLength?: number } = {}) {
    this.maxLineLength = options.maxLineLength ?? DEFAULT_MAX_LINE_LENGTH;
  }

  /** Number of complete lines emitted so far. */
  get lineNumber(): number {
    return this.#lineNumber;
  }

  /**
   * Adds a chunk and returns the lines it completed.
   *
   * @example
   * ```ts
   * new ListingLineSplitter().push("x\ny\n").map((l) => l.line); // ["x", "y"]
   * ```
   */
  push(chunk: string): { line: string; lineNumber: number }[] {
    const out: { line: string; lineNumber: number }[] = [];
    let start = 0;
    for (let nl = chunk.indexOf("\n"); nl >= 0; nl = chunk.indexOf("\n", start)) {
      this.#emit(this.#partial + chunk.slice(start, nl), out);
      this.#partial = "";
      start = nl + 1;
    }
    this.#partial += chunk.slice(start);
    // +1: the line's CR may still be waiting for its LF.
    if (this.#partial.length > this.maxLineLength + 1) {
      throw new ListingTooLargeError("line", this.maxLineLength, this.#lineNumber + 1);
    }
    return out;
  }

  /**
   * Flushes a last line that had no terminator.
   *
   * @example
   * ```ts
   * const s = new ListingLineSplitter();
   * s.push("tail");
   * s.end().map((l) => l.line); // ["tail"]
   * ```
   */
  end(): { line: string; lineNumber: number }[] {
    const out: { line: string; lineNumber: number }[] = [];
    if (this.#partial !== "") this.#emit(this.#partial, out);
    this.#partial = "";
    return out;
  }

  #emit(text: string, out: { line: string; lineNumber: number }[]): void {
    const line = text.endsWith("\r") ? text.slice(0, -1) : text;
    this.#lineNumber++;
    if (line.length > this.maxLineLength) {
      throw new ListingTooLargeError("line", this.maxLineLength, this.#lineNumber);
    }
    out.push({ line, lineNumber: this.#lineNumber });
  }
}
