import assert from "node:assert/strict";
import { hasPerm } from "./permissions.ts";

Deno.test("hasPerm: base letters, recursive and non-recursive overrides, most specific wins", () => {
  const o = [
    { directory: "/in", perm: "elrw", recursive: false },
    { directory: "/ro", perm: "elr", recursive: true },
    { directory: "/ro/rw", perm: "elradfmw", recursive: true },
  ];
  assert.ok(!hasPerm("elr", o, "w", "/a.txt"));
  assert.ok(hasPerm("elr", o, "w", "/in/a.txt"));
  assert.ok(!hasPerm("elr", o, "w", "/in/sub/a.txt"));
  assert.ok(!hasPerm("elr", o, "w", "/in/sub", true));
  assert.ok(!hasPerm("elradfmwMT", o, "d", "/ro/x/y"));
  assert.ok(hasPerm("elr", o, "d", "/ro/rw/x"));
  assert.ok(hasPerm("elradfmwMT", o, "d", "/rox"));
});
