import assert from "node:assert/strict";
import { MemoryEndpoint } from "../../mod.ts";
import { errorCode, JailError } from "./errors.ts";
import { JailedFs } from "./filesystem.ts";

/** Writes `text` to `path` of `ep`. */
async function put(ep: MemoryEndpoint, path: string, text: string) {
  await ReadableStream.from([new TextEncoder().encode(text)]).pipeTo(await ep.write(path));
}

/** A memory endpoint that counts its stat and lstat calls. */
class Counting extends MemoryEndpoint {
  stats = 0;
  lstats = 0;
  override stat(path: string) {
    this.stats++;
    return super.stat(path);
  }
  override lstat(path: string) {
    this.lstats++;
    return super.lstat(path);
  }
}

Deno.test("JailedFs.stat: a missing last entry is reported from the walk, not asked again", async () => {
  const ep = new Counting();
  await ep.mkdir("home/docs", { parents: true });
  await ep.symlink("gone.txt", "home/docs/dangling");
  const jail = new JailedFs(ep, "home");
  await assert.rejects(jail.stat("/docs/new.bin"), (e) => errorCode(e) === "ENOENT");
  await assert.rejects(jail.stat("/docs/dangling"), (e) => errorCode(e) === "ENOENT");
  assert.equal(ep.stats, 0);
  assert.equal(await jail.exists("/docs/new.bin"), false);
  // Below a missing directory, or under a file: the endpoint answers as before.
  await assert.rejects(jail.stat("/nodir/a"), (e) => errorCode(e) === "ENOENT");
  assert.equal(ep.stats, 1);
  assert.equal((await jail.stat("/docs")).type, "dir");
  assert.equal(ep.stats, 1);
});

Deno.test("JailedFs.stat: an entry the walk found is its own stat; a link is followed", async () => {
  const ep = new Counting();
  await ep.mkdir("home/docs", { parents: true });
  await put(ep, "home/docs/a.txt", "abc");
  await ep.symlink("a.txt", "home/docs/link");
  await ep.symlink("../../outside.txt", "home/docs/out");
  await put(ep, "outside.txt", "secret");
  const jail = new JailedFs(ep, "home");
  const st = await jail.stat("/docs/a.txt");
  assert.equal(st.type, "file");
  assert.equal(st.size, 3);
  const linked = await jail.stat("/docs/link");
  assert.equal(linked.type, "file");
  assert.equal(linked.size, 3);
  assert.equal(ep.stats, 0);
  await assert.rejects(jail.stat("/docs/out"), JailError);
});

Deno.test("JailedFs.readChecked: one walk for the stat and the read; the check may refuse", async () => {
  const ep = new Counting();
  await ep.mkdir("home/docs", { parents: true });
  await put(ep, "home/docs/a.txt", "abcdef");
  const jail = new JailedFs(ep, "home");
  const seen: number[] = [];
  const stream = await jail.readChecked("/docs/a.txt", (st) => {
    seen.push(st.size);
    return 2;
  });
  // The memory endpoint has no source without a stream: its stream.
  assert.ok(stream instanceof ReadableStream);
  assert.equal(await new Response(stream).text(), "cdef");
  assert.deepEqual(seen, [6]);
  assert.equal(ep.stats, 0);
  await assert.rejects(
    jail.readChecked("/docs", (st) => {
      if (st.type !== "file") throw new Error("not a file");
      return 0;
    }),
    /not a file/,
  );
  await assert.rejects(jail.readChecked("/docs/none", () => 0), (e) => errorCode(e) === "ENOENT");
});

Deno.test("JailedFs.writeFresh: no look at the name itself; anything there, a link out included, refuses", async () => {
  const ep = new Counting();
  await ep.mkdir("home/docs", { parents: true });
  await put(ep, "outside.txt", "secret");
  await ep.symlink("../../outside.txt", "home/docs/.planted");
  const jail = new JailedFs(ep, "home");
  const w = await jail.writeFresh("/docs/.fresh");
  // The memory endpoint has no direct sink: its stream.
  assert.ok(w instanceof WritableStream);
  await ReadableStream.from([new TextEncoder().encode("new")]).pipeTo(w);
  assert.equal(await new Response(await ep.read("home/docs/.fresh")).text(), "new");
  // The parent is walked (one lstat), the name is not.
  assert.equal(ep.lstats, 1);
  await assert.rejects(jail.writeFresh("/docs/.planted"), (e) => errorCode(e) === "EEXIST");
  await assert.rejects(jail.writeFresh("/docs/.fresh"), (e) => errorCode(e) === "EEXIST");
  assert.equal(await new Response(await ep.read("outside.txt")).text(), "secret");
});
