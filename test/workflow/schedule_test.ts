import assert from "node:assert/strict";
import { join } from "node:path";
import { UsageError, WorkflowInvalidError } from "../../workflow/errors.ts";
import type { WorkflowReport } from "../../workflow/report.ts";
import {
  normalizeSchedule,
  scheduleWorkflows,
  type TimerFactory,
} from "../../workflow/schedule.ts";
import type { WorkflowConfig } from "../../workflow/types.ts";
import { coreRegistry, fill, freshName } from "./helpers.ts";

/** Timers fired by the test, not the clock. */
function fakeTimers() {
  const fired: { expression: string; fire: () => void; stopped: boolean }[] = [];
  const factory: TimerFactory = (expression, _tz, fire) => {
    const t = { expression, fire, stopped: false };
    fired.push(t);
    return { nextRun: () => new Date("2030-01-01T00:00:00Z"), stop: () => (t.stopped = true) };
  };
  return { fired, factory };
}

Deno.test("normalizeSchedule accepts the three forms", () => {
  const c = (schedule: unknown) =>
    normalizeSchedule({ version: 1, jobs: {}, schedule } as WorkflowConfig);
  assert.deepEqual(c("0 * * * *"), { crons: ["0 * * * *"] });
  assert.deepEqual(c(["0 1 * * *", "0 2 * * *"]), { crons: ["0 1 * * *", "0 2 * * *"] });
  assert.deepEqual(c({ cron: "0 3 * * *", timezone: "UTC", jobs: ["a"] }), {
    crons: ["0 3 * * *"],
    timezone: "UTC",
    jobs: ["a"],
  });
  assert.equal(c(undefined), undefined);
});

Deno.test("scheduled runs happen per tick, never overlap, and stop on abort", async () => {
  const dir = await Deno.makeTempDir({ prefix: "ferry-sched-" });
  try {
    const src = freshName("s");
    await fill(src, { "a.txt": "a" });
    const file = join(dir, "flow.yaml");
    await Deno.writeTextFile(
      file,
      `version: 1
schedule: ["*/5 * * * *", "0 3 * * *"]
endpoints: { src: { url: "memory://${src}" }, out: { url: ./out } }
jobs: { pull: { mirror: { from: "src:/", to: "out:/" } } }
`,
    );
    const { fired, factory } = fakeTimers();
    const stop = new AbortController();
    const reports: WorkflowReport[] = [];
    let resolveFirst!: () => void;
    const first = new Promise<void>((r) => (resolveFirst = r));
    const done = scheduleWorkflows([file], {
      load: { registry: coreRegistry() },
      signal: stop.signal,
      timer: factory,
      onReport: (_f, r) => {
        reports.push(r);
        resolveFirst();
      },
    });
    // Wait until the timers exist (loading is async), without sleeping.
    for (let i = 0; fired.length < 2 && i < 10_000; i++) await new Promise((r) => setTimeout(r, 0));
    assert.deepEqual(fired.map((f) => f.expression), ["*/5 * * * *", "0 3 * * *"]);
    fired[0].fire();
    fired[1].fire(); // overlaps the first: skipped
    await first;
    assert.equal(reports.length, 1);
    assert.equal(reports[0].status, "ok");
    assert.equal(await Deno.readTextFile(join(dir, "out/a.txt")), "a");
    stop.abort();
    await done;
    assert.ok(fired.every((f) => f.stopped));
    assert.equal(reports.length, 1);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("a file without schedule or an invalid file is refused at start", async () => {
  const dir = await Deno.makeTempDir({ prefix: "ferry-sched-" });
  try {
    const none = join(dir, "none.yaml");
    await Deno.writeTextFile(none, "version: 1\njobs: {}\n");
    const bad = join(dir, "bad.yaml");
    await Deno.writeTextFile(bad, 'version: 1\nschedule: "99 * * * *"\njobs: {}\n');
    const opts = {
      load: { registry: coreRegistry() },
      signal: new AbortController().signal,
      timer: fakeTimers().factory,
    };
    await assert.rejects(scheduleWorkflows([none], opts), UsageError);
    await assert.rejects(scheduleWorkflows([bad], opts), WorkflowInvalidError);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
