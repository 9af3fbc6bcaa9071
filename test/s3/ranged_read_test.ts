/**
 * Ranged reads of s3:// (ReadOptions.offset + length: one Range GET each),
 * and the segmented download they make possible: a large object comes down
 * over several GETs at once into one local partial, whole and with its mtime.
 */
import assert from "node:assert/strict";
import { LocalEndpoint } from "../../endpoint/local.ts";
import { collect, writeAll } from "../../endpoint/streams.ts";
import { transferFile } from "../../sync/transfer.ts";
import { openOn } from "./helpers.ts";
import { startS3rver } from "./s3rver.ts";

const opts = { sanitizeResources: false, sanitizeOps: false };

Deno.test(
  "s3 read: offset and length name one range; length 0 is empty; a missing key is not found",
  opts,
  async () => {
    await using s3 = await startS3rver();
    const ep = await openOn(s3, "r");
    try {
      const data = new Uint8Array(10_000).map((_, i) => i % 251);
      await writeAll(await ep.write("f.bin"), data);
      assert.ok(ep.capabilities().rangedReads);
      assert.deepEqual(
        await collect(await ep.read("f.bin", { offset: 100, length: 50 })),
        data.slice(100, 150),
      );
      assert.deepEqual(await collect(await ep.read("f.bin", { length: 7 })), data.slice(0, 7));
      assert.deepEqual(
        await collect(await ep.read("f.bin", { offset: 9_990, length: 100 })),
        data.slice(9_990),
      );
      assert.equal((await collect(await ep.read("f.bin", { offset: 5, length: 0 }))).byteLength, 0);
      await assert.rejects(ep.read("nothing.bin", { length: 0 }), { code: "ENOENT" });
    } finally {
      await ep.close();
    }
  },
);

Deno.test(
  "s3 read: a large object comes down in segments (parallel Range GETs) whole, with its mtime",
  opts,
  async () => {
    await using s3 = await startS3rver();
    const ep = await openOn(s3);
    const dir = await Deno.makeTempDir();
    try {
      const data = new Uint8Array(3 * 1024 * 1024 + 123).map((_, i) => (i * 7) % 253);
      await writeAll(await ep.write("big.bin"), data);
      const mtime = new Date("2021-03-04T05:06:07.089Z");
      await ep.setMtime("big.bin", mtime);
      let gets = 0;
      s3.answered((r) => {
        if (r.method === "GET" && r.url.startsWith("/test/big.bin")) gets++;
        return false;
      });
      const disk = new LocalEndpoint(dir);
      await transferFile(ep, "big.bin", disk, "big.bin", {
        size: data.byteLength,
        mtime,
        segments: { segments: 4, threshold: 1024 * 1024, minSegment: 256 * 1024 },
      });
      assert.equal(gets, 4);
      assert.deepEqual(await Deno.readFile(`${dir}/big.bin`), data);
      assert.equal((await Deno.stat(`${dir}/big.bin`)).mtime?.toISOString(), mtime.toISOString());
    } finally {
      await ep.close();
      await Deno.remove(dir, { recursive: true });
    }
  },
);
