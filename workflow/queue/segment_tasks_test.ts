import assert from "node:assert/strict";
import { MemoryEndpoint } from "../../endpoint/memory.ts";
import type { Action } from "../../sync/plan.ts";
import { confirmedOf, segmentedFiles } from "./segment_tasks.ts";

const t = (path: string, size: number): Action => ({
  op: "transfer",
  path,
  size,
  reason: "missing",
});
const MIB = 1024 * 1024;

Deno.test("segmentedFiles: the transfers a local run would fetch in segments, with their counts", () => {
  const src = new MemoryEndpoint();
  const dst = new MemoryEndpoint();
  const lanes = { target: { src, srcRoot: "", dst, dstRoot: "" } };
  const actions: Action[] = [
    t("small", MIB),
    t("big", 100 * MIB),
    { op: "delete", path: "x", type: "file", size: 200 * MIB, reason: "not in source" },
    t("asked", 3 * MIB),
  ];
  // Memory reads ranges over 8 connections: from 64 MiB, 8 segments.
  assert.deepEqual([...segmentedFiles(actions, lanes, {})], [[1, 8]]);
  assert.deepEqual([...segmentedFiles(actions, lanes, { segments: 4, threshold: 2 * MIB })], [
    [1, 4],
    [3, 3],
  ]);
  assert.deepEqual([...segmentedFiles(actions, lanes, { segments: 1 })], []);
  assert.deepEqual([...segmentedFiles(actions, {}, {})], []);
});

Deno.test("confirmedOf: a segment task's progress, 0 for anything else", () => {
  assert.equal(confirmedOf({ done: 4096 }), 4096);
  for (const p of [undefined, null, 3, { done: -1 }, { done: 1.5 }, { events: [] }]) {
    assert.equal(confirmedOf(p), 0);
  }
});
