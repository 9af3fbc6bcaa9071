import assert from "node:assert/strict";
import { deadline } from "./timers.ts";

Deno.test("deadline: fires once, after the time; a cancelled one never does", async () => {
  // A deadline bounds something that keeps the process alive: here a pending accept.
  const listener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const accepting = listener.accept().catch(() => undefined);
  const fired: string[] = [];
  const cancel = deadline(5, () => fired.push("cancelled"));
  cancel();
  cancel(); // twice is fine
  await new Promise<void>((resolve) => deadline(1, () => (fired.push("first"), resolve())));
  await new Promise<void>((resolve) => deadline(30, () => (fired.push("later"), resolve())));
  assert.deepEqual(fired, ["first", "later"]);
  let zero = 0;
  deadline(0, () => zero++);
  assert.equal(zero, 0, "not synchronously");
  await Promise.resolve();
  assert.equal(zero, 1);
  listener.close();
  await accepting;
});

Deno.test("deadline: many at once fire in their order; cancelling the earliest re-arms none early", async () => {
  const listener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const accepting = listener.accept().catch(() => undefined);
  const fired: number[] = [];
  const done = Promise.withResolvers<void>();
  const cancelFirst = deadline(2, () => fired.push(2));
  deadline(20, () => fired.push(20));
  deadline(8, () => fired.push(8));
  const cancelled = deadline(5, () => fired.push(5));
  // Added from a firing one: due at 31 ms or later, after the 20.
  deadline(1, () => deadline(30, () => (fired.push(31), done.resolve())));
  cancelFirst();
  cancelled();
  await done.promise;
  assert.deepEqual(fired, [8, 20, 31]);
  // All cancelled: the next one still arms and fires.
  deadline(30_000, () => fired.push(-1))();
  await new Promise<void>((resolve) => deadline(1, resolve));
  assert.deepEqual(fired, [8, 20, 31]);
  // The wait left armed by a cancelled earlier deadline wakes with nothing due and
  // arms for the later one: it fires once, at its own time, not at the earlier's.
  deadline(3, () => fired.push(-3))();
  const start = performance.now();
  await new Promise<void>((resolve) => deadline(15, () => (fired.push(15), resolve())));
  assert.ok(performance.now() - start >= 14, "not before its time (1 ms of slack)");
  assert.deepEqual(fired, [8, 20, 31, 15]);
  listener.close();
  await accepting;
});

Deno.test("deadline: does not keep the process alive", async () => {
  const module = new URL("./timers.ts", import.meta.url).href;
  const code = `import { deadline } from ${JSON.stringify(module)};
deadline(60_000, () => console.log("fired"));
console.log("done");`;
  const out = await new Deno.Command(Deno.execPath(), {
    args: ["eval", code],
    stdout: "piped",
    stderr: "piped",
  }).output();
  assert.equal(out.code, 0, new TextDecoder().decode(out.stderr));
  assert.equal(new TextDecoder().decode(out.stdout), "done\n");
});
