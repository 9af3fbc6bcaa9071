import assert from "node:assert/strict";
import { ListingTooLargeError } from "./errors.ts";
import { DEFAULT_MAX_LINE_LENGTH, ListingLineSplitter } from "./split.ts";

Deno.test("splitter: LF, CRLF, CR split across chunks, numbering", () => {
  const s = new ListingLineSplitter();
  assert.deepEqual(s.push("a\r"), []);
  assert.deepEqual(s.push("\nb\nc"), [{ line: "a", lineNumber: 1 }, { line: "b", lineNumber: 2 }]);
  assert.deepEqual(s.push("\r\n\r\n"), [{ line: "c", lineNumber: 3 }, { line: "", lineNumber: 4 }]);
  assert.deepEqual(s.end(), []);
  assert.equal(s.lineNumber, 4);
});

Deno.test("splitter: a lone CR inside a line is kept; trailing spaces too", () => {
  const s = new ListingLineSplitter();
  assert.deepEqual(s.push("a\rb  \n").map((l) => l.line), ["a\rb  "]);
});

Deno.test("splitter: bounds", () => {
  assert.equal(DEFAULT_MAX_LINE_LENGTH, 8192);
  const s = new ListingLineSplitter({ maxLineLength: 4 });
  assert.deepEqual(s.push("abcd\r").map((l) => l.line), []);
  assert.deepEqual(s.push("\n").map((l) => l.line), ["abcd"]);
  assert.throws(() => s.push("abcdef"), ListingTooLargeError);
  const t = new ListingLineSplitter({ maxLineLength: 4 });
  assert.throws(() => t.push("abcde\n"), ListingTooLargeError);
  const u = new ListingLineSplitter({ maxLineLength: 4 });
  u.push("abcde");
  assert.throws(() => u.end(), ListingTooLargeError);
});
