import assert from "node:assert/strict";
import { isTempName } from "../../endpoint/atomic.ts";
import type { Endpoint, ReadOptions } from "../../endpoint/types.ts";
import { Precision } from "../../endpoint/types.ts";
import { mirror, prepareMirror } from "../../sync/mirror.ts";
import { describeAction } from "../../sync/plan.ts";
import type { ProgressEvent } from "../../sync/progress.ts";
import { StateStore } from "../../sync/state.ts";
import {
  at,
  contents,
  CutReads,
  CutWrites,
  FailingList,
  mem,
  NoMtime,
  pattern,
  put,
  tempLocal,
  text,
  Wrapped,
} from "./helpers.ts";

const fast = { retry: { baseDelayMs: 0 } };

async function source(): Promise<Endpoint> {
  const src = mem();
  await put(src, "a.txt", "alpha", at(0));
  await put(src, "d/b.txt", "bravo", at(10));
  await put(src, "d/e/c.txt", "charlie", at(20));
  await put(src, "skip.tmp", "tmp", at(30));
  return src;
}

Deno.test("mirror: copies a tree, keeps mtimes, and a second run transfers nothing", async () => {
  const src = await source();
  const dst = mem();
  const r1 = await mirror(src, "", dst, "out", fast);
  assert.equal(r1.ok, true);
  assert.equal(r1.files.transferred, 4);
  assert.equal(r1.bytes.transferred, 5 + 5 + 7 + 3);
  assert.deepEqual(await contents(dst, "out"), {
    "a.txt": "alpha",
    "d/": "",
    "d/b.txt": "bravo",
    "d/e/": "",
    "d/e/c.txt": "charlie",
    "skip.tmp": "tmp",
  });
  assert.equal((await dst.stat("out/d/e/c.txt")).mtime?.getTime(), at(20).getTime());
  const r2 = await mirror(src, "", dst, "out", fast);
  assert.equal(r2.files.transferred, 0);
  assert.equal(r2.files.skipped, 4);

  await put(src, "a.txt", "alpha2", at(100));
  await put(src, "d/b.txt", "BRAVO", at(200)); // same size, newer mtime
  const r3 = await mirror(src, "", dst, "out", fast);
  assert.equal(r3.files.transferred, 2);
  assert.equal(await text(dst, "out/d/b.txt"), "BRAVO");
});

Deno.test("mirror: nested roots on one endpoint neither recurse nor delete the source", async () => {
  const ep = mem();
  await put(ep, "a.txt", "a");
  await put(ep, "sub/b.txt", "b");
  const into = await mirror(ep, "", ep, "sub/copy", fast);
  assert.equal(into.ok, true, JSON.stringify(into.errors));
  assert.equal(await text(ep, "sub/copy/a.txt"), "a");
  assert.equal(await text(ep, "sub/copy/sub/b.txt"), "b");
  const again = await mirror(ep, "", ep, "sub/copy", { ...fast, delete: true });
  assert.equal(again.files.transferred, 0, "the copy is not copied into itself");
  assert.equal(again.files.deleted + again.dirsDeleted, 0);
  assert.deepEqual(again.warnings, []);
  const outer = await mirror(ep, "sub/copy/sub", ep, "sub", {
    ...fast,
    delete: true,
    dryRun: true,
  });
  const deletes = outer.plan!.filter((a) => a.op === "delete").map((a) => a.path);
  assert.deepEqual(deletes, ["copy/a.txt"], "extraneous files go, the source's ancestors stay");
});

Deno.test("mirror: dry run returns the plan and touches nothing", async () => {
  const src = await source();
  const dst = mem();
  await put(dst, "old.txt", "old");
  const before = await contents(dst);
  const r = await mirror(src, "", dst, "", { ...fast, dryRun: true, delete: true });
  assert.equal(r.dryRun, true);
  assert.deepEqual(await contents(dst), before);
  const lines = r.plan!.map(describeAction);
  assert.ok(lines.includes("transfer a.txt (missing, 5 bytes)"), lines.join("\n"));
  assert.ok(lines.includes("mkdir d"));
  assert.ok(lines.includes("delete file old.txt (not in source)"));
  assert.equal(r.files.transferred, 4);
  assert.equal(r.files.deleted, 1);
  assert.equal(r.bytes.transferred, 20);
});

Deno.test("mirror: excludes are neither copied nor deleted; delete removes the rest", async () => {
  const src = await source();
  const dst = mem();
  await put(dst, "keep.tmp", "mine");
  await put(dst, "gone/x.txt", "x");
  await put(dst, "stale.txt", "s");
  const r = await mirror(src, "", dst, "", { ...fast, delete: true, exclude: ["*.tmp"] });
  assert.equal(r.ok, true, JSON.stringify(r.errors));
  assert.deepEqual(await contents(dst), {
    "a.txt": "alpha",
    "d/": "",
    "d/b.txt": "bravo",
    "d/e/": "",
    "d/e/c.txt": "charlie",
    "keep.tmp": "mine",
  });
  assert.equal(r.files.deleted, 2);
  assert.equal(r.dirsDeleted, 1);
});

Deno.test("mirror: no deletion at all when a source directory cannot be listed", async () => {
  const src = new FailingList(await source(), ["d/e"]);
  const dst = mem();
  await put(dst, "stale.txt", "s");
  await put(dst, "d/e/c.txt", "old charlie");
  await put(dst, "d/e/other.txt", "o");
  const r = await mirror(src, "", dst, "", { ...fast, delete: true });
  assert.equal(r.ok, false);
  assert.match(r.deletesBlocked!, /source listing incomplete/);
  assert.ok(r.errors.some((e) => e.path === "d/e" && /425/.test(e.message)));
  assert.equal(r.files.deleted, 0);
  assert.equal(await text(dst, "stale.txt"), "s");
  assert.equal(await text(dst, "d/e/other.txt"), "o");
  assert.equal(await text(dst, "a.txt"), "alpha", "transfers still happen");
});

Deno.test("mirror: maxDelete as a count and as a percentage stops before deleting", async () => {
  for (const maxDelete of [2, "40%"] as const) {
    const src = mem();
    await put(src, "keep.txt", "k");
    const dst = mem();
    await put(dst, "keep.txt", "k");
    for (const n of [1, 2, 3]) await put(dst, `x${n}.txt`, "x");
    const r = await mirror(src, "", dst, "", { ...fast, delete: true, maxDelete });
    assert.equal(r.files.deleted, 0, String(maxDelete));
    assert.match(r.deletesBlocked!, /exceed maxDelete/);
    assert.equal(r.ok, false);
    assert.equal(Object.keys(await contents(dst)).length, 4);
    const fine = await mirror(src, "", dst, "", { ...fast, delete: true, maxDelete: 3 });
    assert.equal(fine.files.deleted, 3);
  }
});

Deno.test("mirror: backupDir receives deleted and replaced files", async () => {
  const src = mem();
  await put(src, "a.txt", "new a", at(50));
  const dst = mem();
  await put(dst, "a.txt", "old a", at(0));
  await put(dst, "sub/gone.txt", "gone");
  const r = await mirror(src, "", dst, "", { ...fast, delete: true, backupDir: ".backup/1" });
  assert.equal(r.ok, true, JSON.stringify(r.errors));
  assert.deepEqual(await contents(dst), {
    ".backup/": "",
    ".backup/1/": "",
    ".backup/1/a.txt": "old a",
    ".backup/1/sub/": "",
    ".backup/1/sub/gone.txt": "gone",
    "a.txt": "new a",
  });
  // The backup dir inside the target is not seen as extraneous on the next run.
  const again = await mirror(src, "", dst, "", { ...fast, delete: true, backupDir: ".backup/1" });
  assert.equal(again.files.deleted, 0);
  assert.deepEqual(again.warnings, []);
  assert.equal(again.dirsDeleted, 0);
});

Deno.test("mirror: a cut connection is resumed from the partial, never exposing a half file", async () => {
  const size = 300_000;
  const src = mem();
  await put(src, "big.bin", pattern(size), at(5));
  const inner = mem();
  await put(inner, "big.bin", "the old version");
  const dst = new CutWrites(inner, 100_000);
  const events: ProgressEvent[] = [];
  const r = await mirror(src, "", dst, "", { ...fast, onProgress: (e) => events.push(e) });
  assert.equal(r.ok, true, JSON.stringify(r.errors));
  assert.equal(r.retries, 1);
  assert.equal(r.resumed, 1);
  assert.deepEqual(dst.writes.map((w) => [w.path, w.options.offset ?? 0]), [
    [".big.bin.ferry.part", 0],
    [".big.bin.ferry.part", 100_000],
  ]);
  assert.ok(dst.writes.every((w) => isTempName(w.path)), "bytes only ever go to the partial");
  assert.deepEqual(dst.renames, [{ from: ".big.bin.ferry.part", to: "big.bin" }]);
  assert.equal(r.bytes.transferred, size, "resumed data is not sent twice");
  const got = new Uint8Array(await new Response(await inner.read("big.bin")).arrayBuffer());
  assert.deepEqual(got, pattern(size));
  assert.equal((await inner.stat("big.bin")).mtime?.getTime(), at(5).getTime());
  assert.ok(events.some((e) => e.type === "retry"));
  const end = events.findLast((e) => e.type === "file-end");
  assert.deepEqual(end, { type: "file-end", path: "big.bin", bytes: size, action: "transfer" });
  assert.deepEqual(await contents(inner), { "big.bin": await text(inner, "big.bin") });
});

Deno.test("mirror: a download cut mid-stream resumes reading at the offset", async () => {
  const size = 200_000;
  const inner = mem();
  await put(inner, "f.bin", pattern(size), at(3));
  const src = new CutReads(inner, 70_000);
  await using dst = await tempLocal();
  const r = await mirror(src, "", dst, "", fast);
  assert.equal(r.ok, true, JSON.stringify(r.errors));
  assert.equal(r.resumed, 1);
  assert.deepEqual(src.reads.map((x) => x.offset), [0, 70_000]);
  assert.deepEqual(await Deno.readFile(`${dst.root}/f.bin`), pattern(size));
  assert.deepEqual([...Deno.readDirSync(dst.root)].map((e) => e.name), ["f.bin"]);
});

Deno.test("mirror: a source that grows while copied fails cleanly, no partial kept", async () => {
  const src = mem();
  await put(src, "log.txt", "0123456789", at(1));
  const growing = new (class extends Wrapped {
    override async read(path: string) {
      await put(src, "log.txt", "0123456789 and more", at(2));
      return await super.read(path);
    }
  })(src);
  const dst = mem();
  const r = await mirror(growing, "", dst, "", fast);
  assert.equal(r.ok, false);
  assert.equal(r.errors[0].code, "ECHANGED");
  assert.deepEqual(await contents(dst), {});
  assert.deepEqual([...(await dst.list(""))].map((s) => s.name), [], "partial removed");
});

Deno.test("mirror: after retries run out, the real name keeps the old content", async () => {
  const src = mem();
  await put(src, "f.bin", pattern(50_000), at(5));
  const inner = mem();
  await put(inner, "f.bin", "old");
  const dst = new CutWrites(inner, 10_000, 10);
  const r = await mirror(src, "", dst, "", { retry: { retries: 2, baseDelayMs: 0 } });
  assert.equal(r.ok, false);
  assert.equal(r.files.failed, 1);
  assert.equal(r.errors[0].code, "ECONNRESET");
  assert.equal(await text(inner, "f.bin"), "old");
  assert.deepEqual(dst.writes.map((w) => w.options.offset ?? 0), [0, 10_000, 20_000]);
  // A later run continues the partial it left.
  const next = await mirror(src, "", inner, "", fast);
  assert.equal(next.resumed, 1);
  assert.equal(next.bytes.transferred, 20_000);
  // With delete on, a failed transfer holds back the deletions that follow it.
  await put(src, "f.bin", pattern(60_000), at(6));
  await put(inner, "extra.txt", "x");
  dst.cuts = 10;
  const held = await mirror(src, "", dst, "", { retry: { retries: 0 }, delete: true });
  assert.match(held.deletesBlocked!, /1 transfer\(s\) failed/);
  assert.equal(await text(inner, "extra.txt"), "x");
});

Deno.test("mirror: a target that cannot set mtimes is not resent when state remembers", async () => {
  const src = await source();
  const dst = new NoMtime(mem());
  const state = StateStore.open(":memory:");
  const r1 = await mirror(src, "", dst, "", { ...fast, state });
  assert.equal(r1.files.transferred, 4);
  const r2 = await mirror(src, "", dst, "", { ...fast, state });
  assert.equal(r2.files.transferred, 0, JSON.stringify(r2.plan));
  assert.ok(
    (await prepareMirror(src, "", dst, "", { state })).plan.actions.every((a) =>
      a.op === "skip" && a.reason === "unchanged since sent"
    ),
  );
  await put(src, "a.txt", "ALPHA", at(999));
  const r3 = await mirror(src, "", dst, "", { ...fast, state });
  assert.equal(r3.files.transferred, 1);
  // Without the state the mtimes differ, so everything would be sent again.
  const blind = await mirror(src, "", dst, "", { ...fast, dryRun: true, state: false });
  assert.equal(blind.files.transferred, 4);
  state.close();
});

Deno.test("mirror: the sent-state file is opened by itself when a target needs it", async () => {
  const dir = await Deno.makeTempDir();
  try {
    const statePath = `${dir}/.ferry/state.db`;
    const src = await source();
    const dst = new NoMtime(mem());
    const dry = await mirror(src, "", dst, "", { ...fast, statePath, dryRun: true });
    assert.equal(dry.files.transferred, 4);
    await assert.rejects(Deno.stat(statePath), Deno.errors.NotFound, "a dry run creates nothing");
    await mirror(src, "", dst, "", { ...fast, statePath });
    await Deno.stat(statePath);
    assert.equal((await mirror(src, "", dst, "", { ...fast, statePath })).files.transferred, 0);
    await mirror(src, "", mem(), "", { ...fast, statePath: `${dir}/other.db` });
    await assert.rejects(Deno.stat(`${dir}/other.db`), Deno.errors.NotFound, "not needed");
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("mirror: an FTP-like minute precision on the target is not a difference", async () => {
  const src = await source();
  const dst = mem(Precision.minutes);
  await mirror(src, "", dst, "", fast);
  const again = await mirror(src, "", dst, "", fast);
  assert.equal(again.files.transferred, 0);
});

for (const stream of [false, true]) {
  Deno.test(`mirror${stream ? " (streamed)" : ""}: a file replaces a directory (and back) with delete on`, async () => {
    const src = mem();
    await put(src, "x", "file now");
    await put(src, "y/inner.txt", "dir now");
    const dst = mem();
    await put(dst, "x/old.txt", "was a dir");
    await put(dst, "y", "was a file");
    const off = await mirror(src, "", dst, "", { ...fast, stream });
    // Without delete nothing is replaced, nothing goes under y (a file there):
    // x, y and y/inner.txt skipped, x and y named as errors of the job.
    assert.equal(off.files.skipped, 3, "without delete nothing is replaced");
    assert.equal(off.files.failed, 0);
    assert.deepEqual(off.errors.map((e) => [e.path, e.code]), [
      ["x", "ETYPECONFLICT"],
      ["y", "ETYPECONFLICT"],
    ]);
    assert.deepEqual(await contents(dst), { "x/": "", "x/old.txt": "was a dir", y: "was a file" });
    const r = await mirror(src, "", dst, "", { ...fast, stream, delete: true });
    assert.equal(r.ok, true, JSON.stringify(r.errors));
    assert.deepEqual(await contents(dst), { x: "file now", "y/": "", "y/inner.txt": "dir now" });
  });
}

Deno.test("mirror: symlinks copied as links where the target can", async () => {
  const src = await source();
  await (src as unknown as { symlink(t: string, p: string): Promise<void> }).symlink(
    "d/b.txt",
    "ln",
  );
  const dst = mem();
  const r = await mirror(src, "", dst, "", { ...fast, symlinks: "copy-as-link" });
  assert.equal(r.ok, true, JSON.stringify(r.errors));
  assert.equal((await dst.lstat("ln")).target, "d/b.txt");
  const plain = new Wrapped(mem());
  const r2 = await mirror(src, "", plain, "", { ...fast, symlinks: "copy-as-link", dryRun: true });
  assert.ok(r2.plan!.some((a) => a.op === "skip" && a.reason === "target cannot create symlinks"));
});

Deno.test("mirror: checksum mode uses a common hash and fixes mtimes only", async () => {
  class Hashing extends Wrapped {
    hashed: string[] = [];
    override capabilities() {
      return { ...super.capabilities(), hashes: ["md5"] };
    }
    async hash(path: string): Promise<string> {
      this.hashed.push(path);
      const data = new Uint8Array(await new Response(await this.read(path)).arrayBuffer());
      return String(data.reduce((h, b) => (h * 31 + b) >>> 0, 7));
    }
  }
  const src = new Hashing(await source());
  const dst = new Hashing(mem());
  await put(dst, "a.txt", "alpha", at(500)); // same content, other mtime
  await put(dst, "d/b.txt", "BRAVO", at(10)); // same size and mtime, other content
  const r = await mirror(src, "", dst, "", { ...fast, compare: "checksum", dryRun: true });
  const byPath = new Map(r.plan!.map((a) => [a.path, a]));
  assert.equal(byPath.get("a.txt")?.op, "setMtime");
  assert.equal(byPath.get("d/b.txt")?.op, "transfer");
  assert.deepEqual(src.hashed.sort(), ["a.txt", "d/b.txt"], "only same-size pairs are hashed");
  await mirror(src, "", dst, "", { ...fast, compare: "checksum" });
  assert.equal((await dst.stat("a.txt")).mtime?.getTime(), at(0).getTime());
  assert.equal(await text(dst, "d/b.txt"), "bravo");
});

Deno.test("mirror: progress events count files and bytes", async () => {
  const src = await source();
  const events: ProgressEvent[] = [];
  let last = { filesDone: 0, bytesDone: 0, filesTotal: 0, bytesTotal: 0 };
  await mirror(src, "", mem(), "", {
    ...fast,
    parallel: 2,
    onProgress: (e, t) => {
      events.push(e);
      last = {
        filesDone: t.filesDone,
        bytesDone: t.bytesDone,
        filesTotal: t.filesTotal,
        bytesTotal: t.bytesTotal,
      };
    },
  });
  assert.deepEqual(events[0], { type: "plan", files: 4, bytes: 20, deletes: 0 });
  assert.deepEqual(last, { filesDone: 4, bytesDone: 20, filesTotal: 4, bytesTotal: 20 });
  assert.equal(events.filter((e) => e.type === "file-start" && e.action === "transfer").length, 4);
});

Deno.test("mirror: local disk to local disk, and memory to local", async () => {
  await using a = await tempLocal();
  await using b = await tempLocal();
  await put(a, "x/y.txt", "why", at(1));
  await put(a, "z.txt", "zed", at(2));
  await put(b, "extra/e.txt", "e");
  const r = await mirror(a, "", b, "copy", { ...fast, delete: true });
  assert.equal(r.ok, true, JSON.stringify(r.errors));
  assert.deepEqual(await contents(b, "copy"), { "x/": "", "x/y.txt": "why", "z.txt": "zed" });
  assert.equal((await b.stat("copy/z.txt")).mtime?.getTime(), at(2).getTime());
  const again = await mirror(a, "", b, "copy", { ...fast, delete: true });
  assert.equal(again.files.transferred, 0);
  const r2 = await mirror(await source(), "d", b, "", { ...fast, delete: true, dryRun: true });
  assert.ok(r2.plan!.some((a) => a.op === "delete" && a.path === "extra"));
  const cut = new CutWrites(b, 3);
  const r3 = await mirror(await source(), "d", cut, "from-mem", fast);
  assert.equal(r3.ok, true, JSON.stringify(r3.errors));
  assert.equal(r3.resumed, 1);
  assert.deepEqual(await contents(b, "from-mem"), {
    "b.txt": "bravo",
    "e/": "",
    "e/c.txt": "charlie",
  });
});

/** Lists minutes (truncates), and reports `exact` on read as an FTP server's MDTM would. */
class MinuteLister extends Wrapped {
  constructor(inner: Endpoint, readonly exact: (path: string) => Date) {
    super(inner);
  }
  override read(path: string, options: ReadOptions = {}) {
    options.onMtime?.(this.exact(path));
    return super.read(path, options);
  }
}

Deno.test("mirror: a source listing minutes gives the target its exact time when it fits the minute", async () => {
  const src = mem(Precision.minutes);
  await put(src, "in.txt", "inside", at(37));
  await put(src, "out.txt", "changed since", at(37));
  const exact = (path: string) => path.endsWith("in.txt") ? at(37) : at(3600);
  const dst = mem();
  const r = await mirror(new MinuteLister(src, exact), "", dst, "", fast);
  assert.equal(r.ok, true, JSON.stringify(r.errors));
  assert.equal((await dst.stat("in.txt")).mtime?.getTime(), at(37).getTime());
  // Outside the listed minute: the file changed or the zone is wrong; the listing stands.
  const listed = (await src.stat("out.txt")).mtime!.getTime();
  assert.equal((await dst.stat("out.txt")).mtime?.getTime(), listed);
  const again = await mirror(new MinuteLister(src, exact), "", dst, "", fast);
  assert.equal(again.files.transferred, 0);
});
