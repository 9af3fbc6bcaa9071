/**
 * `ferry ls` of an s3:// name that is neither an object nor a prefix fails
 * (exit 1) with a not-found error that names the URL, as `ferry ls` of a
 * missing local or FTP path does, instead of printing an empty listing.
 */
import assert from "node:assert/strict";
import { ferry } from "../cli/helpers.ts";
import { openOn } from "./helpers.ts";
import { writeAll } from "../../endpoint/streams.ts";
import { startS3rver } from "./s3rver.ts";

Deno.test({
  name: "s3 cli: ls of a missing name exits 1 naming it, of an object says it is no directory",
  sanitizeResources: false,
  sanitizeOps: false,
  async fn() {
    await using s3 = await startS3rver();
    const ep = await openOn(s3);
    await ep.mkdir("dir");
    await writeAll(await ep.write("dir/a.txt"), new TextEncoder().encode("a"));
    await ep.close();
    const missing = await ferry(["ls", "s3://test/missing-name"], { env: s3.env });
    assert.equal(missing.code, 1, missing.stdout + missing.stderr);
    assert.equal(missing.stdout, "");
    assert.match(missing.stderr, /s3:\/\/test\/missing-name/);
    assert.match(missing.stderr, /does not exist/);
    const file = await ferry(["ls", "s3://test/dir/a.txt"], { env: s3.env });
    assert.equal(file.code, 1, file.stdout + file.stderr);
    assert.match(file.stderr, /not a directory: s3:\/\/test\/dir\/a\.txt/);
    const dir = await ferry(["ls", "s3://test/dir"], { env: s3.env });
    assert.equal(dir.code, 0, dir.stderr);
    assert.match(dir.stdout, /a\.txt/);
    const root = await ferry(["ls", "s3://test/"], { env: s3.env });
    assert.equal(root.code, 0, root.stderr);
    assert.match(root.stdout, /dir/);
  },
});
