import assert from "node:assert/strict";
import { feedKeys } from "./prompt.ts";

const empty = { text: "", done: false, cancelled: false };

Deno.test("keystrokes: backspace, Ctrl-U, Enter", () => {
  assert.deepEqual(feedKeys(empty, "pw\x7fd\r"), { text: "pd", done: true, cancelled: false });
  assert.equal(feedKeys(empty, "abc\x15x\n").text, "x");
  assert.equal(feedKeys(feedKeys(empty, "ab"), "c\r").text, "abc");
});

Deno.test("keystrokes: Ctrl-C cancels, Ctrl-D on empty cancels", () => {
  assert.equal(feedKeys(empty, "ab\x03").cancelled, true);
  assert.equal(feedKeys(empty, "\x04").cancelled, true);
  assert.equal(feedKeys(empty, "a\x04").done, true);
});
