import assert from "node:assert/strict";
import { findCycles, selectJobs, topoOrder } from "./dag.ts";

const g = (o: Record<string, string[]>) => new Map(Object.entries(o));

Deno.test("cycles are found once each, self-loops included", () => {
  assert.deepEqual(findCycles(g({ a: ["b"], b: ["c"], c: ["a"], d: ["d"], e: [] })), [
    ["a", "b", "c", "a"],
    ["d", "d"],
  ]);
  assert.deepEqual(findCycles(g({ a: [], b: ["a"], c: ["a", "b", "ghost"] })), []);
});

Deno.test("selectJobs adds needs transitively and keeps declaration order", () => {
  const needs = g({ a: [], b: ["a"], c: ["b"], d: [] });
  assert.deepEqual(selectJobs(needs, ["c"]), ["a", "b", "c"]);
  assert.deepEqual(selectJobs(needs), ["a", "b", "c", "d"]);
});

Deno.test("topoOrder puts needs first and throws on a cycle", () => {
  assert.deepEqual(topoOrder(g({ c: ["b"], b: ["a"], a: [] })), ["a", "b", "c"]);
  assert.throws(() => topoOrder(g({ a: ["b"], b: ["a"] })));
});
