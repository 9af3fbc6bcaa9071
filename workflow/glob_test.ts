import assert from "node:assert/strict";
import { globProblem } from "./glob.ts";

Deno.test("good globs pass", () => {
  for (
    const g of ["*.txt", "**/*.tmp", "a/[0-9]*", "{a,b}/x", "!(x).md", "a\\[b", "[]x]", "cache/"]
  ) {
    assert.equal(globProblem(g), undefined, g);
  }
});

Deno.test("bad globs are named", () => {
  assert.match(globProblem("")!, /empty/);
  assert.match(globProblem("logs/[0-9")!, /unclosed \[/);
  assert.match(globProblem("{a,b")!, /unclosed \{/);
  assert.match(globProblem("a}")!, /unmatched \}/);
  assert.match(globProblem("+(a|b")!, /unclosed \(/);
  assert.match(globProblem("a**b")!, /whole path segment/);
  assert.match(globProblem("x\\")!, /backslash/);
});
