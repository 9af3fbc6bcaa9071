import assert from "node:assert/strict";
import { rmtree, type TreeHost, walk, type WalkEntry } from "./tree.ts";
import { MemoryEndpoint } from "../memory.ts";
import { writeAll } from "../streams.ts";

/** A TreeHost on a memory endpoint (absolute paths map to endpoint paths). */
function hostOn(ep: MemoryEndpoint, log: string[] = []): TreeHost {
  return {
    list: (p) => ep.list(p),
    lstat: (p) => ep.lstat(p),
    stat: (p) => ep.stat(p),
    realpath: async (p) => {
      let current = p;
      for (let i = 0; i < 40; i++) {
        const st = await ep.lstat(current);
        if (st.type !== "symlink") return current;
        current = st.target!.startsWith("/")
          ? st.target!
          : `${current.slice(0, current.lastIndexOf("/"))}/${st.target}`;
      }
      throw new Error("loop");
    },
    remove: (p) => (log.push(`remove ${p}`), ep.remove(p)),
    rmdir: (p) => (log.push(`rmdir ${p}`), ep.rmdir(p)),
  };
}

async function tree(): Promise<MemoryEndpoint> {
  const ep = new MemoryEndpoint();
  await ep.mkdir("/top/a/deep", { parents: true });
  await ep.mkdir("/top/b", { parents: true });
  await writeAll(await ep.write("/top/f1"), new Uint8Array(1));
  await writeAll(await ep.write("/top/a/f2"), new Uint8Array(1));
  await ep.symlink("/top", "/top/b/up"); // a loop
  await ep.symlink("/top/a", "/top/alink");
  return ep;
}

const sorted = (steps: WalkEntry[]) =>
  steps.map(([d, ds, fs]) => [d, [...ds].sort(), [...fs].sort()]);

Deno.test("walk: top-down, links listed as dirs but not entered", async () => {
  const host = hostOn(await tree());
  const steps = await Array.fromAsync(walk(host, "/top"));
  assert.deepEqual(sorted(steps), [
    ["/top", ["a", "alink", "b"], ["f1"]],
    ["/top/a", ["deep"], ["f2"]],
    ["/top/a/deep", [], []],
    ["/top/b", ["up"], []],
  ]);
});

Deno.test("walk: followLinks enters each real directory once, never loops", async () => {
  const host = hostOn(await tree());
  const steps = await Array.fromAsync(walk(host, "/top", { followLinks: true }));
  const dirs = steps.map(([d]) => d);
  assert.deepEqual(dirs, ["/top", "/top/a", "/top/a/deep", "/top/b"]);
});

Deno.test("walk: bottom-up, pruning, and onError", async () => {
  const host = hostOn(await tree());
  const up = await Array.fromAsync(walk(host, "/top", { topdown: false }));
  assert.deepEqual(up.map(([d]) => d), ["/top/a/deep", "/top/a", "/top/b", "/top"]);
  const pruned: string[] = [];
  for await (const [dir, dirs] of walk(host, "/top")) {
    pruned.push(dir);
    dirs.splice(0, dirs.length, ...dirs.filter((d) => d !== "a"));
  }
  assert.deepEqual(pruned, ["/top", "/top/b"]);
  const errors: string[] = [];
  const none = await Array.fromAsync(walk(host, "/missing", { onError: (_, p) => errors.push(p) }));
  assert.deepEqual(none, []);
  assert.deepEqual(errors, ["/missing"]);
});

Deno.test("rmtree: removes depth-first without following links", async () => {
  const ep = await tree();
  await ep.mkdir("/keep");
  await writeAll(await ep.write("/keep/x"), new Uint8Array(1));
  await ep.symlink("/keep", "/top/a/keeplink");
  const log: string[] = [];
  await rmtree(hostOn(ep, log), "/top");
  assert.deepEqual((await ep.list("/")).map((s) => s.name), ["keep"]);
  assert.deepEqual((await ep.list("/keep")).map((s) => s.name), ["x"]);
  assert.equal(log.at(-1), "rmdir /top");
  assert.ok(log.includes("remove /top/a/keeplink"));
});

Deno.test("rmtree: errors throw, go to onError, or are ignored", async () => {
  const ep = await tree();
  const failing: TreeHost = { ...hostOn(ep), remove: () => Promise.reject(new Error("denied")) };
  await assert.rejects(rmtree(failing, "/top"), /denied/);
  const seen: string[] = [];
  await rmtree(failing, "/top", { onError: (op, path) => seen.push(`${op} ${path}`) });
  assert.ok(seen.includes("remove /top/f1"));
  assert.ok(seen.some((s) => s.startsWith("rmdir")));
  await rmtree(failing, "/top", { ignoreErrors: true });
  await assert.rejects(rmtree(hostOn(ep), "/top/alink"), /symbolic link/);
  await assert.rejects(rmtree(hostOn(ep), "/nope"));
});

Deno.test("walk: a listing that shows links as directories (same unique) does not loop", async () => {
  const dir = (name: string, unique: string) => ({
    name,
    type: "dir" as const,
    size: 0,
    precision: 1000,
    unique,
  });
  const listings: Record<string, ReturnType<typeof dir>[]> = {
    "/top": [dir("sub", "2")],
    "/top/sub": [dir("up", "1")],
    "/top/sub/up": [dir("sub", "2")],
  };
  const host: TreeHost = {
    list: (p) => Promise.resolve(listings[p] ?? []),
    lstat: () => Promise.reject(new Error("unused")),
    stat: (p) => Promise.resolve(dir(p, p === "/top" ? "1" : "?")),
    realpath: (p) => Promise.resolve(p),
    remove: () => Promise.resolve(),
    rmdir: () => Promise.resolve(),
  };
  const steps = await Array.fromAsync(walk(host, "/top"));
  assert.deepEqual(steps.map(([d]) => d), ["/top", "/top/sub"]);
});
