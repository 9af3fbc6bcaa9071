import assert from "node:assert/strict";
import { RefuseRootError, rmtree } from "../../sync/rmtree.ts";
import { contents, FailingList, mem, put, tempLocal, Wrapped } from "./helpers.ts";

async function fixture() {
  const ep = mem();
  await put(ep, "keep.txt", "k");
  await put(ep, "t/a.txt", "a");
  await put(ep, "t/d/b.txt", "b");
  await put(ep, "t/d/.c.txt.ferry.part", "partial");
  await ep.symlink("../keep.txt", "t/link");
  return ep;
}

Deno.test("rmtree: removes a tree, links and partials included, not what links point to", async () => {
  const ep = await fixture();
  const r = await rmtree(ep, "t");
  assert.equal(r.ok, true, JSON.stringify(r.errors));
  assert.deepEqual(await contents(ep), { "keep.txt": "k" });
  assert.equal(r.files.deleted, 4);
  assert.equal(r.dirsDeleted, 2);
});

Deno.test("rmtree: a single file, and dry run", async () => {
  const ep = await fixture();
  const dry = await rmtree(ep, "t", { dryRun: true });
  assert.equal(dry.plan!.length, 6);
  assert.deepEqual(dry.plan!.at(-1), {
    op: "delete",
    path: "t",
    type: "dir",
    size: 0,
    reason: "rmtree",
  });
  assert.ok((await contents(ep))["t/a.txt"]);
  const one = await rmtree(ep, "keep.txt");
  assert.equal(one.files.deleted, 1);
  await assert.rejects(ep.stat("keep.txt"));
});

Deno.test("rmtree: refuses the root unless forced, then empties it", async () => {
  const ep = await fixture();
  await assert.rejects(rmtree(ep, "/"), RefuseRootError);
  await assert.rejects(rmtree(ep, "."), RefuseRootError);
  const r = await rmtree(ep, "", { force: true });
  assert.equal(r.ok, true, JSON.stringify(r.errors));
  assert.deepEqual(await contents(ep), {});
});

Deno.test("rmtree: without ignoreErrors an incomplete listing deletes nothing", async () => {
  const ep = new FailingList(await fixture(), ["t/d"]);
  const fast = { retry: { baseDelayMs: 0 } };
  const r = await rmtree(ep, "t", fast);
  assert.equal(r.ok, false);
  assert.equal(r.files.deleted, 0);
  assert.match(r.deletesBlocked!, /incomplete/);
  const lenient = await rmtree(ep, "t", { ...fast, ignoreErrors: true });
  assert.equal(lenient.ok, true);
  assert.ok(lenient.errors.length > 0 && lenient.errors.every((e) => e.ignored));
  assert.deepEqual(await contents(ep.inner), {
    "keep.txt": "k",
    "t/": "",
    "t/d/": "",
    "t/d/b.txt": "b",
  });
});

Deno.test("rmtree: failures are reported; ignoreErrors carries on", async () => {
  const stubborn = new (class extends Wrapped {
    override remove(path: string): Promise<void> {
      if (path.endsWith("a.txt")) {
        return Promise.reject(Object.assign(new Error("550 denied"), { code: "EACCES" }));
      }
      return super.remove(path);
    }
  })(await fixture());
  const r = await rmtree(stubborn, "t");
  assert.equal(r.ok, false);
  assert.ok(r.errors.some((e) => e.path === "t/a.txt" && e.code === "EACCES"));
  assert.ok(r.errors.some((e) => e.path === "t" && /not completely removed/.test(e.message)));
  assert.deepEqual(await contents(stubborn), { "keep.txt": "k", "t/": "", "t/a.txt": "a" });
  const missing = await rmtree(mem(), "nope");
  assert.equal(missing.ok, false);
  assert.equal(missing.errors[0].code, "ENOENT");
  assert.equal((await rmtree(mem(), "nope", { ignoreErrors: true })).ok, true);
});

Deno.test("rmtree: on a local disk", async () => {
  await using ep = await tempLocal();
  await put(ep, "x/y/z.txt", "z");
  await put(ep, "x/w.txt", "w");
  const r = await rmtree(ep, "x");
  assert.equal(r.ok, true, JSON.stringify(r.errors));
  assert.deepEqual(await contents(ep), {});
});
