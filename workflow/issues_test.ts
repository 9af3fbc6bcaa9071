import assert from "node:assert/strict";
import { collectKeys, suggestion } from "./issues.ts";

Deno.test("did-you-mean within edit distance 2", () => {
  assert.equal(suggestion("mirrr", new Set(["mirror", "sync"])), ' (did you mean "mirror"?)');
  assert.equal(suggestion("xyz", new Set(["mirror"])), "");
  assert.equal(suggestion("ab", new Set(["at"])), ' (did you mean "at"?)');
});

Deno.test("collectKeys walks a JSON Schema", () => {
  const keys = collectKeys({ properties: { a: { oneOf: [{ properties: { b: {} } }] } } });
  assert.deepEqual([...keys].sort(), ["a", "b"]);
});
