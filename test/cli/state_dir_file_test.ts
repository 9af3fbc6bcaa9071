/**
 * `ferry sync --state-dir FILE` (a path that is a file): a usage error naming
 * the path and saying it must be a directory, exit 2, nothing done. Before:
 * the job failed with Deno's bare `File exists (os error 17): mkdir '...'`, exit 1.
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import { ferry } from "./helpers.ts";

Deno.test("sync --state-dir naming a file: exit 2 naming the path", async () => {
  const dir = await Deno.makeTempDir({ prefix: "ferry-state-dir-file-" });
  try {
    await Deno.mkdir(join(dir, "a"));
    await Deno.mkdir(join(dir, "b"));
    await Deno.writeTextFile(join(dir, "a", "x.txt"), "x");
    await Deno.writeTextFile(join(dir, "state"), "not a directory");
    for (const extra of [[], ["-v"]]) {
      const run = await ferry(["sync", ...extra, "a", "b", "--state-dir", "state"], { cwd: dir });
      const out = run.stdout + run.stderr;
      assert.equal(run.code, 2, out);
      assert.match(run.stderr, /--state-dir.*state.*not a directory.*must be a directory/, out);
      assert.doesNotMatch(out, /os error/, out);
    }
    assert.deepEqual([...Deno.readDirSync(join(dir, "b"))], [], "nothing synced");
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
