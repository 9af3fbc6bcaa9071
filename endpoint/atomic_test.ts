import assert from "node:assert/strict";
import {
  isTempName,
  openPlannedDirect,
  openPlannedWrite,
  partialName,
  planWrite,
  tempName,
} from "./atomic.ts";
import { InvalidPathError, SizeMismatchError, UnsupportedError } from "./errors.ts";
import { routeLogs } from "../util/log.ts";

Deno.test("atomic: temporary and partial names", () => {
  assert.equal(tempName("dir/file.txt", "k3x9"), "dir/.file.txt.ferry-k3x9.part");
  assert.match(tempName("f"), /^\.f\.ferry-[0-9a-z]{6}\.part$/);
  assert.equal(partialName("dir/file.txt"), "dir/.file.txt.ferry.part");
  assert.ok(isTempName(".file.txt.ferry-k3x9.part"));
  assert.ok(isTempName(".file.txt.ferry.part"));
  assert.ok(!isTempName("file.txt"));
  assert.ok(!isTempName(".file.txt.part"));
});

Deno.test("atomic: planWrite decides where bytes go", () => {
  assert.deepEqual(planWrite("/a/f", {}, "r"), {
    target: "a/f",
    writeTo: "a/.f.ferry-r.part",
    offset: 0,
    rename: true,
    keepOnFailure: false,
    size: undefined,
    mtime: undefined,
  });
  const resumed = planWrite("a/f", { offset: 10 });
  assert.equal(resumed.writeTo, "a/.f.ferry.part");
  assert.equal(resumed.keepOnFailure, true);
  assert.equal(planWrite("a/f", { resumable: true }).writeTo, "a/.f.ferry.part");
  const direct = planWrite("a/f", { atomic: false, offset: 3, resumable: true });
  assert.equal(direct.writeTo, "a/f");
  assert.equal(direct.rename, false);
  assert.equal(direct.keepOnFailure, false);
  assert.throws(() => planWrite("", {}), InvalidPathError);
  assert.throws(() => planWrite("f", { offset: -1 }), InvalidPathError);
  assert.throws(() => planWrite("../f", {}), InvalidPathError);
});

Deno.test("atomic: the stream commits on close and cleans up on size mismatch", async () => {
  const calls: string[] = [];
  const hooks = {
    open: (name: string, offset: number) => {
      calls.push(`open ${name} ${offset}`);
      return Promise.resolve({
        write: (c: Uint8Array) => (calls.push(`write ${c.byteLength}`), Promise.resolve()),
        close: () => (calls.push("close"), Promise.resolve()),
        abort: () => (calls.push("abort"), Promise.resolve()),
      });
    },
    rename: (from: string, to: string) => (calls.push(`rename ${from} ${to}`), Promise.resolve()),
    remove: (name: string) => (calls.push(`remove ${name}`), Promise.resolve()),
    setMtime: (path: string) => (calls.push(`mtime ${path}`), Promise.resolve()),
  };
  const ok = await openPlannedWrite(planWrite("f", { size: 2, mtime: new Date(0) }, "r"), hooks);
  await ReadableStream.from([new Uint8Array(2)]).pipeTo(ok);
  assert.deepEqual(calls, [
    "open .f.ferry-r.part 0",
    "write 2",
    "close",
    "rename .f.ferry-r.part f",
    "mtime f",
  ]);
  calls.length = 0;
  const bad = await openPlannedWrite(planWrite("f", { offset: 1, size: 5 }), hooks);
  await assert.rejects(ReadableStream.from([new Uint8Array(2)]).pipeTo(bad), SizeMismatchError);
  // A partial with wrong data is no use for resuming: it goes too.
  assert.deepEqual(calls, [
    "open .f.ferry.part 1",
    "write 2",
    "abort",
    "remove .f.ferry.part",
  ]);
});

Deno.test("atomic: the direct sink keeps the stream's plan: commit, size checks, abort, signal", async () => {
  const calls: string[] = [];
  const hooks = (sync = true) => ({
    open: (name: string, offset: number) => {
      calls.push(`open ${name} ${offset}`);
      return Promise.resolve({
        write: () => Promise.reject(new Error("not used")),
        ...(sync ? { writeSync: (c: Uint8Array) => void calls.push(`write ${c.byteLength}`) } : {}),
        close: () => (calls.push("close"), Promise.resolve()),
        abort: () => (calls.push("abort"), Promise.resolve()),
      });
    },
    rename: (from: string, to: string) => (calls.push(`rename ${from} ${to}`), Promise.resolve()),
    remove: (name: string) => (calls.push(`remove ${name}`), Promise.resolve()),
    setMtime: (path: string) => (calls.push(`mtime ${path}`), Promise.resolve()),
  });
  const ok = await openPlannedDirect(planWrite("f", { size: 2, mtime: new Date(0) }, "r"), hooks());
  ok.writeSync(new Uint8Array(1));
  ok.writeSync(new Uint8Array(1));
  await ok.close();
  assert.deepEqual(calls, [
    "open .f.ferry-r.part 0",
    "write 1",
    "write 1",
    "close",
    "rename .f.ferry-r.part f",
    "mtime f",
  ]);
  // Past the size: refused at once; the partial goes (its data is wrong), abort() waits for it.
  calls.length = 0;
  const over = await openPlannedDirect(planWrite("f", { offset: 1, size: 2 }), hooks());
  assert.throws(() => over.writeSync(new Uint8Array(2)), SizeMismatchError);
  await over.abort(new Error("given up"));
  assert.deepEqual(calls, ["open .f.ferry.part 1", "abort", "remove .f.ferry.part"]);
  // Short at close: the same.
  calls.length = 0;
  const short = await openPlannedDirect(planWrite("f", { size: 3 }, "s"), hooks());
  short.writeSync(new Uint8Array(1));
  await assert.rejects(short.close(), SizeMismatchError);
  assert.deepEqual(calls, [
    "open .f.ferry-s.part 0",
    "write 1",
    "abort",
    "remove .f.ferry-s.part",
  ]);
  // An abort keeps a resumable partial; the signal aborts as abort() does, and later writes fail.
  calls.length = 0;
  const controller = new AbortController();
  const kept = await openPlannedDirect(
    planWrite("f", { resumable: true }),
    hooks(),
    controller.signal,
  );
  kept.writeSync(new Uint8Array(1));
  controller.abort(new Error("stop"));
  assert.throws(() => kept.writeSync(new Uint8Array(1)), /stop/);
  await kept.abort(new Error("stop"));
  assert.deepEqual(calls, ["open .f.ferry.part 0", "write 1", "abort"]);
  // A sink that cannot write synchronously is refused, and given up.
  calls.length = 0;
  await assert.rejects(openPlannedDirect(planWrite("f", {}, "t"), hooks(false)), TypeError);
  assert.deepEqual(calls, ["open .f.ferry-t.part 0", "abort", "remove .f.ferry-t.part"]);
});

Deno.test("atomic: a time that does not stick is no failed write; the caller hears it", async () => {
  const renamed: string[] = [];
  const refusal = new Error("550 MFMT: Operation not permitted");
  const hooks = (setMtime?: () => Promise<void>) => ({
    open: () =>
      Promise.resolve({
        write: () => Promise.resolve(),
        writeSync: () => {},
        close: () => Promise.resolve(),
        abort: () => Promise.resolve(),
      }),
    rename: (_from: string, to: string) => (renamed.push(to), Promise.resolve()),
    remove: () => Promise.resolve(),
    ...(setMtime ? { setMtime } : {}),
    url: "ftp://h/",
  });
  const warnings: unknown[] = [];
  routeLogs({
    enabled: (_c, level) => level === "warning",
    write: (r) => warnings.push(r.properties.path),
  });
  try {
    const heard: unknown[] = [];
    const options = { mtime: new Date(0), onMtimeNotSet: (e: unknown) => heard.push(e) };
    // Refused: the bytes are in place, so close resolves; a warning, and the caller is told.
    const stream = await openPlannedWrite(
      planWrite("f", options),
      hooks(() => Promise.reject(refusal)),
    );
    await ReadableStream.from([new Uint8Array(2)]).pipeTo(stream);
    const direct = await openPlannedDirect(
      planWrite("g", options),
      hooks(() => Promise.reject(refusal)),
    );
    direct.writeSync(new Uint8Array(2));
    await direct.close();
    assert.deepEqual(renamed, ["f", "g"]);
    assert.deepEqual(heard, [refusal, refusal]);
    assert.deepEqual(warnings, ["f", "g"]);
    // A backend that cannot set times at all: told, not logged (its capabilities say so).
    heard.length = 0;
    await ReadableStream.from([new Uint8Array(2)]).pipeTo(
      await openPlannedWrite(planWrite("h", options), hooks()),
    );
    assert.equal(heard.length, 1);
    assert.ok(heard[0] instanceof UnsupportedError && /ftp:\/\/h\//.test(heard[0].message));
    assert.deepEqual(warnings, ["f", "g"]);
    // Set: nothing heard.
    heard.length = 0;
    await ReadableStream.from([new Uint8Array(2)]).pipeTo(
      await openPlannedWrite(planWrite("i", options), hooks(() => Promise.resolve())),
    );
    assert.deepEqual(heard, []);
  } finally {
    routeLogs(undefined);
  }
});
