/**
 * `ferry mirror --backup-dir` on a local target: an absolute directory is used
 * as given (not re-rooted below the target's parent), a relative one is taken
 * from the working directory, like any local path on the command line.
 * @module
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import { ferry } from "./helpers.ts";

Deno.test("mirror --backup-dir: an absolute path is used as given, a relative one from the cwd", async () => {
  const dir = await Deno.makeTempDir({ prefix: "ferry-backup-dir-" });
  const elsewhere = await Deno.makeTempDir({ prefix: "ferry-backups-" });
  try {
    await Deno.mkdir(join(dir, "work/src"), { recursive: true });
    await Deno.mkdir(join(dir, "work/out"), { recursive: true });
    await Deno.writeTextFile(join(dir, "work/src/keep.txt"), "new");
    await Deno.writeTextFile(join(dir, "work/out/keep.txt"), "old version");
    await Deno.writeTextFile(join(dir, "work/out/gone.txt"), "extra");
    const abs = join(elsewhere, "bk");
    const r = await ferry(["mirror", "work/src", "work/out", "--delete", "--backup-dir", abs], {
      cwd: dir,
    });
    assert.equal(r.code, 0, r.stderr);
    assert.equal(await Deno.readTextFile(join(abs, "keep.txt")), "old version");
    assert.equal(await Deno.readTextFile(join(abs, "gone.txt")), "extra");
    await assert.rejects(Deno.stat(join(dir, "work", abs)), "nothing below the target's parent");
    assert.equal(await Deno.readTextFile(join(dir, "work/out/keep.txt")), "new");

    // Relative: from the working directory, not from the target's parent.
    await Deno.writeTextFile(join(dir, "work/out/late.txt"), "late");
    const rel = await ferry(
      ["mirror", "src", "out", "--delete", "--backup-dir", "../kept"],
      { cwd: join(dir, "work") },
    );
    assert.equal(rel.code, 0, rel.stderr);
    assert.equal(await Deno.readTextFile(join(dir, "kept/late.txt")), "late");
  } finally {
    await Deno.remove(dir, { recursive: true });
    await Deno.remove(elsewhere, { recursive: true });
  }
});
