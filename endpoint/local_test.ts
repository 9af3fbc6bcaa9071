import assert from "node:assert/strict";
import { LocalEndpoint } from "./local.ts";
import {
  IsADirectoryError,
  NotADirectoryError,
  NotFoundError,
  PermissionDeniedError,
  SizeMismatchError,
} from "./errors.ts";
import type { ReadSource } from "./types.ts";
import { collect, directWriteOf, takeDirectRead, writeAll } from "./streams.ts";

const text = (s: string) => new TextEncoder().encode(s);

async function withTree(fn: (base: string, ep: LocalEndpoint) => Promise<void>): Promise<void> {
  const base = await Deno.makeTempDir({ prefix: "ferry-local-" });
  try {
    await Deno.mkdir(`${base}/root`);
    await Deno.mkdir(`${base}/outside`);
    await Deno.writeTextFile(`${base}/outside/secret`, "secret");
    await fn(base, new LocalEndpoint(`${base}/root`));
  } finally {
    await Deno.remove(base, { recursive: true });
  }
}

Deno.test("local: links out of the root are listed but never followed", async () => {
  await withTree(async (base, ep) => {
    await Deno.symlink(`${base}/outside/secret`, `${base}/root/file-link`);
    await Deno.symlink(`${base}/outside`, `${base}/root/dir-link`);
    await Deno.symlink("../outside/new", `${base}/root/dangling`);
    const list = await ep.list("");
    assert.deepEqual(list.map((s) => [s.name, s.type]).sort(), [
      ["dangling", "symlink"],
      ["dir-link", "symlink"],
      ["file-link", "symlink"],
    ]);
    assert.equal((await ep.lstat("file-link")).target, `${base}/outside/secret`);
    await assert.rejects(ep.read("file-link"), PermissionDeniedError);
    await assert.rejects(ep.stat("file-link"), PermissionDeniedError);
    await assert.rejects(ep.read("dir-link/secret"), PermissionDeniedError);
    await assert.rejects(ep.lstat("dir-link/secret"), PermissionDeniedError);
    await assert.rejects(ep.list("dir-link"), PermissionDeniedError);
    await assert.rejects(ep.write("dir-link/planted"), PermissionDeniedError);
    await assert.rejects(ep.write("file-link", { atomic: false }), PermissionDeniedError);
    await assert.rejects(ep.write("dangling", { atomic: false }), NotFoundError);
    await assert.rejects(ep.mkdir("dir-link/sub", { parents: true }), PermissionDeniedError);
    await assert.rejects(ep.chmod("file-link", 0o777), PermissionDeniedError);
    // An atomic write replaces the link itself, not what it points to.
    await writeAll(await ep.write("file-link"), text("mine"));
    assert.equal((await ep.lstat("file-link")).type, "file");
    assert.equal(await Deno.readTextFile(`${base}/outside/secret`), "secret");
    // Removing a link is fine: it does not touch the target.
    await ep.remove("dir-link");
    assert.deepEqual(
      (await Array.fromAsync(Deno.readDir(`${base}/outside`))).map((e) => e.name).sort(),
      ["secret"],
    );
  });
});

Deno.test("local: a directory this endpoint moved away is checked again, not trusted", async () => {
  await withTree(async (base, ep) => {
    await ep.mkdir("a");
    // The write checks "a" and remembers the answer for a moment...
    await writeAll(await ep.write("a/one"), text("1"));
    // ...which this endpoint's own move of the directory forgets.
    await ep.rename("a", "b");
    await Deno.symlink(`${base}/outside`, `${base}/root/a`);
    await assert.rejects(ep.write("a/planted"), PermissionDeniedError);
    await assert.rejects(ep.read("a/secret"), PermissionDeniedError);
    // The same for a removed directory replaced by a link, and for a link made here.
    await writeAll(await ep.write("b/two"), text("2"));
    await ep.remove("b/one");
    await ep.remove("b/two");
    await ep.rmdir("b");
    await ep.symlink(`${base}/outside`, "b");
    await assert.rejects(ep.write("b/planted"), PermissionDeniedError);
    // A directory above a checked one: its move forgets the paths below it too.
    await ep.mkdir("c/d", { parents: true });
    await writeAll(await ep.write("c/d/one"), text("1"));
    await ep.rename("c", "e");
    await Deno.mkdir(`${base}/outside/d`);
    await Deno.symlink(`${base}/outside`, `${base}/root/c`);
    await assert.rejects(ep.write("c/d/planted"), PermissionDeniedError);
    await Deno.remove(`${base}/outside/d`);
    assert.deepEqual(
      (await Array.fromAsync(Deno.readDir(`${base}/outside`))).map((e) => e.name).sort(),
      ["secret"],
    );
  });
});

Deno.test("local: a root reached through a symlink works", async () => {
  await withTree(async (base) => {
    await Deno.symlink(`${base}/root`, `${base}/alias`);
    const ep = new LocalEndpoint(`${base}/alias`);
    await writeAll(await ep.write("f"), text("x"));
    assert.equal(new TextDecoder().decode(await collect(await ep.read("f"))), "x");
  });
});

Deno.test("local: a missing root is NotFoundError unless create is set", async () => {
  await withTree(async (base) => {
    const missing = new LocalEndpoint(`${base}/nope/deeper`);
    await assert.rejects(missing.stat(""), NotFoundError);
    const made = new LocalEndpoint(`${base}/nope/deeper`, { create: true });
    assert.equal((await made.stat("")).type, "dir");
    assert.equal(made.url, `file://${base}/nope/deeper`);
  });
});

Deno.test("local: an atomic replacement keeps the old file's mode", async () => {
  await withTree(async (base, ep) => {
    await Deno.writeTextFile(`${base}/root/script`, "old");
    await Deno.chmod(`${base}/root/script`, 0o750);
    await writeAll(await ep.write("script"), text("new"));
    assert.equal((await Deno.stat(`${base}/root/script`)).mode! & 0o777, 0o750);
  });
});

Deno.test("local: reads and writes offer their direct side; an atomic one keeps its plan", async () => {
  await withTree(async (base, ep) => {
    await writeAll(await ep.write("a.txt"), text("hello"));
    // Read: the file straight into the caller's buffer; close() closes it.
    const stream = await ep.read("a.txt", { offset: 1 });
    const direct = takeDirectRead(stream);
    assert.ok(direct);
    assert.ok(stream.locked);
    // The size hint reaches the caller (the server sizes a small file's buffer by it).
    assert.equal(direct.expected, 4);
    assert.equal(takeDirectRead(stream), undefined);
    const buf = new Uint8Array(3);
    assert.equal(direct.readSync(buf), 3);
    assert.deepEqual(buf, text("ell"));
    assert.equal(direct.readSync(buf), 1);
    assert.ok(!direct.readSync(buf));
    await direct.close();
    // A limited read is a wrapper without the direct side.
    assert.equal(takeDirectRead(await ep.read("a.txt", { length: 2 })), undefined);

    // Write: the same as the stream's write(); close() still commits.
    const out = await ep.write("b.txt", { size: 4 });
    const sink = directWriteOf(out);
    assert.ok(sink);
    sink.writeSync(text("ab"));
    sink.writeSync(text("cd"));
    await out.close();
    assert.equal(await Deno.readTextFile(`${base}/root/b.txt`), "abcd");

    // Past the planned size: refused, and the abort that follows leaves no trace.
    const over = await ep.write("b.txt", { size: 1 });
    assert.throws(() => directWriteOf(over)!.writeSync(text("xy")), SizeMismatchError);
    await over.abort(new Error("failed"));
    assert.equal(await Deno.readTextFile(`${base}/root/b.txt`), "abcd");
    assert.deepEqual([...Deno.readDirSync(`${base}/root`)].map((e) => e.name).sort(), [
      "a.txt",
      "b.txt",
    ]);
  });
});

Deno.test("local: writeDirect writes as write() does, without the stream", async () => {
  await withTree(async (base, ep) => {
    const sink = await ep.writeDirect("b.txt", { size: 4 });
    sink.writeSync(text("ab"));
    sink.writeSync(text("cd"));
    // Atomic: the name shows the bytes only once closed.
    await assert.rejects(Deno.stat(`${base}/root/b.txt`), Deno.errors.NotFound);
    await sink.close();
    assert.equal(await Deno.readTextFile(`${base}/root/b.txt`), "abcd");
    // A partial of its own (atomic: false) is written in place; past the size it is refused.
    const over = await ep.writeDirect(".b.txt.ferry.part", { atomic: false, size: 1 });
    assert.throws(() => over.writeSync(text("xy")), SizeMismatchError);
    await over.abort(new Error("failed"));
    // An atomic write given up leaves no trace; the old file stays.
    const given = await ep.writeDirect("b.txt", { size: 9 });
    given.writeSync(text("xyz"));
    await given.abort(new Error("failed"));
    assert.equal(await Deno.readTextFile(`${base}/root/b.txt`), "abcd");
    assert.deepEqual([...Deno.readDirSync(`${base}/root`)].map((e) => e.name).sort(), [
      ".b.txt.ferry.part",
      "b.txt",
    ]);
  });
});

Deno.test("local: renameWithMtime renames with the exact time, onto an old file too", async () => {
  await withTree(async (base, ep) => {
    const at = new Date("2026-11-30T08:15:00.123Z");
    await Deno.writeTextFile(`${base}/root/.a.part`, "new");
    await Deno.writeTextFile(`${base}/root/a.txt`, "old");
    assert.equal(await ep.renameWithMtime(".a.part", "a.txt", at), true);
    assert.equal(await Deno.readTextFile(`${base}/root/a.txt`), "new");
    assert.equal((await Deno.lstat(`${base}/root/a.txt`)).mtime?.getTime(), at.getTime());
    await assert.rejects(Deno.lstat(`${base}/root/.a.part`), Deno.errors.NotFound);
    // Nothing to rename: the rename's NotFoundError, not a warning about the time.
    await assert.rejects(ep.renameWithMtime(".gone.part", "gone.txt", at), NotFoundError);
    // A link out of the root is renamed (as `rename` does) but its target's time is not set.
    await Deno.symlink(`${base}/outside/secret`, `${base}/root/link`);
    assert.equal(await ep.renameWithMtime("link", "b.txt", at), false);
    assert.equal((await Deno.lstat(`${base}/root/b.txt`)).isSymlink, true);
    assert.equal(
      (await Deno.lstat(`${base}/outside/secret`)).mtime?.getTime() === at.getTime(),
      false,
    );
  });
});

Deno.test("local: a partial's write and rename as an endpoint's first calls check the root first", async () => {
  await withTree(async (base, ep) => {
    // Each is the first call of a fresh endpoint: the root is not known yet.
    const sink = await ep.writeDirect(".c.part", { atomic: false, size: 2 });
    sink.writeSync(text("hi"));
    await sink.close();
    await new LocalEndpoint(`${base}/root`).rename(".c.part", "c.txt");
    assert.equal(await Deno.readTextFile(`${base}/root/c.txt`), "hi");
    const missing = new LocalEndpoint(`${base}/nowhere`);
    await assert.rejects(missing.rename("a", "b"), NotFoundError);
    await assert.rejects(missing.writeDirect(".a.part", { atomic: false }), NotFoundError);
    await assert.rejects(
      new LocalEndpoint(`${base}/root`).renameWithMtime(".gone.part", "gone.txt", new Date()),
      NotFoundError,
    );
  });
});

Deno.test("local: a read given the file's identity reads it; a link or file swapped in is checked", async () => {
  await withTree(async (base, ep) => {
    await Deno.writeTextFile(`${base}/root/a.txt`, "inside");
    await Deno.writeTextFile(`${base}/root/b.txt`, "other");
    const unique = (await ep.lstat("a.txt")).unique!;
    assert.equal(
      new TextDecoder().decode(await collect(await ep.read("a.txt", { unique }))),
      "inside",
    );
    assert.equal(
      new TextDecoder().decode(await collect(await ep.read("a.txt", { unique, offset: 2 }))),
      "side",
    );
    // Another file at the name: the guarded way reads what is there now.
    await Deno.rename(`${base}/root/b.txt`, `${base}/root/a.txt`);
    assert.equal(
      new TextDecoder().decode(await collect(await ep.read("a.txt", { unique }))),
      "other",
    );
    // A link out of the root swapped in after the caller's lstat is never read through.
    const linked = (await ep.lstat("a.txt")).unique!;
    await Deno.remove(`${base}/root/a.txt`);
    await Deno.symlink(`${base}/outside/secret`, `${base}/root/a.txt`);
    await assert.rejects(ep.read("a.txt", { unique: linked }), PermissionDeniedError);
  });
});

/** Everything a source without a stream gives, read into a small buffer. */
async function drain(source: ReadSource): Promise<string> {
  const buf = new Uint8Array(3);
  let text = "";
  for (let n; (n = await source.readInto(buf)) !== null;) {
    text += new TextDecoder().decode(buf.subarray(0, n));
  }
  return text;
}

Deno.test("local: readDirect reads as read() does, without the stream", async () => {
  await withTree(async (base, ep) => {
    await Deno.writeTextFile(`${base}/root/a.txt`, "inside");
    await Deno.writeTextFile(`${base}/root/b.txt`, "other");
    assert.equal(await drain(await ep.readDirect("a.txt")), "inside");
    assert.equal(await drain(await ep.readDirect("a.txt", { offset: 2 })), "side");
    // Synchronous reads too (the FTP server's downloads), and the size it expects.
    const sync = await ep.readDirect("a.txt", { offset: 4 });
    assert.equal(sync.expected, 2);
    const buf = new Uint8Array(8);
    assert.equal(sync.readSync!(buf), 2);
    assert.equal(sync.readSync!(buf), null);
    // Cancelled early: nothing more, the file closed.
    const cut = await ep.readDirect("a.txt");
    assert.equal(await cut.readInto(new Uint8Array(2)), 2);
    await cut.cancel();
    assert.equal(await cut.readInto(buf), null);
    await assert.rejects(ep.readDirect("."), IsADirectoryError);
    await assert.rejects(ep.readDirect("none.txt"), NotFoundError);
    const aborted = new AbortController();
    aborted.abort(new Error("stop"));
    await assert.rejects(ep.readDirect("a.txt", { signal: aborted.signal }), /stop/);
    // The file's identity, compared on the opened file: another file swapped in
    // is read as it is now; a link out of the root swapped in is never read through.
    const unique = (await ep.lstat("a.txt")).unique!;
    assert.equal(await drain(await ep.readDirect("a.txt", { unique, offset: 1 })), "nside");
    await Deno.rename(`${base}/root/b.txt`, `${base}/root/a.txt`);
    assert.equal(await drain(await ep.readDirect("a.txt", { unique })), "other");
    const linked = (await ep.lstat("a.txt")).unique!;
    await Deno.remove(`${base}/root/a.txt`);
    await Deno.symlink(`${base}/outside/secret`, `${base}/root/a.txt`);
    await assert.rejects(ep.readDirect("a.txt", { unique: linked }), PermissionDeniedError);
  });
});

Deno.test("local: a root that is a file, or missing, is named in the error", async () => {
  const base = await Deno.makeTempDir();
  try {
    await Deno.writeTextFile(`${base}/file`, "x");
    await assert.rejects(
      new LocalEndpoint(`${base}/file`).list(""),
      (e: unknown) =>
        e instanceof NotADirectoryError &&
        e.message === `endpoint root is not a directory: ${base}/file`,
    );
    await assert.rejects(
      new LocalEndpoint(`${base}/missing`).list(""),
      (e: unknown) =>
        e instanceof NotFoundError && e.message === `endpoint root does not exist: ${base}/missing`,
    );
  } finally {
    await Deno.remove(base, { recursive: true });
  }
});
