/**
 * Every run ends with a `run-end` record in machine-readable logs: on stderr
 * with `--log-format json` (even with -q), in the `--log-file` file, never as
 * a text line on the console.
 * @module
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import { ferry } from "./helpers.ts";

function runEnds(ndjson: string) {
  return ndjson.trim().split("\n").filter((l) => l.startsWith("{")).map((l) => JSON.parse(l))
    .filter((r) => r.type === "run-end");
}

Deno.test("run-end: status, totals, jobs, exit code and problems in JSON logs and log files", async () => {
  const dir = await Deno.makeTempDir({ prefix: "ferry-run-end-" });
  try {
    await Deno.mkdir(join(dir, "src"));
    await Deno.writeTextFile(join(dir, "src/a.txt"), "alpha");
    const ok = await ferry(["mirror", "src", "dst", "--log-format", "json", "-q"], { cwd: dir });
    assert.equal(ok.code, 0, ok.stderr);
    const [end] = runEnds(ok.stderr);
    assert.equal(end.category, "ferry.run-end");
    assert.deepEqual(
      [end.workflow, end.status, end.exitCode, end.totals.filesTransferred, end.problems],
      ["mirror", "ok", 0, 1, []],
    );
    assert.deepEqual(end.jobs.map((j: { job: string; status: string }) => [j.job, j.status]), [
      ["mirror", "ok"],
    ]);
    assert.ok(end.durationMs >= 0 && end.startedAt && end.finishedAt);

    const log = join(dir, "ferry.log");
    const bad = await ferry(["mirror", "nosuch", "dst", "--log-file", log], { cwd: dir });
    assert.equal(bad.code, 1);
    // (The temp dir's name has "run-end" in it, and the error names the path.)
    assert.doesNotMatch(bad.stderr, /^[A-Z]{3} run-end/m, "no text line on the console");
    const [failed] = runEnds(await Deno.readTextFile(log));
    assert.deepEqual([failed.status, failed.exitCode, failed.level], ["failed", 1, "error"]);
    assert.match(failed.problems[0], /^mirror: source listing: no such file/);

    // A command that fails before any run still ends with one.
    const usage = await ferry(["run", join(dir, "missing.yaml"), "--log-file", log], { cwd: dir });
    assert.equal(usage.code, 2, usage.stderr);
    const last = runEnds(await Deno.readTextFile(log)).at(-1);
    assert.deepEqual([last.workflow, last.status, last.exitCode], [null, "failed", 2]);
    assert.equal(last.problems.length, 1);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("run-end: a walk that prints its listing still ends with its run's record", async () => {
  const dir = await Deno.makeTempDir({ prefix: "ferry-run-end-" });
  try {
    await Deno.mkdir(join(dir, "src"));
    await Deno.writeTextFile(join(dir, "src/a.txt"), "alpha");
    const walk = await ferry(["walk", "src", "-f", "ndjson", "--log-format", "json"], { cwd: dir });
    assert.equal(walk.code, 0, walk.stderr);
    assert.match(walk.stdout, /"path":"a\.txt"/);
    const ends = runEnds(walk.stderr);
    assert.equal(ends.length, 1, walk.stderr);
    assert.deepEqual([ends[0].workflow, ends[0].status, ends[0].exitCode], ["walk", "ok", 0]);
    assert.deepEqual(ends[0].jobs.map((j: { job: string }) => j.job), ["walk"]);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
