/**
 * An AWS CLI user writes keys into s3:// URLs as they are (`aws s3 ls
 * "s3://b/backup#2"` means the key `backup#2`). As a URL, `#` starts a
 * fragment and `?` a query, which the prefix silently lost:
 * `ferry mirror --delete ./new "s3://test/bk#2"` mirrored into `bk/` and
 * deleted what was there. Such a URL is refused, naming the escapes.
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import { ferry } from "../cli/helpers.ts";
import { openOn } from "./helpers.ts";
import { writeAll } from "../../endpoint/streams.ts";
import { startS3rver } from "./s3rver.ts";

Deno.test({
  name: "s3 cli: an s3:// URL with '#' or '?' is refused, not cut to another prefix",
  sanitizeResources: false,
  sanitizeOps: false,
  async fn() {
    await using s3 = await startS3rver();
    const dir = await Deno.makeTempDir();
    const view = await openOn(s3);
    try {
      await view.mkdir("bk");
      await writeAll(await view.write("bk/keep.txt"), new TextEncoder().encode("keep"));
      await Deno.mkdir(join(dir, "new"));
      await Deno.writeTextFile(join(dir, "new", "n.txt"), "n");
      for (const url of ["s3://test/bk#2", "s3://test/bk?v=2", "s3://test/bk#"]) {
        const r = await ferry(["mirror", "--delete", "new", url], { env: s3.env, cwd: dir });
        assert.notEqual(r.code, 0, `${url}:\n${r.stdout}${r.stderr}`);
        assert.match(r.stdout + r.stderr, /%23/, url);
        assert.deepEqual((await view.list("bk")).map((s) => s.name), ["keep.txt"], url);
      }
      // Escaped, the key is the one meant.
      const ok = await ferry(["mirror", "new", "s3://test/bk%232"], { env: s3.env, cwd: dir });
      assert.equal(ok.code, 0, ok.stdout + ok.stderr);
      assert.deepEqual((await view.list("bk#2")).map((s) => s.name), ["n.txt"]);
    } finally {
      await view.close();
      await Deno.remove(dir, { recursive: true });
    }
  },
});
