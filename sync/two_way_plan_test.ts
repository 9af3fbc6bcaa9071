import assert from "node:assert/strict";
import type { Stat } from "../endpoint/types.ts";
import { describeAction } from "./plan.ts";
import type { PairEntry, PairState } from "./state.ts";
import { changedSince, conflictName, planSync } from "./two_way_plan.ts";
import type { Tree } from "./walk.ts";

const t = (s: number) => new Date(Date.UTC(2024, 0, 1) + s * 1000);
const file = (size: number, s: number): Stat => ({
  name: "",
  type: "file",
  size,
  mtime: t(s),
  precision: 1000,
});
const snap = (size: number, s: number) => ({ type: "file" as const, size, mtime: t(s).getTime() });

function tree(files: Record<string, Stat>, extra: Partial<Tree> = {}): Tree {
  return {
    root: "",
    entries: new Map(Object.entries(files)),
    partials: new Map(),
    errors: [],
    warnings: [],
    complete: true,
    ...extra,
  };
}
function state(entries: Record<string, PairEntry> = {}, firstRun = false): PairState {
  return { firstRun, entries: new Map(Object.entries(entries)) };
}

Deno.test("planSync: the decision table", () => {
  const base = { a: snap(1, 0), b: snap(1, 0) };
  const plan = planSync(
    tree({
      same: file(1, 0),
      "changed-a": file(2, 50),
      "changed-b": file(1, 0),
      "deleted-b": file(1, 0),
      "new-a": file(1, 0),
      "changed-a-deleted-b": file(3, 60),
    }),
    tree({
      same: file(1, 0),
      "changed-a": file(1, 0),
      "changed-b": file(2, 50),
      "deleted-a": file(1, 0),
    }),
    state({
      same: base,
      "changed-a": base,
      "changed-b": base,
      "deleted-a": base,
      "deleted-b": base,
      "changed-a-deleted-b": base,
      "deleted-both": base,
    }),
  );
  assert.deepEqual(plan.actions.map(describeAction), [
    "[b] transfer changed-a (changed on a, 2 bytes)",
    "[b] transfer changed-a-deleted-b (changed on a, deleted on b, 3 bytes)",
    "[a] transfer changed-b (changed on b, 2 bytes)",
    "[b] transfer new-a (new on a, 1 bytes)",
    "[b] delete file deleted-a (deleted on a)",
    "[a] delete file deleted-b (deleted on b)",
    "skip same (unchanged)",
  ]);
  assert.deepEqual([...plan.next.keys()].sort(), [
    "changed-a",
    "changed-a-deleted-b",
    "changed-b",
    "new-a",
    "same",
  ]);
});

Deno.test("planSync: first run is a union; conflicts follow the policy", () => {
  const a = tree({ x: file(1, 0), both: file(2, 100) });
  const b = tree({ y: file(1, 0), both: file(3, 0) });
  const first = state({}, true);
  const newer = planSync(a, b, first);
  assert.deepEqual(newer.actions.map(describeAction), [
    "[b] transfer both (conflict: newer on a, 2 bytes)",
    "[b] transfer x (new on a, 1 bytes)",
    "[a] transfer y (new on b, 1 bytes)",
  ]);
  const kb = planSync(a, b, first, { conflict: "keep-both", now: t(0) });
  assert.deepEqual(kb.actions.map(describeAction).slice(0, 3), [
    "[b] rename both -> both.conflict-b-20240101-000000 (conflict: kept both)",
    "[b] transfer both (conflict: kept both, a's version, 2 bytes)",
    "[a] transfer both.conflict-b-20240101-000000 (conflict: the other side's version, 3 bytes)",
  ]);
  const skip = planSync(a, b, first, { conflict: "skip" });
  assert.ok(skip.actions.some((x) => x.op === "skip" && x.path === "both"));
  assert.equal(skip.next.has("both"), false);
});

Deno.test("planSync: an incomplete side blocks deletions and copies into failed dirs", () => {
  const base = { a: snap(1, 0), b: snap(1, 0) };
  const plan = planSync(
    tree({}, { complete: false, errors: [{ path: "d", message: "425" }] }),
    tree({ gone: file(1, 0), "d/new": file(1, 0), fresh: file(1, 0) }),
    state({ gone: base }),
  );
  assert.deepEqual(plan.actions.map(describeAction), [
    "[a] transfer fresh (new on b, 1 bytes)",
    "skip d/new (incomplete listing)",
    "skip gone (incomplete listing)",
  ]);
  assert.deepEqual(plan.next.get("gone"), base, "its state is kept for the next run");
});

Deno.test("changedSince and conflictName", () => {
  const minute: Stat = { ...file(1, 0), precision: 60_000 };
  assert.equal(changedSince(minute, snap(1, 30)), false);
  assert.equal(changedSince(minute, snap(1, 90)), true);
  assert.equal(changedSince(file(1, 0), snap(2, 0)), true);
  assert.equal(conflictName(".bashrc", "a", t(0)), ".bashrc.conflict-a-20240101-000000");
  assert.equal(conflictName("d/x.tar.gz", "b", t(0)), "d/x.tar.conflict-b-20240101-000000.gz");
  assert.equal(
    conflictName("f", "a", t(0), "conflict", new Set(["f.conflict-a-20240101-000000"])),
    "f.conflict-a-20240101-000000-2",
  );
});
