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
