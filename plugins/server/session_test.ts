import assert from "node:assert/strict";
import { stripListOptions } from "./session.ts";

Deno.test("stripListOptions: leading ls options (-la) are dropped, others kept", () => {
  assert.equal(stripListOptions("-la /pub"), "/pub");
  assert.equal(stripListOptions("-a"), "");
  assert.equal(stripListOptions("-file"), "");
  assert.equal(stripListOptions("dir -la"), "dir -la");
});
