import assert from "node:assert/strict";
import { deleteMemoryStore, MemoryEndpoint, memoryStore } from "./memory.ts";
import { InvalidPathError, NotADirectoryError, SymlinkLoopError } from "./errors.ts";
import { collect, writeAll } from "./streams.ts";
import { Precision } from "./types.ts";

const text = (s: string) => new TextEncoder().encode(s);

Deno.test("memory: endpoints of one name share a tree; bases nest", async () => {
  const a = new MemoryEndpoint({ name: "memory-test-shared" });
  const b = MemoryEndpoint.fromUrl(new URL("memory://memory-test-shared/sub"));
  assert.equal(b.url, "memory://memory-test-shared/sub");
  await writeAll(await b.write("f.txt"), text("hi"));
  assert.equal(new TextDecoder().decode(await collect(await a.read("sub/f.txt"))), "hi");
  assert.equal(memoryStore("memory-test-shared"), a.store);
  assert.ok(deleteMemoryStore("memory-test-shared"));
  assert.notEqual(memoryStore("memory-test-shared"), a.store);
  deleteMemoryStore("memory-test-shared");
});

Deno.test("memory: private stores are separate", async () => {
  const a = new MemoryEndpoint();
  const b = new MemoryEndpoint();
  await a.mkdir("x");
  assert.deepEqual(await b.list(""), []);
  assert.match(a.url, /^memory:\/\/anonymous-\d+$/);
});

Deno.test("memory: reported mtimes are truncated to the simulated precision", async () => {
  const ep = new MemoryEndpoint({ precision: Precision.minutes });
  await writeAll(await ep.write("f"), text("x"));
  await ep.setMtime("f", new Date("2024-05-06T07:08:09.010Z"));
  const st = await ep.stat("f");
  assert.equal(st.mtime?.toISOString(), "2024-05-06T07:08:00.000Z");
  assert.equal(st.precision, Precision.minutes);
  assert.equal(ep.capabilities().precision, Precision.minutes);
});

Deno.test("memory: symlink loops, links out of the root, links through files", async () => {
  const ep = new MemoryEndpoint();
  await ep.symlink("b", "a");
  await ep.symlink("a", "b");
  await assert.rejects(ep.stat("a"), SymlinkLoopError);
  assert.equal((await ep.lstat("a")).target, "b");
  await ep.symlink("../../outside", "escape");
  await assert.rejects(ep.read("escape"), InvalidPathError);
  await writeAll(await ep.write("file"), text("x"));
  await assert.rejects(ep.stat("file/below"), NotADirectoryError);
  await ep.symlink("/", "toroot");
  assert.equal((await ep.stat("toroot")).type, "dir");
});

Deno.test("memory: renaming a directory into itself is refused", async () => {
  const ep = new MemoryEndpoint();
  await ep.mkdir("d/e", { parents: true });
  await assert.rejects(ep.rename("d", "d/e/f"), InvalidPathError);
});
