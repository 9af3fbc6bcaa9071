import assert from "node:assert/strict";
import type { Endpoint } from "../../endpoint/types.ts";
import { describeAction } from "../../sync/plan.ts";
import { StateStore } from "../../sync/state.ts";
import { sync, type SyncOptions } from "../../sync/two_way.ts";
import { conflictName } from "../../sync/two_way_plan.ts";
import { at, contents, FailingList, mem, NoMtime, put, tempLocal } from "./helpers.ts";

const now = new Date("2024-05-06T07:08:09Z");

function run(a: Endpoint, b: Endpoint, state: StateStore, options: SyncOptions = {}) {
  return sync(a, "", b, "", { retry: { baseDelayMs: 0 }, now, state, ...options });
}

/** Two sides already in sync (after one run) holding `files`. */
async function synced(files: Record<string, string>) {
  const a = mem();
  const b = mem();
  const state = StateStore.open(":memory:");
  for (const [p, c] of Object.entries(files)) await put(a, p, c, at(0));
  const r = await run(a, b, state);
  assert.equal(r.ok, true, JSON.stringify(r.errors));
  return { a, b, state };
}

Deno.test("sync: the first run is a union and deletes nothing", async () => {
  const a = mem();
  const b = mem();
  await put(a, "only-a.txt", "A", at(0));
  await put(a, "d/both.txt", "old", at(0));
  await put(b, "d/both.txt", "newer", at(60));
  await put(b, "e/only-b.txt", "B", at(0));
  const state = StateStore.open(":memory:");
  const r = await run(a, b, state);
  assert.equal(r.ok, true, JSON.stringify(r.errors));
  assert.equal(r.files.deleted, 0);
  // Never synced: the differing pair is a conflict, both kept, the newer under the name.
  assert.equal(r.conflicts?.length, 1);
  const want = {
    "d/": "",
    "d/both.sync-conflict-20240506-070809-a.txt": "old",
    "d/both.txt": "newer",
    "e/": "",
    "e/only-b.txt": "B",
    "only-a.txt": "A",
  };
  assert.deepEqual(await contents(a), want);
  assert.deepEqual(await contents(b), want);
  const again = await run(a, b, state);
  assert.equal(again.files.transferred, 0);
  assert.equal(again.dirsCreated, 0);
});

Deno.test("sync: changes and deletions are carried both ways", async () => {
  const { a, b, state } = await synced({
    "x.txt": "x",
    "y.txt": "y",
    "d/z.txt": "z",
    "k.txt": "k",
  });
  await put(a, "x.txt", "x changed on a", at(100));
  await put(b, "y.txt", "y changed on b", at(100));
  await a.remove("k.txt");
  await b.remove("d/z.txt");
  await b.rmdir("d");
  await put(b, "new-on-b.txt", "n", at(5));
  const r = await run(a, b, state);
  assert.equal(r.ok, true, JSON.stringify(r.errors));
  const want = { "new-on-b.txt": "n", "x.txt": "x changed on a", "y.txt": "y changed on b" };
  assert.deepEqual(await contents(a), want);
  assert.deepEqual(await contents(b), want);
  assert.equal(r.files.deleted, 2);
  assert.equal(r.dirsDeleted, 1);
  assert.equal((await run(a, b, state)).files.transferred, 0);
});

Deno.test("sync: a change wins over a deletion on the other side", async () => {
  const { a, b, state } = await synced({ "f.txt": "f" });
  await put(a, "f.txt", "edited", at(50));
  await b.remove("f.txt");
  await run(a, b, state);
  assert.deepEqual(await contents(b), { "f.txt": "edited" });
});

Deno.test("sync: a directory deleted on one side keeps what is new on the other", async () => {
  const { a, b, state } = await synced({ "d/old.txt": "o", "keep.txt": "k" });
  await a.remove("d/old.txt");
  await a.rmdir("d");
  await put(b, "d/fresh.txt", "fresh", at(9));
  const r = await run(a, b, state);
  assert.equal(r.ok, true, JSON.stringify(r.errors));
  const want = { "d/": "", "d/fresh.txt": "fresh", "keep.txt": "k" };
  assert.deepEqual(await contents(a), want);
  assert.deepEqual(await contents(b), want);
});

async function conflicted(policy: SyncOptions["conflict"]) {
  const { a, b, state } = await synced({ "doc.txt": "base" });
  await put(a, "doc.txt", "from a (older)", at(100));
  await put(b, "doc.txt", "from b (newer)", at(200));
  const r = await run(a, b, state, { conflict: policy });
  assert.equal(r.ok, true, JSON.stringify(r.errors));
  return { a, b, state, r };
}

Deno.test("sync: conflict policy newer", async () => {
  const { a, b, r } = await conflicted("newer");
  assert.deepEqual(await contents(a), { "doc.txt": "from b (newer)" });
  assert.deepEqual(await contents(b), { "doc.txt": "from b (newer)" });
  assert.ok(
    r.warnings.some((w) => /conflict doc.txt: a 14 bytes .*, b 14 bytes .*; b wins/.test(w)),
  );
});

Deno.test("sync: conflict policies a and b", async () => {
  const pa = await conflicted("a");
  assert.deepEqual(await contents(pa.b), { "doc.txt": "from a (older)" });
  const pb = await conflicted("b");
  assert.deepEqual(await contents(pb.a), { "doc.txt": "from b (newer)" });
});

Deno.test("sync: conflict policy keep-both renames the loser on both sides", async () => {
  const { a, b, state } = await conflicted("keep-both");
  const loser = "doc.sync-conflict-20240506-070809-a.txt";
  assert.equal(conflictName("doc.txt", "a", now), loser);
  const want = { "doc.txt": "from b (newer)", [loser]: "from a (older)" };
  assert.deepEqual(await contents(a), want);
  assert.deepEqual(await contents(b), want);
  const again = await run(a, b, state);
  assert.equal(again.files.transferred, 0, JSON.stringify(again.plan));
});

Deno.test("sync: conflict policy skip leaves both and stays a conflict", async () => {
  const { a, b, state } = await conflicted("skip");
  assert.deepEqual(await contents(a), { "doc.txt": "from a (older)" });
  assert.deepEqual(await contents(b), { "doc.txt": "from b (newer)" });
  const again = await run(a, b, state, { conflict: "skip", dryRun: true });
  assert.ok(again.plan!.some((x) => x.op === "skip" && /conflict/.test(x.reason)));
  const resolved = await run(a, b, state, { conflict: "a" });
  assert.equal(resolved.files.transferred, 1);
  assert.deepEqual(await contents(b), { "doc.txt": "from a (older)" });
});

Deno.test("sync: newer that cannot tell the times apart keeps both", async () => {
  const { a, b, state } = await synced({ "n.txt": "base" });
  await put(a, "n.txt", "one", at(100));
  await put(b, "n.txt", "three", at(100)); // another size, the same time
  await run(a, b, state);
  assert.equal(Object.keys(await contents(a)).length, 2);
  assert.deepEqual(await contents(a), await contents(b));
});

Deno.test("sync: no deletion from an incomplete listing", async () => {
  const { a, b, state } = await synced({ "top.txt": "t", "d/f.txt": "f" });
  await a.remove("top.txt");
  const broken = new FailingList(a, ["d"]);
  const r = await run(broken, b, state);
  assert.equal(r.ok, false);
  assert.equal(r.files.deleted, 0);
  assert.deepEqual(await contents(b), { "d/": "", "d/f.txt": "f", "top.txt": "t" });
  // Once the listing works again the deletion is carried.
  const fixed = await run(a, b, state);
  assert.equal(fixed.files.deleted, 1);
  assert.deepEqual(await contents(b), { "d/": "", "d/f.txt": "f" });
});

Deno.test("sync: maxDelete holds deletions back and keeps them for later", async () => {
  const files = Object.fromEntries([1, 2, 3, 4].map((n) => [`f${n}.txt`, "x"]));
  const { a, b, state } = await synced(files);
  for (const n of [1, 2, 3]) await a.remove(`f${n}.txt`);
  const r = await run(a, b, state, { maxDelete: "25%" });
  assert.equal(r.files.deleted, 0);
  assert.match(r.deletesBlocked!, /3 of 4 files on b \(75 %\) exceed maxDelete 25% per side/);
  assert.equal(r.ok, false, "held-back deletions fail the run");
  assert.match(r.errors[0].message, /--force/);
  assert.equal(Object.keys(await contents(b)).length, 4);
  const guarded = await run(a, b, state);
  assert.match(guarded.deletesBlocked!, /exceed maxDelete 50% per side/, "the default guard");
  const later = await run(a, b, state, { force: true });
  assert.equal(later.files.deleted, 3);
  assert.equal(later.ok, true);
});

Deno.test("sync: a side that suddenly lists empty deletes nothing unless allowed", async () => {
  const { a, b, state } = await synced({ "x.txt": "x", "d/y.txt": "y" });
  for (const p of ["x.txt", "d/y.txt"]) await a.remove(p);
  await a.rmdir("d");
  const r = await run(a, b, state);
  assert.match(r.deletesBlocked!, /a lists nothing but had 2 synced file/);
  assert.equal(r.files.deleted, 0);
  assert.equal(Object.keys(await contents(b)).length, 3);
  const allowed = await run(a, b, state, { maxDelete: "100%" });
  assert.equal(allowed.files.deleted, 2);
  assert.deepEqual(await contents(b), {});
});

Deno.test("sync: dry run plans and touches neither side nor the state", async () => {
  const a = mem();
  const b = mem();
  await put(a, "x.txt", "x");
  const state = StateStore.open(":memory:");
  const r = await run(a, b, state, { dryRun: true });
  assert.deepEqual(r.plan!.map(describeAction), ["[b] transfer x.txt (new on a, 1 bytes)"]);
  assert.deepEqual(await contents(b), {});
  assert.equal(state.load("sync", `${a.url}|/`, `${b.url}|/`).firstRun, true);
});

Deno.test("sync: a side that cannot set mtimes is not resent", async () => {
  const a = mem();
  const b = new NoMtime(mem());
  await put(a, "x.txt", "x", at(0));
  await put(a, "y.txt", "y", at(0));
  const state = StateStore.open(":memory:");
  await run(a, b, state);
  const again = await run(a, b, state);
  assert.equal(again.files.transferred, 0, JSON.stringify(again.plan));
});

Deno.test("sync: local disks with a state file under .ferry/", async () => {
  await using a = await tempLocal();
  await using b = await tempLocal();
  const dir = await Deno.makeTempDir();
  const statePath = `${dir}/.ferry/state.db`;
  try {
    await put(a, "p/q.txt", "q", at(1));
    await put(b, "r.txt", "r", at(2));
    const opts = { retry: { baseDelayMs: 0 }, statePath };
    assert.equal((await sync(a, "", b, "", opts)).ok, true);
    await Deno.stat(statePath);
    await a.remove("p/q.txt");
    const r = await sync(a, "", b, "", opts);
    assert.equal(r.ok, true, JSON.stringify(r.errors));
    assert.deepEqual(await contents(b), { "p/": "", "r.txt": "r" });
    assert.deepEqual(await contents(a), { "p/": "", "r.txt": "r" });
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
