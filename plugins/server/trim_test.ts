import assert from "node:assert/strict";
import { glibcTrim, MemoryTrimmer, ReleaseGate, serverTrim, v8Release } from "./trim.ts";

Deno.test("MemoryTrimmer: trims once after a quiet period, never while a transfer runs, never after stop", async () => {
  let busy = false;
  let asked: (() => void) | undefined;
  let trimmed: (() => void) | undefined;
  const trimmer = new MemoryTrimmer(
    () => {
      asked?.();
      return busy;
    },
    5,
    () => trimmed?.(),
  );
  // Quiet: one trim.
  await new Promise<void>((r) => {
    trimmed = r;
    trimmer.poke();
  });
  assert.equal(trimmer.runs, 1);
  // A transfer is running when the wait ends: no trim.
  busy = true;
  await new Promise<void>((r) => {
    asked = r;
    trimmer.poke();
  });
  assert.equal(trimmer.runs, 1);
  // Pokes while waiting start the wait again: one trim for many pokes.
  busy = false;
  asked = undefined;
  await new Promise<void>((r) => {
    trimmed = r;
    for (let i = 0; i < 10; i++) trimmer.poke();
  });
  assert.equal(trimmer.runs, 2);
  trimmer.stop();
  trimmer.poke();
  assert.equal(trimmer.runs, 2);
});

Deno.test("MemoryTrimmer: no trim function (not Linux, FFI not allowed) makes pokes no-ops", () => {
  const trimmer = new MemoryTrimmer(() => false, 5, "FFI not allowed (--allow-ffi)");
  trimmer.poke(); // no timer is left behind (the test sanitizer would say so)
  assert.equal(trimmer.runs, 0);
});

Deno.test("glibcTrim: malloc_trim through FFI on Linux with FFI allowed", () => {
  const t = glibcTrim();
  if (Deno.build.os !== "linux") {
    assert.equal(typeof t, "string");
    return;
  }
  assert.equal(typeof t, "function", String(t));
  (t as () => void)();
});

Deno.test("serverTrim: V8's release only while no session is open, malloc_trim each time", () => {
  const calls: string[] = [];
  let idle = false;
  const t = serverTrim(() => calls.push("trim"), () => calls.push("gc"), () => idle);
  assert.equal(typeof t, "function");
  (t as () => void)();
  idle = true;
  (t as () => void)();
  assert.deepEqual(calls, ["trim", "gc", "trim"]);
  // No gc exposed: the trim alone; no trim either: why, as before.
  const trim = () => {};
  assert.equal(serverTrim(trim, undefined, () => true), trim);
  assert.equal(serverTrim("not Linux", undefined, () => true), "not Linux");
  assert.equal(typeof serverTrim("not Linux", () => calls.push("gc"), () => true), "function");
});

Deno.test("ReleaseGate: V8's release when no session is open, or once after connections came", () => {
  let open = 0;
  const gate = new ReleaseGate(() => open);
  assert.equal(gate.due(), true);
  open = 300;
  assert.equal(gate.due(), false); // between transfers of open sessions: malloc_trim alone
  gate.arrived();
  gate.arrived();
  assert.equal(gate.due(), true); // after a burst of logins, with their sessions open
  assert.equal(gate.due(), false); // used up
  open = 0;
  assert.equal(gate.due(), true);
});

Deno.test("v8Release: a last-resort collection where gc is exposed, else nothing", () => {
  const g = globalThis as { gc?: unknown };
  const had = g.gc;
  try {
    const seen: unknown[] = [];
    g.gc = (o: unknown) => seen.push(o);
    v8Release()!();
    assert.deepEqual(seen, [{ type: "major", execution: "sync", flavor: "last-resort" }]);
    g.gc = undefined;
    assert.equal(v8Release(), undefined);
  } finally {
    g.gc = had;
  }
});
