import assert from "node:assert/strict";
import type { Stat } from "../endpoint/types.ts";
import { deleteBlockReason, describeAction, maxDeleteLimit, planMirror } from "./plan.ts";
import type { Tree } from "./walk.ts";

const t = (s: number) => new Date(Date.UTC(2024, 0, 1) + s * 1000);

/** A tree from "path" (file, size 1) / "path/" (dir) / ["path", size, seconds]. */
function tree(items: (string | [string, number, number])[], extra: Partial<Tree> = {}): Tree {
  const entries = new Map<string, Stat>();
  const partials = new Map<string, Stat>();
  for (const item of items) {
    const [p, size, s] = typeof item === "string" ? [item, 1, 0] : item;
    const dir = p.endsWith("/");
    const path = dir ? p.slice(0, -1) : p;
    const stat: Stat = {
      name: path.split("/").pop()!,
      type: dir ? "dir" : "file",
      size: dir ? 0 : size,
      mtime: t(s),
      precision: 1000,
    };
    (path.split("/").pop()!.endsWith(".ferry.part") ? partials : entries).set(path, stat);
  }
  return { root: "", entries, partials, errors: [], warnings: [], complete: true, ...extra };
}

Deno.test("planMirror: order is replacements, mkdirs, copies, deletes (files, then dirs deepest first)", () => {
  const src = tree(["a/", "a/b/", "a/b/c.txt", "x.txt"]);
  const dst = tree(["old/", "old/deep/", "old/deep/f.txt", "old/g.txt", "x.txt"]);
  const plan = planMirror(src, dst, { delete: true });
  assert.deepEqual(plan.actions.map(describeAction), [
    "mkdir a",
    "mkdir a/b",
    "transfer a/b/c.txt (missing, 1 bytes)",
    "delete file old/deep/f.txt (not in source)",
    "delete file old/g.txt (not in source)",
    "delete dir old/deep (not in source)",
    "delete dir old (not in source)",
    "skip x.txt (same size+mtime)",
  ]);
  assert.deepEqual(plan.summary, {
    mkdirs: 2,
    transfers: 1,
    bytes: 1,
    deletes: 4,
    skips: 1,
    setMtimes: 0,
    renames: 0,
  });
});

Deno.test("planMirror: reasons for transfers", () => {
  const src = tree([["s.txt", 2, 0], ["m.txt", 1, 100], "new.txt"]);
  const dst = tree([["s.txt", 3, 0], ["m.txt", 1, 0]]);
  const reasons = planMirror(src, dst).actions.map((a) => a.op === "transfer" ? a.reason : a.op);
  assert.deepEqual(reasons, ["size", "mtime", "missing"]);
});

Deno.test("planMirror: an incomplete source blocks every deletion, even replacements", () => {
  const src = tree(["f", "keep"], {
    complete: false,
    errors: [{ path: "sub", message: "425 no data connection" }],
  });
  const dst = tree(["f/", "f/inner", "extra", "keep"]);
  const plan = planMirror(src, dst, { delete: true });
  assert.match(plan.deletesBlocked!, /source listing incomplete \(1 error, first: sub: 425/);
  assert.ok(plan.actions.every((a) => a.op === "skip"));
  assert.ok(plan.actions.some((a) => a.path === "f" && /not replaced/.test(a.reason)));
});

Deno.test("planMirror: resume a fresh partial, restart a stale one, clean up orphans", () => {
  const src = tree([["big", 100, 10], ["old", 100, 10]]);
  const dst = tree([
    [".big.ferry.part", 40, 20], // written after the source changed: resume
    [".old.ferry.part", 40, 5], // older than the source: start over
    [".gone.ferry.part", 40, 5], // no source any more
  ]);
  const plan = planMirror(src, dst, { delete: true });
  const big = plan.actions.find((a) => a.path === "big");
  const old = plan.actions.find((a) => a.path === "old");
  assert.equal(big?.op === "transfer" && big.resumeFrom, 40);
  assert.equal(old?.op === "transfer" && old.resumeFrom, undefined);
  assert.deepEqual(
    plan.actions.filter((a) => a.op === "delete").map((a) => a.path),
    [".gone.ferry.part"],
  );
  assert.equal(planMirror(src, dst).actions.filter((a) => a.op === "delete").length, 0);
});

Deno.test("planMirror: backupDir on deletes and replaced files", () => {
  const plan = planMirror(tree([["a", 2, 9]]), tree(["a", "b"]), { delete: true, backupDir: "bk" });
  assert.deepEqual(plan.actions.map(describeAction), [
    "transfer a (size, 2 bytes)",
    "delete file b (not in source, move to bk/b)",
  ]);
  const a = plan.actions[0];
  assert.equal(a.op === "transfer" && a.backupTo, "bk/a");
});

Deno.test("maxDelete: counts and percentages", () => {
  assert.equal(maxDeleteLimit(3, 100), 3);
  assert.equal(maxDeleteLimit("10%", 85), 8);
  assert.equal(maxDeleteLimit("0", 5), 0);
  assert.throws(() => maxDeleteLimit("lots", 5), RangeError);
  const dst = tree(["a", "b", "c", "d/"]);
  const del = (p: string) =>
    ({ op: "delete", path: p, type: "file", size: 1, reason: "" }) as const;
  const src = { complete: true, errors: [] };
  assert.equal(deleteBlockReason(src, dst, [del("a")], 1), undefined);
  assert.match(
    deleteBlockReason(src, dst, [del("a"), del("b")], 1)!,
    /2 deletions exceed maxDelete 1/,
  );
  assert.match(
    deleteBlockReason(src, dst, [del("a"), del("b")], "50%")!,
    /exceed maxDelete 50% \(1 of 3 files\)/,
  );
});

Deno.test("planMirror: a target dir the source's walk left unreported stays while the source holds entries in it", () => {
  // "kept/" is not in the source's entries (a walk that did not report it), but
  // "kept/in.txt" is: the directory is the source's, its extra file is not.
  const src = tree(["kept/in.txt", "f/", "f/x.txt", "same.txt"]);
  const dst = tree(["kept/", "kept/in.txt", "kept/extra.txt", "f", "same.txt", "gone/"]);
  assert.deepEqual(planMirror(src, dst, { delete: true }).actions.map(describeAction), [
    "delete file f (replaced by another type)",
    "mkdir f",
    "transfer f/x.txt (missing, 1 bytes)",
    "delete file kept/extra.txt (not in source)",
    "delete dir gone (not in source)",
    "skip kept/in.txt (same size+mtime)",
    "skip same.txt (same size+mtime)",
  ]);
  // Without delete nothing goes: the file in the way stays, and nothing is
  // made or copied under its name (a mkdir and a copy that could only fail).
  assert.deepEqual(planMirror(src, dst).actions.map(describeAction), [
    "skip kept/in.txt (same size+mtime)",
    "skip f (target is a file (delete is off))",
    "skip same.txt (same size+mtime)",
    "skip f/x.txt (under f, a file on the target (delete is off))",
  ]);
});

Deno.test("planMirror: a link whose target the source does not tell is skipped, not made to ''", () => {
  const link = (name: string, target?: string): Stat => ({
    name,
    type: "symlink",
    size: 5,
    mtime: t(0),
    precision: 1000,
    ...(target === undefined ? {} : { target }),
  });
  const src = tree([]);
  src.entries.set("told", link("told", "a.txt"));
  src.entries.set("untold", link("untold"));
  const dst = tree([]);
  dst.entries.set("untold", link("untold", "old.txt"));
  const plan = planMirror(src, dst, { dstCanSymlink: true });
  assert.deepEqual(plan.actions.map(describeAction), [
    "symlink told -> a.txt (missing)",
    "skip untold (the source does not tell where the link points)",
  ]);
});

Deno.test("planMirror: without delete, a file against a directory keeps the target's, names it, copies nothing into it", () => {
  // Source: x/ with files and a subdirectory, y a file; target: x a file, y/ with a file.
  const src = tree(["x/", "x/a.txt", "x/sub/", "x/sub/b.txt", "y", "z.txt"]);
  const dst = tree(["x", "y/", "y/inner.txt"]);
  const plan = planMirror(src, dst);
  assert.deepEqual(plan.actions.map(describeAction), [
    "transfer z.txt (missing, 1 bytes)",
    "skip x (target is a file (delete is off))",
    "skip y (target is a dir (delete is off))",
    "skip x/a.txt (under x, a file on the target (delete is off))",
    "skip x/sub/b.txt (under x, a file on the target (delete is off))",
  ]);
  assert.deepEqual(plan.typeConflicts, [
    { path: "x", source: "dir", target: "file" },
    { path: "y", source: "file", target: "dir" },
  ]);
  // With delete, the target's entries are replaced as before.
  const replacing = planMirror(src, dst, { delete: true });
  assert.equal(replacing.typeConflicts, undefined);
  assert.ok(replacing.actions.some((a) => a.op === "mkdir" && a.path === "x"));
});
