/**
 * Ctrl-C during a multipart upload ("stopping cleanly") aborts the upload on
 * the service: nothing under the key, and no parts left behind (on AWS they
 * are stored, and billed, until a lifecycle rule removes them), as
 * rclone does on an interrupt.
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import { spawnFerry } from "../cli/helpers.ts";
import { openOn, recordRequests } from "./helpers.ts";
import { startS3rver } from "./s3rver.ts";

Deno.test({
  name: "s3 cli: put interrupted by SIGINT mid multipart upload aborts the upload",
  sanitizeResources: false,
  sanitizeOps: false,
  async fn() {
    await using s3 = await startS3rver();
    const dir = await Deno.makeTempDir();
    const { seen, stop } = recordRequests(s3);
    try {
      // 48 MiB: 6 parts of 8 MiB. A proxy variable makes every upload past one part multipart
      // (stream_put.ts); NO_PROXY keeps s3rver reached directly.
      const big = new Uint8Array(48 << 20);
      for (let i = 0; i < big.length; i += 4096) big[i] = i & 255;
      await Deno.writeFile(join(dir, "big.bin"), big);
      const env = { ...s3.env, HTTP_PROXY: "http://127.0.0.1:9", NO_PROXY: "127.0.0.1" };
      const firstPart = s3.answered((r) => r.method === "PUT" && /partNumber=1\b/.test(r.url));
      const child = spawnFerry(["put", "big.bin", "s3://test/up/big.bin"], { env, cwd: dir });
      const stderr = new Response(child.stderr).text();
      const stdout = new Response(child.stdout).text();
      await firstPart;
      child.kill("SIGINT");
      const status = await child.status;
      const err = await stderr;
      await stdout;
      assert.equal(status.code, 130, err);
      // s3rver refuses the abort: said, not swallowed.
      assert.match(err, /multipart upload \S+ could not be aborted/);
      const created = seen.filter((r) => r.method === "POST" && /[?&]uploads\b/.test(r.url));
      assert.equal(created.length, 1, JSON.stringify(seen.map((r) => `${r.method} ${r.url}`)));
      // s3rver 3.7.1 answers AbortMultipartUpload 405 (not implemented); AWS removes the parts.
      const aborted = seen.filter((r) => r.method === "DELETE" && /uploadId=/.test(r.url));
      assert.equal(
        aborted.length,
        1,
        `no AbortMultipartUpload after SIGINT:\n${err}\n${
          seen.map((r) => `${r.method} ${r.url} ${r.status}`).join("\n")
        }`,
      );
      const view = await openOn(s3);
      try {
        await assert.rejects(view.stat("up/big.bin"));
      } finally {
        await view.close();
      }
    } finally {
      stop();
      await Deno.remove(dir, { recursive: true });
    }
  },
});
