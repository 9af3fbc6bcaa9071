import assert from "node:assert/strict";
import { emptyCounts, type WorkflowReport } from "../workflow/report.ts";
import { runEndRecord } from "./run_end.ts";

const report: WorkflowReport = {
  workflow: "nightly",
  dryRun: false,
  status: "failed",
  startedAt: "2026-12-04T03:15:00.000Z",
  finishedAt: "2026-12-04T03:15:02.000Z",
  durationMs: 2000,
  totals: { ...emptyCounts(), filesTransferred: 3 },
  jobs: [
    {
      job: "pull",
      kind: "mirror",
      status: "failed",
      durationMs: 1500,
      attempts: 2,
      counts: { ...emptyCounts(), filesTransferred: 3 },
      errors: ["big.iso: 451 local error"],
      details: { huge: true },
    },
  ],
};

Deno.test("runEndRecord: the report's names, the exit code and every problem", () => {
  const r = runEndRecord(report, 1, []);
  assert.deepEqual(r, {
    type: "run-end",
    workflow: "nightly",
    status: "failed",
    exitCode: 1,
    startedAt: "2026-12-04T03:15:00.000Z",
    finishedAt: "2026-12-04T03:15:02.000Z",
    durationMs: 2000,
    dryRun: false,
    totals: report.totals,
    jobs: [{
      job: "pull",
      kind: "mirror",
      status: "failed",
      durationMs: 1500,
      counts: report.jobs[0].counts,
      errors: ["big.iso: 451 local error"],
    }],
    problems: ["pull: big.iso: 451 local error"],
  });
  assert.equal(runEndRecord(report, 143, []).status, "interrupted");
});

Deno.test("runEndRecord: a command that ran nothing", () => {
  const started = new Date("2026-12-04T00:00:00Z");
  const r = runEndRecord(undefined, 2, ["unknown job x"], new Date(started.getTime() + 5), started);
  assert.deepEqual([r.workflow, r.status, r.exitCode, r.durationMs, r.problems, r.jobs], [
    null,
    "failed",
    2,
    5,
    ["unknown job x"],
    [],
  ]);
});
