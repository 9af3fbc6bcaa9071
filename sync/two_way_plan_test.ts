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
  const keptBoth = [
    "[b] rename both -> both.sync-conflict-20240101-000000-b (conflict: kept both)",
    "[b] transfer both (conflict: kept both, a's version, 2 bytes)",
    "[a] transfer both.sync-conflict-20240101-000000-b (conflict: the other side's version, 3 bytes)",
    "[b] transfer x (new on a, 1 bytes)",
    "[a] transfer y (new on b, 1 bytes)",
  ];
  // The default, and on a first run even `newer` and `a`: nothing is overwritten.
  for (const conflict of [undefined, "newer", "a"] as const) {
    const plan = planSync(a, b, first, { conflict, now: t(0) });
    assert.deepEqual(plan.actions.map(describeAction), keptBoth, String(conflict));
    assert.deepEqual(plan.conflicts, [{
      path: "both",
      resolution: "kept both: b's version is both.sync-conflict-20240101-000000-b",
      keptAs: "both.sync-conflict-20240101-000000-b",
      a: { type: "file", size: 2, mtime: t(100).toISOString() },
      b: { type: "file", size: 3, mtime: t(0).toISOString() },
    }]);
  }
  // Once synced, `newer` overwrites the older edit as asked.
  const synced = state({ both: { a: snap(1, 0), b: snap(1, 0) } });
  assert.deepEqual(
    planSync(a, b, synced, { conflict: "newer" }).actions.map(describeAction)[0],
    "[b] transfer both (conflict: newer on a, 2 bytes)",
  );
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
  assert.equal(conflictName(".bashrc", "a", t(0)), ".bashrc.sync-conflict-20240101-000000-a");
  assert.equal(
    conflictName("d/x.tar.gz", "b", t(0)),
    "d/x.tar.sync-conflict-20240101-000000-b.gz",
  );
  assert.equal(
    conflictName("f", "a", t(0), "conflict", new Set(["f.conflict-20240101-000000-a"])),
    "f.conflict-20240101-000000-a-2",
  );
});

const dir: Stat = { name: "", type: "dir", size: 0, mtime: t(0), precision: 1000 };
const dirSnap = { type: "dir" as const, size: 0, mtime: t(0).getTime(), precision: 1000 };

Deno.test("planSync: a file against a directory: the directory keeps the name", () => {
  const plan = planSync(
    tree({ x: file(4, 10) }),
    tree({ x: dir, "x/in": file(1, 0) }),
    state({}, true),
    { now: t(0) },
  );
  assert.deepEqual(plan.actions.map(describeAction), [
    "[a] rename x -> x.sync-conflict-20240101-000000-a (type conflict: kept both)",
    "[a] mkdir x",
    "[b] transfer x.sync-conflict-20240101-000000-a (type conflict: the other side's version, 4 bytes)",
    "[a] transfer x/in (new on b, 1 bytes)",
  ]);
  assert.equal(plan.conflicts[0].keptAs, "x.sync-conflict-20240101-000000-a");
  assert.deepEqual(plan.next.get("x"), { a: dirSnap, b: dirSnap });
});

Deno.test("planSync: a file replaced by a directory on one side is carried over, and back", () => {
  const was = { y: { a: snap(1, 0), b: snap(1, 0) }, keep: { a: snap(1, 0), b: snap(1, 0) } };
  const toDir = planSync(
    tree({ y: dir, "y/c": file(2, 5), keep: file(1, 0) }),
    tree({ y: file(1, 0), keep: file(1, 0) }),
    state(was),
  );
  assert.deepEqual(toDir.actions.map(describeAction), [
    "[b] delete file y (replaced by a dir on a)",
    "[b] mkdir y",
    "[b] transfer y/c (new on a, 2 bytes)",
    "skip keep (unchanged)",
  ]);
  assert.deepEqual(toDir.conflicts, []);
  const wasDir = {
    y: { a: dirSnap, b: dirSnap },
    "y/c": { a: snap(2, 5), b: snap(2, 5) },
    keep: { a: snap(1, 0), b: snap(1, 0) },
  };
  const toFile = planSync(
    tree({ y: file(3, 9), keep: file(1, 0) }),
    tree({ y: dir, "y/c": file(2, 5), keep: file(1, 0) }),
    state(wasDir),
  );
  assert.deepEqual(toFile.actions.map(describeAction), [
    "[b] delete file y/c (deleted on a)",
    "[b] delete dir y (replaced by a file on a)",
    "[b] transfer y (changed on a, 3 bytes)",
    "skip keep (unchanged)",
  ]);
});

Deno.test("planSync: deletions are guarded per side, 50 % by default, force passes", () => {
  const names = Array.from({ length: 20 }, (_, i) => `f${String(i).padStart(2, "0")}`);
  const all = Object.fromEntries(names.map((n) => [n, file(1, 0)]));
  const kept = Object.fromEntries(names.slice(12).map((n) => [n, file(1, 0)]));
  const was = state(Object.fromEntries(names.map((n) => [n, { a: snap(1, 0), b: snap(1, 0) }])));
  for (const maxDelete of [undefined, "50%"]) {
    const plan = planSync(tree(kept), tree(all), was, { maxDelete });
    assert.equal(plan.deletesBlocked, `12 of 20 files on b (60 %) exceed maxDelete 50% per side`);
    assert.equal(plan.summary.deletes, 0);
    assert.deepEqual(plan.next.get("f00"), { a: snap(1, 0), b: snap(1, 0) }, "kept for later");
  }
  assert.equal(planSync(tree(kept), tree(all), was, { maxDelete: "60%" }).summary.deletes, 12);
  assert.equal(planSync(tree(kept), tree(all), was, { force: true }).summary.deletes, 12);
  const few = Object.fromEntries(names.slice(10).map((n) => [n, file(1, 0)]));
  assert.equal(planSync(tree(few), tree(all), was).summary.deletes, 10, "50 % exactly passes");
});

Deno.test("planSync: partials are resumed where the file still comes, else removed", () => {
  const part = (size: number, s: number): Stat => ({ ...file(size, s), name: "" });
  const plan = planSync(
    tree({ big: file(100, 0), x: file(1, 0) }),
    tree({ x: file(1, 0) }, {
      partials: new Map([[".big.ferry.part", part(40, 5)], [".gone.ferry.part", part(7, 5)]]),
    }),
    state({ x: { a: snap(1, 0), b: snap(1, 0) } }),
  );
  assert.deepEqual(plan.actions.map(describeAction), [
    "[b] transfer big (new on a, 100 bytes, resume at 40)",
    "[b] delete file .gone.ferry.part (stale partial)",
    "skip x (unchanged)",
  ]);
  assert.equal(plan.next.has(".gone.ferry.part"), false);
  // A partial older than the source's last change starts over.
  const older = planSync(
    tree({ big: file(100, 9) }),
    tree({}, { partials: new Map([[".big.ferry.part", part(40, 5)]]) }),
    state(),
  );
  assert.deepEqual(older.actions.map(describeAction), ["[b] transfer big (new on a, 100 bytes)"]);
});

Deno.test("planSync: a new link whose target the side does not tell is skipped, not made to ''", () => {
  const link = (target?: string): Stat => ({
    name: "",
    type: "symlink",
    size: 5,
    mtime: t(0),
    precision: 1000,
    ...(target === undefined ? {} : { target }),
  });
  const plan = planSync(
    tree({ told: link("a.txt"), untold: link() }),
    tree({}),
    state({}, true),
  );
  assert.deepEqual(plan.actions.map(describeAction), [
    "[b] symlink told -> a.txt (new on a)",
    "[b] skip untold (the source does not tell where the link points)",
  ]);
});

Deno.test("changedSince: truncated times are one instant only while their intervals meet", () => {
  const listed = (ms: number, precision = 60_000) => ({
    name: "f",
    type: "file" as const,
    size: 1,
    mtime: new Date(ms),
    precision,
  });
  const snap = (mtime: number, precision?: number) => ({
    type: "file" as const,
    size: 1,
    mtime,
    ...(precision ? { precision } : {}),
  });
  // The same listed minute, or an exact time inside it: unchanged.
  assert.equal(changedSince(listed(0), snap(0, 60_000)), false);
  assert.equal(changedSince(listed(0), snap(59_000, 1_000)), false);
  // The next listed minute: a change, whether the snapshot was the minute or a second in it.
  assert.equal(changedSince(listed(60_000), snap(0, 60_000)), true);
  assert.equal(changedSince(listed(60_000), snap(5_000, 1_000)), true);
  // A snapshot without a precision (older state files): as fine as the listing.
  assert.equal(changedSince(listed(60_000), snap(0)), true);
  assert.equal(changedSince(listed(0), snap(30_000)), false);
  // A coarser snapshot (a day) holding a finer listing, and the tolerance.
  assert.equal(changedSince(listed(3_600_000), snap(0, 86_400_000)), false);
  assert.equal(changedSince(listed(60_000), snap(0, 60_000), 1), false);
});
