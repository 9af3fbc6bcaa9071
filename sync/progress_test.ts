import assert from "node:assert/strict";
import { type ProgressEvent, ProgressTracker } from "./progress.ts";

Deno.test("progress: file-progress events at most every progressEveryMs, a file's last always, totals exact", () => {
  let clock = 0;
  const events: ProgressEvent[] = [];
  let done = 0;
  const p = new ProgressTracker((e, t) => {
    events.push(e);
    done = t.bytesDone;
  }, { progressEveryMs: 100, now: () => clock });
  p.plan(1, 400, 0);
  p.start("a", 400, "transfer");
  for (const [at, bytes] of [[0, 100], [50, 200], [120, 300], [130, 400]]) {
    clock = at;
    p.bytes("a", bytes, 400);
  }
  assert.deepEqual(
    events.filter((e) => e.type === "file-progress").map((e) => "bytes" in e && e.bytes),
    [100, 300, 400],
  );
  assert.equal(p.totals.bytesDone, 400);
  assert.equal(done, 400);
});

Deno.test("progress: held events are delivered after the plan, in order, with its totals", () => {
  const seen: string[] = [];
  const p = new ProgressTracker((e, t) => seen.push(`${e.type} ${t.filesTotal} ${t.filesDone}`));
  p.hold();
  p.start("a", 1, "transfer");
  p.end("a", "transfer");
  assert.deepEqual(seen, []);
  p.plan(2, 2, 0);
  p.start("b", 1, "transfer");
  assert.deepEqual(seen, ["plan 2 1", "file-start 2 0", "file-end 2 1", "file-start 2 1"]);
});
