/**
 * A workflow's `state:` naming a file: the sync job's error names the path and
 * says it must be a directory. Before: Deno's bare `File exists (os error 17):
 * mkdir '...'`.
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import { ferry } from "./helpers.ts";

Deno.test("run: a workflow whose state: is a file says so, naming it", async () => {
  const dir = await Deno.makeTempDir({ prefix: "ferry-state-dir-wf-" });
  try {
    await Deno.mkdir(join(dir, "a"));
    await Deno.mkdir(join(dir, "b"));
    await Deno.writeTextFile(join(dir, "a", "x.txt"), "x");
    await Deno.writeTextFile(join(dir, "st"), "not a directory");
    await Deno.writeTextFile(
      join(dir, "w.yaml"),
      `version: 1
state: ./st
endpoints:
  here: { url: ./ }
jobs:
  s: { sync: { a: here:/a, b: here:/b } }
`,
    );
    const run = await ferry(["run", "w.yaml"], { cwd: dir });
    const out = run.stdout + run.stderr;
    assert.equal(run.code, 1, out);
    assert.match(out, /state directory \S*st: not a directory .*must be a directory/, out);
    assert.doesNotMatch(out, /os error/, out);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
