/**
 * A listing of a bucket that fails on its second page (HTTP 500 to the
 * request with a continuation token, as a service under load may answer)
 * leaves the job not knowing what lies on that page. upload-if-newer must
 * then not send the source's files there as if the target had none of them
 * (that replaced newer objects), and mirror --delete must hold its deletions.
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import { ferry } from "../cli/helpers.ts";
import { openOn } from "./helpers.ts";
import { collect } from "../../endpoint/streams.ts";
import { formatMtime } from "../../plugins/s3/endpoint.ts";
import { startS3rver } from "./s3rver.ts";

const enc = new TextEncoder();
const dec = new TextDecoder();
const OLD = new Date("2020-01-02T03:04:05Z");
const NEW = new Date("2022-01-02T03:04:05Z");
/** One more than a listing page (1,000 keys): the last name is on page 2. */
const NAMES = Array.from({ length: 1001 }, (_, i) => `k${String(i).padStart(4, "0")}`);

Deno.test({
  name:
    "s3 jobs: a listing cut on its second page makes no upload over unlisted objects, no deletion",
  sanitizeResources: false,
  sanitizeOps: false,
  async fn() {
    let failing = false;
    const pages2: string[] = [];
    await using s3 = await startS3rver({
      fault: (r) => {
        if (!failing || r.method !== "GET" || !r.url.includes("continuation-token=")) return;
        pages2.push(r.url);
        return 500;
      },
    });
    const view = await openOn(s3);
    const dir = await Deno.makeTempDir();
    try {
      // The bucket: 1,001 objects, newer than the local copies.
      for (let i = 0; i < NAMES.length; i += 50) {
        await Promise.all(
          NAMES.slice(i, i + 50).map((n) =>
            view.client.put(`up/${n}`, enc.encode(`remote ${n}`), { mtime: formatMtime(NEW) })
          ),
        );
      }
      const src = join(dir, "src");
      await Deno.mkdir(src);
      for (const n of NAMES.slice(1)) {
        await Deno.writeTextFile(join(src, n), `local ${n}`);
        await Deno.utime(join(src, n), OLD, OLD);
      }
      failing = true;
      const run = (...args: string[]) => ferry(args, { env: s3.env, cwd: dir });

      const up = await run("upload-if-newer", "--retries", "0", "--json", src, "s3://test/up");
      assert.ok(pages2.length > 0, "the second page was asked for and refused");
      assert.equal(up.code, 1, up.stdout + up.stderr);
      assert.match(up.stderr + up.stdout, /s3:\/\/test at \S+: listing of "up\/": InternalError/);
      const last = NAMES[NAMES.length - 1];
      assert.equal(
        dec.decode(await collect(await view.read(`up/${last}`))),
        `remote ${last}`,
        "an object the failed page would have shown was replaced by an older local file",
      );

      // mirror --delete: k0000 is not in the source; the incomplete listing holds its deletion.
      const mirror = await run("mirror", "--delete", "--retries", "0", "s3://test/up", src);
      assert.equal(mirror.code, 1, mirror.stdout + mirror.stderr);
      assert.match(mirror.stdout + mirror.stderr, /deletions held back: source listing incomplete/);
      assert.equal(await Deno.readTextFile(join(src, last)), `local ${last}`);
      // walk takes --retries as the other jobs do: 0 is one try of the page, not four.
      pages2.length = 0;
      const walked = await run("walk", "--retries", "0", "s3://test/up");
      assert.equal(walked.code, 1, walked.stdout + walked.stderr);
      assert.match(walked.stdout, /listing of "up\/": InternalError/);
      assert.equal(pages2.length, 1, `page 2 asked ${pages2.length} times`);
      failing = false;
      const del = await run("mirror", "--delete", "--retries", "0", src, "s3://test/up");
      assert.equal(del.code, 0, del.stdout + del.stderr);
      assert.equal((await view.list("up")).length, NAMES.length - 1);
    } finally {
      await view.close();
      await Deno.remove(dir, { recursive: true });
    }
  },
});
