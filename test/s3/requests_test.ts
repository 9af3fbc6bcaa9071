/**
 * Requests per new directory and file: after a listing (or its own mkdir) the
 * endpoint knows a name is not there and sends only the marker PUT and the
 * object PUT, no HEAD or probe listing; knowledge older than `listingTrustMs`
 * is asked again (another client may have written: `ferry serve` lives long).
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import { ferry } from "../cli/helpers.ts";
import { writeAll } from "../../endpoint/streams.ts";
import { openOn, recordRequests } from "./helpers.ts";
import { type AnsweredRequest, startS3rver } from "./s3rver.ts";

const opts = { sanitizeResources: false, sanitizeOps: false };

const shown = (r: AnsweredRequest) => `${r.method} ${decodeURIComponent(r.url)}`;

Deno.test(
  "s3 requests: a new tree after a listing costs one PUT per directory and file",
  opts,
  async () => {
    await using s3 = await startS3rver();
    const ep = await openOn(s3);
    try {
      await assert.rejects(ep.list("t"), { code: "ENOENT" });
      const { seen, stop } = recordRequests(s3);
      await ep.mkdir("t", { parents: true });
      await ep.mkdir("t/a", { parents: true });
      await ep.mkdir("t/a/b");
      await writeAll(await ep.write("t/a/b/f.txt"), new TextEncoder().encode("f"));
      await writeAll(await ep.write("t/g.txt"), new TextEncoder().encode("g"));
      stop();
      assert.deepEqual(seen.map(shown), [
        "PUT /test/t/",
        "PUT /test/t/a/",
        "PUT /test/t/a/b/",
        "PUT /test/t/a/b/f.txt",
        "PUT /test/t/g.txt",
      ]);
      assert.equal((await ep.stat("t/a/b/f.txt")).size, 1);
      await assert.rejects(ep.stat("t/nothing"), { code: "ENOENT" });
    } finally {
      await ep.close();
    }
  },
);

Deno.test(
  "s3 requests: what another client wrote after the listing is seen once the listing is old",
  opts,
  async () => {
    await using s3 = await startS3rver();
    const fresh = await openOn(s3, "", { listingTrustMs: 0 });
    const other = await openOn(s3);
    try {
      await fresh.mkdir("d");
      assert.deepEqual(await fresh.list("d"), []);
      await writeAll(await other.write("d/x.txt"), new TextEncoder().encode("xx"));
      await other.mkdir("d/sub");
      // With no trust in the listing, both are asked for and found.
      assert.equal((await fresh.stat("d/x.txt")).size, 2);
      assert.equal((await fresh.stat("d/sub")).type, "dir");
      await assert.rejects(fresh.mkdir("d/x.txt"), { code: "EEXIST" });
    } finally {
      await fresh.close();
      await other.close();
    }
  },
);

Deno.test(
  "s3 requests: `ferry put` of 12 MiB is one PUT carrying the mtime, no copy",
  opts,
  async () => {
    await using s3 = await startS3rver();
    const dir = await Deno.makeTempDir();
    try {
      const file = join(dir, "mid.bin");
      const data = new Uint8Array(12 << 20).map((_, i) => i % 241);
      await Deno.writeFile(file, data);
      const mtime = new Date("2021-06-07T08:09:10.000Z");
      await Deno.utime(file, mtime, mtime);
      const { seen, stop } = recordRequests(s3);
      const r = await ferry(["put", file, `s3://${s3.bucket}/up/mid.bin`], {
        env: s3.env,
        cwd: dir,
      });
      stop();
      assert.equal(r.code, 0, r.stderr);
      const writes = seen.filter((x) => x.method !== "GET" && x.method !== "HEAD").map(shown);
      assert.deepEqual(writes, ["PUT /test/up/mid.bin"]);
      const ep = await openOn(s3);
      try {
        const st = await ep.stat("up/mid.bin");
        assert.equal(st.size, data.byteLength);
        assert.equal(st.mtime?.getTime(), mtime.getTime());
      } finally {
        await ep.close();
      }
    } finally {
      await Deno.remove(dir, { recursive: true });
    }
  },
);
