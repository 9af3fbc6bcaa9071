import assert from "node:assert/strict";
import { count, type JobView, renderJobs } from "./screen.ts";

const MiB = 1 << 20;
const view = (inFlight: number): JobView => ({
  job: "pull",
  started: 0,
  filesDone: 1200,
  filesTotal: 2000,
  bytesDone: 100 * MiB,
  bytesTotal: 400 * MiB,
  deletesDone: 0,
  deletesTotal: 0,
  inFlight: Array.from({ length: inFlight }, (_, i) => ({
    path: `releases/2026/file-${i}.iso`,
    bytes: 5 * MiB,
    size: 10 * MiB,
  })),
});

Deno.test("renderJobs: whole-job totals, rate and ETA, the files in flight, the terminal's width", () => {
  const lines = renderJobs([view(3)], 120, 10, 10_000);
  assert.match(
    lines[0],
    /^pull \[#+-+\] 25% 1,200\/2,000 files 100\.0 MiB\/400\.0 MiB 10\.0 MiB\/s ETA 30\.0 s$/,
  );
  assert.ok(lines[0].length > 80 && lines[0].length <= 119, `${lines[0].length} columns`);
  assert.deepEqual(lines.slice(1), [
    "  releases/2026/file-0.iso 50% 5.0 MiB/10.0 MiB",
    "  releases/2026/file-1.iso 50% 5.0 MiB/10.0 MiB",
    "  releases/2026/file-2.iso 50% 5.0 MiB/10.0 MiB",
  ]);
  for (const l of renderJobs([view(3)], 40, 10, 10_000)) assert.ok(l.length <= 39, l);
});

Deno.test("renderJobs: as many in-flight lines as fit, then a count of the rest", () => {
  const lines = renderJobs([view(8), { ...view(2), job: "push" }], 100, 6, 10_000);
  assert.equal(lines.length, 6);
  assert.match(lines[0], /^pull /);
  assert.equal(lines[4], "  ... and 5 more in flight");
  assert.match(lines[5], /^push /, "every job keeps its line");
  assert.equal(count(2000), "2,000");
});
