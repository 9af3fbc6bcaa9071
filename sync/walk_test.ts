import assert from "node:assert/strict";
import type { Endpoint, Stat } from "../endpoint/types.ts";
import { MemoryEndpoint } from "../endpoint/memory.ts";
import { comparePaths, listTree, walk } from "./walk.ts";
import { FailingList, put, Wrapped } from "../test/sync/helpers.ts";

async function fixture(): Promise<MemoryEndpoint> {
  const ep = new MemoryEndpoint();
  await put(ep, "a.txt", "a");
  await put(ep, "big.bin", "x".repeat(100));
  await put(ep, "d/b.txt", "bb");
  await put(ep, "d/x.tmp", "t");
  await put(ep, "d/e/c.txt", "ccc");
  await put(ep, "build/out.o", "o");
  await put(ep, "d/.f.txt.ferry.part", "par");
  return ep;
}

Deno.test("walk: yields every entry, parents first; partials kept apart", async () => {
  const ep = await fixture();
  const w = walk(ep, "");
  const seen: string[] = [];
  for await (const e of w) seen.push(e.path);
  for (const p of seen) {
    const parent = p.split("/").slice(0, -1).join("/");
    if (parent) assert.ok(seen.indexOf(parent) < seen.indexOf(p), `${parent} before ${p}`);
  }
  assert.deepEqual(seen.sort(comparePaths), [
    "a.txt",
    "big.bin",
    "build",
    "build/out.o",
    "d",
    "d/b.txt",
    "d/e",
    "d/e/c.txt",
    "d/x.tmp",
  ]);
  assert.deepEqual([...w.partials.keys()], ["d/.f.txt.ferry.part"]);
  assert.equal(w.complete, true);
});

Deno.test("walk: excludes prune directories, size filters apply to files", async () => {
  const ep = await fixture();
  let listed: string[] = [];
  const spy = new (class extends Wrapped {
    override list(path: string): Promise<Stat[]> {
      listed.push(path);
      return super.list(path);
    }
  })(ep);
  const tree = await listTree(spy, "", { exclude: ["*.tmp", "build/"], maxSize: 10 });
  assert.deepEqual([...tree.entries.keys()], ["a.txt", "d", "d/b.txt", "d/e", "d/e/c.txt"]);
  assert.ok(!listed.includes("build"), "an excluded directory is never listed");
  listed = [];
  const sub = await listTree(spy, "d", { include: ["*.txt"] });
  assert.deepEqual([...sub.entries.keys()], ["b.txt", "e", "e/c.txt"]);
});

Deno.test("walk: a directory that cannot be listed makes the walk incomplete", async () => {
  const ep = new FailingList(await fixture(), ["d/e"]);
  const tree = await listTree(ep, "", { retry: { retries: 1, baseDelayMs: 0 } });
  assert.equal(tree.complete, false);
  assert.equal(tree.errors.length, 1);
  assert.equal(tree.errors[0].path, "d/e");
  assert.ok(tree.entries.has("d/b.txt"), "the rest is still listed");
});

Deno.test("walk: a listing that fails once (421) is retried", async () => {
  let failures = 1;
  const flaky = new (class extends Wrapped {
    override list(path: string): Promise<Stat[]> {
      if (path === "d" && failures-- > 0) {
        return Promise.reject(Object.assign(new Error("421 too many"), { ftpCode: 421 }));
      }
      return super.list(path);
    }
  })(await fixture());
  const tree = await listTree(flaky, "", { retry: { baseDelayMs: 0 } });
  assert.equal(tree.complete, true);
  assert.ok(tree.entries.has("d/e/c.txt"));
});

Deno.test("walk: a missing root is an error, or an empty complete tree with missingOk", async () => {
  const ep = new MemoryEndpoint();
  const strict = await listTree(ep, "nope");
  assert.equal(strict.complete, false);
  assert.equal(strict.errors[0].code, "ENOENT");
  const lenient = await listTree(ep, "nope", { missingOk: true });
  assert.equal(lenient.complete, true);
  assert.equal(lenient.entries.size, 0);
});

Deno.test("walk: symlink policies", async () => {
  const ep = await fixture();
  await ep.symlink("d/e", "link-dir");
  await ep.symlink("a.txt", "link-file");
  await ep.symlink("missing", "broken");
  await ep.symlink("..", "d/e/up");
  const skip = await listTree(ep, "");
  assert.ok(!skip.entries.has("link-dir") && !skip.entries.has("link-file"));

  const asLink = await listTree(ep, "", { symlinks: "copy-as-link" });
  assert.equal(asLink.entries.get("link-dir")?.type, "symlink");
  assert.equal(asLink.entries.get("link-dir")?.target, "d/e");
  assert.ok(!asLink.entries.has("link-dir/c.txt"), "links are not descended");

  const follow = await listTree(ep, "", { symlinks: "follow" });
  assert.equal(follow.entries.get("link-file")?.type, "file");
  assert.equal(follow.entries.get("link-file")?.size, 1);
  assert.equal(follow.entries.get("link-dir")?.type, "dir");
  assert.ok(follow.entries.has("link-dir/c.txt"), "linked directories are walked");
  assert.ok(!follow.entries.has("broken"));
  assert.equal(follow.complete, true, "broken links and loops are warnings, not listing errors");
  assert.ok(follow.warnings.some((w) => w.path === "broken"));
  assert.ok(follow.warnings.some((w) => /loop/.test(w.message)));
});

Deno.test("walk: listings run in parallel, bounded", async () => {
  const ep = new MemoryEndpoint();
  for (let i = 0; i < 12; i++) await put(ep, `d${i}/f`, "x");
  let running = 0;
  let peak = 0;
  const gate = new (class extends Wrapped {
    override async list(path: string): Promise<Stat[]> {
      running++;
      peak = Math.max(peak, running);
      // Let other listings start before this one returns.
      await new Promise((r) => queueMicrotask(() => r(undefined)));
      await Promise.resolve();
      try {
        return await super.list(path);
      } finally {
        running--;
      }
    }
  })(ep as Endpoint);
  const tree = await listTree(gate, "", { concurrency: 3 });
  assert.equal(tree.entries.size, 24);
  assert.ok(peak > 1 && peak <= 3, `peak ${peak}`);
});

Deno.test("walk: collect() gives what the iteration yields, in its order; once only", async () => {
  const ep = await fixture();
  const iterated: string[] = [];
  for await (const e of walk(ep, "", { exclude: ["build"] })) iterated.push(e.path);
  const w = walk(ep, "", { exclude: ["build"] });
  const collected = await w.collect();
  assert.deepEqual(collected.map((e) => e.path), iterated);
  assert.deepEqual([...w.partials.keys()], ["d/.f.txt.ferry.part"]);
  assert.equal(w.complete, true);
  await assert.rejects(() => w.collect(), /only once/);
  await assert.rejects(async () => {
    for await (const _ of w) break;
  }, /only once/);
});
