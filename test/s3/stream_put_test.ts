/**
 * Objects between the part size and the upload cutoff (rclone's 200 MiB) of a
 * known size go up as one PUT whose body streams with its Content-Length: no
 * multipart requests, the bytes and mtime arrive, the ETag is the MD5; a
 * size that does not match, or an aborted write, leaves the old object.
 */
import assert from "node:assert/strict";
import { collect } from "../../endpoint/streams.ts";
import { md5Base64, S3Client } from "../../plugins/s3/client.ts";
import type { ResolvedS3Config } from "../../plugins/s3/config.ts";
import { startStreamingPut } from "../../plugins/s3/stream_put.ts";
import { testCertificates } from "../fixtures/certs.ts";
import { peerTest } from "../peers/skip.ts";
import { openOn, recordRequests } from "./helpers.ts";
import { startS3rver } from "./s3rver.ts";

const opts = { sanitizeResources: false, sanitizeOps: false };
const MIB = 1 << 20;

function pattern(size: number, seed: number): Uint8Array {
  return new Uint8Array(size).map((_, i) => (i * seed + (i >> 12)) % 251);
}

async function writeChunks(w: WritableStream<Uint8Array>, data: Uint8Array, chunk = 256 * 1024) {
  const writer = w.getWriter();
  for (let at = 0; at < data.byteLength; at += chunk) {
    await writer.write(data.slice(at, at + chunk));
  }
  await writer.close();
}

/** The endpoint every test here writes through: below the prefix `sp`. */
const open = (s3: Parameters<typeof openOn>[0], options: Record<string, unknown> = {}) =>
  openOn(s3, "sp", options);

Deno.test(
  "s3 write: 12 MiB of a known size go up as one streamed PUT, ETag = MD5",
  opts,
  async () => {
    await using s3 = await startS3rver();
    const ep = await open(s3);
    const { seen, stop } = recordRequests(s3);
    try {
      const data = pattern(12 * MIB + 5, 7);
      const mtime = new Date("2022-01-02T03:04:05.678Z");
      await writeChunks(await ep.write("mid.bin", { size: data.byteLength, mtime }), data);
      const writes = seen.filter((r) => r.method !== "GET" && r.method !== "HEAD");
      assert.deepEqual(writes.map((r) => `${r.method} ${r.url} ${r.status}`), [
        `PUT /${s3.bucket}/sp/mid.bin 200`,
      ]);
      assert.deepEqual(await collect(await ep.read("mid.bin")), data);
      const st = (await ep.list("")).find((s) => s.name === "mid.bin");
      assert.equal(st?.size, data.byteLength);
      assert.equal(st?.mtime?.getTime(), mtime.getTime());
      const hex = Array.from(
        atob(md5Base64(data)),
        (c) => c.charCodeAt(0).toString(16).padStart(2, "0"),
      ).join("");
      assert.equal(await ep.hash("mid.bin", "md5"), hex);
    } finally {
      stop();
      await ep.close();
    }
  },
);

Deno.test(
  "s3 write: without a size, or above the cutoff, a 12 MiB object goes multipart",
  opts,
  async () => {
    await using s3 = await startS3rver();
    const { seen, stop } = recordRequests(s3);
    const small = await open(s3, { uploadCutoff: 10 * MIB });
    try {
      const data = pattern(12 * MIB, 3);
      await writeChunks(await small.write("a.bin", { size: data.byteLength }), data);
      await writeChunks(await small.write("b.bin"), data);
      const parts = seen.filter((r) => /[?&]partNumber=/.test(r.url));
      assert.equal(parts.filter((r) => r.url.includes("/a.bin?")).length, 2);
      assert.equal(parts.filter((r) => r.url.includes("/b.bin?")).length, 2);
      assert.deepEqual(await collect(await small.read("a.bin")), data);
      assert.deepEqual(await collect(await small.read("b.bin")), data);
    } finally {
      stop();
      await small.close();
    }
  },
);

Deno.test(
  "s3 write: a streamed PUT with more bytes than its size fails and keeps the old object",
  opts,
  async () => {
    await using s3 = await startS3rver();
    const ep = await open(s3);
    try {
      const old = pattern(9 * MIB, 5);
      await writeChunks(await ep.write("keep.bin", { size: old.byteLength }), old);
      const data = pattern(10 * MIB, 11);
      await assert.rejects(
        writeChunks(await ep.write("keep.bin", { size: 10 * MIB - 1 }), data),
        { name: "SizeMismatchError" },
      );
      await assert.rejects(
        writeChunks(await ep.write("keep.bin", { size: 10 * MIB + 1 }), data),
        { name: "SizeMismatchError" },
      );
      assert.deepEqual(await collect(await ep.read("keep.bin")), old);
    } finally {
      await ep.close();
    }
  },
);

Deno.test("s3 write: an aborted streamed PUT keeps the old object", opts, async () => {
  await using s3 = await startS3rver();
  const ep = await open(s3);
  try {
    const old = pattern(9 * MIB, 5);
    await writeChunks(await ep.write("keep.bin", { size: old.byteLength }), old);
    const writer = (await ep.write("keep.bin", { size: 20 * MIB })).getWriter();
    await writer.write(pattern(6 * MIB, 13));
    await writer.abort(new Error("stop"));
    assert.deepEqual(await collect(await ep.read("keep.bin")), old);
  } finally {
    await ep.close();
  }
});

peerTest(
  "s3 write: a streamed PUT over https trusts AWS_CA_BUNDLE's CA, and only it",
  ["openssl"],
  async () => {
    const certs = await testCertificates();
    let got = 0;
    const serve = (pair: { cert: string; key: string }) =>
      Deno.serve(
        { hostname: "127.0.0.1", port: 0, cert: pair.cert, key: pair.key, onListen() {} },
        async (req) => {
          for await (const c of req.body!) got += c.byteLength;
          return new Response(null, { headers: { etag: '"0-1"' } });
        },
      );
    const clientFor = (port: number) =>
      new S3Client("b", {
        endpoint: `https://127.0.0.1:${port}`,
        region: "us-east-1",
        pathStyle: true,
        customEndpoint: true,
        keys: { accessKeyId: "AKIATEST", secretAccessKey: "s" },
        keySource: "test",
      } as unknown as ResolvedS3Config, { caBundle: certs.caPem });
    const send = async (port: number) => {
      const put = await startStreamingPut(clientFor(port), "k.bin", 3 * MIB, {});
      for (let i = 0; i < 3; i++) await put.write(new Uint8Array(MIB));
      return await put.end();
    };
    const good = serve(certs.good);
    try {
      assert.equal(await send(good.addr.port), "0-1");
      assert.equal(got, 3 * MIB);
    } finally {
      await good.shutdown();
    }
    const untrusted = serve(certs.untrusted);
    try {
      await assert.rejects(send(untrusted.addr.port), /k\.bin: the upload's connection failed/);
    } finally {
      await untrusted.shutdown();
    }
  },
  opts,
);
