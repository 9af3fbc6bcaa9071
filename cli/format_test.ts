import assert from "node:assert/strict";
import { ellipsize, formatBytes, formatDuration, formatRate, table } from "./format.ts";
import { summarize } from "./summary.ts";
import { lsLines } from "./commands/ls.ts";
import { sampleContent, sampleFiles } from "./demo_tree.ts";
import { emptyCounts, type WorkflowReport } from "../workflow/report.ts";

Deno.test("formatters", () => {
  assert.equal(formatBytes(12), "12 B");
  assert.equal(formatBytes(1536), "1.5 KiB");
  assert.equal(formatDuration(250), "250 ms");
  assert.equal(formatDuration(125_000), "2m05s");
  assert.equal(formatRate(2048, 1000), "2.0 KiB/s");
  assert.deepEqual(table([["a", "bb"], ["ccc", "d"]]), ["a    bb", "ccc  d"]);
  assert.equal(ellipsize("abcdef", 4), "…def");
});

Deno.test("ls lines", () => {
  const lines = lsLines([
    { name: "a", type: "file", size: 3, mtime: new Date("2026-01-02T03:04:05Z"), precision: 1000 },
    { name: "l", type: "symlink", size: 1, target: "a", precision: Infinity },
  ]);
  assert.deepEqual(lines, ["-  3  2026-01-02 03:04:05Z  a", "l  1  -                     l -> a"]);
});

Deno.test("the summary lists jobs, errors, and plans of dry runs", () => {
  const report: WorkflowReport = {
    workflow: "w",
    dryRun: true,
    status: "failed",
    startedAt: "",
    finishedAt: "",
    durationMs: 1200,
    totals: emptyCounts(),
    jobs: [
      {
        job: "a",
        kind: "mirror",
        status: "failed",
        durationMs: 5,
        attempts: 1,
        counts: emptyCounts(),
        errors: ["x.txt: boom"],
        plan: [
          { op: "transfer", path: "x.txt", size: 3, reason: "missing" },
          { op: "skip", path: "y.txt", reason: "same size+mtime" },
        ],
      },
      {
        job: "b",
        kind: "walk",
        status: "skipped",
        reason: "needs a, which failed",
        durationMs: 0,
        attempts: 0,
        counts: emptyCounts(),
        errors: [],
      },
    ],
  };
  const text = summarize(report).join("\n");
  assert.match(text, /^workflow w: failed in 1\.2 s \(dry run/);
  assert.match(text, /a: 1 error\(s\)\n {4}x\.txt: boom/);
  assert.match(text, /transfer x\.txt \(missing, 3 bytes\)/);
  assert.doesNotMatch(text, /skip y\.txt/);
  assert.match(summarize(report, { verbose: true }).join("\n"), /skip y\.txt/);
  assert.match(text, /b: skipped: needs a, which failed/);
});

Deno.test("demo sample files are deterministic and exactly sized", () => {
  const files = sampleFiles();
  assert.equal(files.length, 26);
  for (const f of files.slice(0, 5)) assert.equal(sampleContent(f).length, f.size);
});
