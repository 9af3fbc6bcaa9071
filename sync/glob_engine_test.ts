import assert from "node:assert/strict";
import { MemoryEndpoint } from "../endpoint/memory.ts";
import { put } from "../test/sync/helpers.ts";
import { GlobError, makeFilter } from "./filter.ts";
import { globsLoaded, hasGlobs } from "./glob_engine.ts";
import { listTree, walk } from "./walk.ts";

// No import of ./globs.ts here: the engine is loaded by the walk itself (sync/filter.ts).

async function fixture(): Promise<MemoryEndpoint> {
  const ep = new MemoryEndpoint();
  await put(ep, "a.txt", "a");
  await put(ep, "b.tmp", "b");
  await put(ep, "d/c.tmp", "c");
  await put(ep, "d/e.txt", "e");
  return ep;
}

Deno.test("globs: rules without any need no engine; hasGlobs tells which do", () => {
  assert.equal(hasGlobs({ include: [], exclude: [] }), false);
  assert.equal(hasGlobs({}), false);
  assert.equal(hasGlobs({ exclude: ["*.tmp"] }), true);
  assert.equal(hasGlobs({ include: ["*.txt"] }), true);
  const f = makeFilter({ maxSize: 1 });
  assert.equal(f.takesFile("a", 1), true);
  assert.equal(f.takesFile("a", 2), false);
  assert.equal(f.excludesDir("d"), false);
});

Deno.test("globs: a walk with globs loads the engine when it starts, and filters as ever", async () => {
  const ep = await fixture();
  // Each test module has its own isolate: nothing here loaded the engine yet.
  assert.equal(globsLoaded(), false);
  const w = walk(ep, "", { exclude: ["*.tmp"] });
  const seen: string[] = [];
  for await (const e of w) seen.push(e.path);
  assert.deepEqual(seen.sort(), ["a.txt", "d", "d/e.txt"]);
  assert.ok(globsLoaded());
  const tree = await listTree(ep, "", { include: ["*.tmp"] });
  assert.deepEqual([...tree.entries.keys()], ["b.tmp", "d", "d/c.tmp"]);
});

Deno.test("globs: a bad glob fails the walk before anything is listed", async () => {
  const ep = await fixture();
  let listed = 0;
  const counting = new Proxy(ep, {
    get(target, key, receiver) {
      if (key === "list") return (path: string) => (listed++, target.list(path));
      const value = Reflect.get(target, key, receiver);
      return typeof value === "function" ? value.bind(target) : value;
    },
  });
  await assert.rejects(listTree(counting, "", { exclude: ["a["] }), GlobError);
  assert.equal(listed, 0);
});
