/**
 * A dry run says the same hold of deletions as the real run, and exits as it
 * would (rclone's --dry-run reports the same errors). Before: `mirror --delete
 * --dry-run` (and `sync --dry-run`, `run --dry-run`) whose deletions would be
 * held back (more than --max-delete, or a source that lists nothing) said ok
 * and exited 0, while the real run held them and exited 1.
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import { ferry } from "./helpers.ts";

Deno.test("a dry run whose deletions would be held back says so and exits 1", async () => {
  const dir = await Deno.makeTempDir({ prefix: "ferry-dry-hold-" });
  try {
    await Deno.mkdir(join(dir, "src"));
    await Deno.mkdir(join(dir, "sa"));
    await Deno.mkdir(join(dir, "sb"));
    await Deno.mkdir(join(dir, "dst"));
    await Deno.writeTextFile(join(dir, "src", "keep.txt"), "k");
    for (const n of ["a", "b", "c", "d"]) {
      await Deno.writeTextFile(join(dir, "dst", `${n}.txt`), n);
    }
    await Deno.writeTextFile(join(dir, "dst", "keep.txt"), "k");
    await Deno.writeTextFile(
      join(dir, "w.yaml"),
      `version: 1
endpoints:
  here: { url: ./ }
jobs:
  m: { mirror: { from: here:/src, to: here:/dst, delete: true, maxDelete: 1 } }
`,
    );
    for (const n of ["a", "b", "c", "d", "keep"]) {
      await Deno.copyFile(join(dir, "dst", `${n}.txt`), join(dir, "sb", `${n}.txt`));
    }
    // Two-way: synced once, then side a lists nothing.
    const first = await ferry(["sync", "sa", "sb"], { cwd: dir });
    assert.equal(first.code, 0, first.stderr);
    for (const n of ["a", "b", "c", "d", "keep"]) await Deno.remove(join(dir, "sa", `${n}.txt`));
    const cases: [string[], string][] = [
      [["mirror", "src", "dst", "--delete", "--max-delete", "1"], "dst"],
      [["run", "w.yaml"], "dst"],
      [["sync", "sa", "sb"], "sa"],
    ];
    for (const [args, kept] of cases) {
      const dry = await ferry([...args, "--dry-run"], { cwd: dir });
      const what = `ferry ${args.join(" ")} --dry-run:\n${dry.stdout}${dry.stderr}`;
      assert.equal(dry.code, 1, what);
      assert.match(dry.stdout + dry.stderr, /deletions held back/, what);
      assert.equal(
        [...Deno.readDirSync(join(dir, kept))].length,
        kept === "sa" ? 0 : 5,
        "nothing done",
      );
      const real = await ferry(args, { cwd: dir });
      assert.equal(real.code, 1, `${real.stdout}${real.stderr}`);
      assert.match(real.stdout + real.stderr, /deletions held back/);
      assert.equal(
        [...Deno.readDirSync(join(dir, kept === "sa" ? "sb" : kept))].length,
        5,
        "held back",
      );
    }
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
