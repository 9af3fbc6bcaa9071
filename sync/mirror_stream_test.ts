import assert from "node:assert/strict";
import type { Stat } from "../endpoint/types.ts";
import { aheadKey, aheadOfPlan } from "./mirror_stream.ts";
import type { ListedDir } from "./walk.ts";

const t = new Date(Date.UTC(2024, 0, 1));
const file = (name: string, size: number, mtime = t): Stat => ({
  name,
  type: "file",
  size,
  mtime,
  precision: 1,
});
const dir = (name: string): Stat => ({ name, type: "dir", size: 0, precision: 1 });
const listed = (path: string, stats: Stat[], partials: [string, Stat][] = []): ListedDir => ({
  path,
  entries: stats.map((stat) => ({ path: path ? `${path}/${stat.name}` : stat.name, stat })),
  partials,
  complete: true,
});

Deno.test("aheadOfPlan: copies of new and changed files, mkdirs of new dirs; nothing of another type", () => {
  const src = listed("d", [
    file("new.txt", 3),
    file("same.txt", 4),
    file("changed.txt", 5),
    file("was-dir", 6),
    dir("fresh"),
    dir("both"),
    dir("was-file"),
  ]);
  const dst = listed("d", [
    file("same.txt", 4),
    file("changed.txt", 9),
    dir("was-dir"),
    dir("both"),
    file("was-file", 1),
  ], [["d/.new.txt.ferry.part", file(".new.txt.ferry.part", 2, new Date(t.getTime() + 1000))]]);
  const { copies, newDirs } = aheadOfPlan(src, dst, {});
  assert.deepEqual(copies.map(aheadKey).sort(), ["transfer\0d/changed.txt", "transfer\0d/new.txt"]);
  // The partial is resumed as the whole plan would.
  const resumed = copies.find((a) => a.path === "d/new.txt");
  assert.equal(resumed?.op === "transfer" ? resumed.resumeFrom : undefined, 2);
  assert.deepEqual(newDirs, ["d/fresh"]);
});

Deno.test("aheadOfPlan: a directory not on the target yet: everything in it is copied", () => {
  const { copies, newDirs } = aheadOfPlan(listed("", [file("a", 1), dir("b")]), undefined, {});
  assert.deepEqual(copies.map(aheadKey), ["transfer\0a"]);
  assert.deepEqual(newDirs, ["b"]);
});
