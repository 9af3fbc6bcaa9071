import assert from "node:assert/strict";
import type { S3Client } from "./client.ts";
import { uploadStream } from "./upload.ts";
import { S3Endpoint } from "./endpoint.ts";

/** Records what an upload asks of the service. */
function fakeClient() {
  const calls: string[] = [];
  let inFlight = 0;
  let maxInFlight = 0;
  const client = {
    createMultipart: () => (calls.push("create"), Promise.resolve("U1")),
    uploadPart: async (_k: string, _id: string, n: number, body: Uint8Array) => {
      inFlight++;
      maxInFlight = Math.max(maxInFlight, inFlight);
      await new Promise((r) => setTimeout(r, 5));
      inFlight--;
      calls.push(`part ${n} ${body.byteLength}`);
      return `"e${n}"`;
    },
    completeMultipart: (_k: string, _id: string, etags: string[]) => (
      calls.push(`complete ${etags.join(",")}`), Promise.resolve()
    ),
    abortMultipart: () => (calls.push("abort"), Promise.resolve()),
    put: (
      _k: string,
      body: Uint8Array,
    ) => (calls.push(`put ${body.byteLength}`), Promise.resolve("m")),
  };
  return { client: client as unknown as S3Client, calls, maxInFlight: () => maxInFlight };
}

const MiB = 1 << 20;

Deno.test("s3 upload: multipart above the part size, parts in parallel but bounded, in order", async () => {
  const f = fakeClient();
  const w = uploadStream(f.client, "k", { partSize: 5 * MiB, partsInFlight: 2, meta: {} });
  const writer = w.getWriter();
  for (let i = 0; i < 23; i++) await writer.write(new Uint8Array(MiB));
  await writer.close();
  assert.equal(f.calls[0], "create");
  assert.equal(f.calls.at(-1), 'complete "e1","e2","e3","e4","e5"');
  assert.ok(f.maxInFlight() <= 2, `at most 2 parts at once, saw ${f.maxInFlight()}`);
  assert.ok(f.calls.includes(`part 5 ${3 * MiB}`));
});

Deno.test("s3 upload: an aborted multipart upload is aborted on the service, not completed", async () => {
  const f = fakeClient();
  const w = uploadStream(f.client, "k", { partSize: 5 * MiB, partsInFlight: 2, meta: {} });
  const writer = w.getWriter();
  for (let i = 0; i < 12; i++) await writer.write(new Uint8Array(MiB));
  await writer.abort(new Error("cut"));
  assert.ok(f.calls.includes("abort"), f.calls.join("; "));
  assert.ok(!f.calls.some((c) => c.startsWith("complete")));
});

Deno.test("s3 upload: a short stream with a size is refused and the upload aborted", async () => {
  const f = fakeClient();
  const w = uploadStream(f.client, "k", {
    partSize: 5 * MiB,
    partsInFlight: 2,
    meta: {},
    size: 20 * MiB,
  });
  const writer = w.getWriter();
  for (let i = 0; i < 11; i++) await writer.write(new Uint8Array(MiB));
  await assert.rejects(writer.close(), /size mismatch/);
  assert.ok(f.calls.includes("abort"));
  assert.ok(!f.calls.some((c) => c.startsWith("complete")));
});

Deno.test("s3 hash: a multipart ETag has no MD5 to give, and says so", async () => {
  const client = {
    head: () => Promise.resolve({ size: 9, etag: "0123456789abcdef0123456789abcdef-3", meta: {} }),
    close() {},
  } as unknown as S3Client;
  const ep = new S3Endpoint(client, "", "s3://b");
  await assert.rejects(
    ep.hash("big.iso", "md5"),
    /md5 of multipart object big\.iso is not supported/,
  );
  const single = {
    head: () => Promise.resolve({ size: 3, etag: "900150983CD24FB0D6963F7D28E17F72", meta: {} }),
    close() {},
  } as unknown as S3Client;
  assert.equal(
    await new S3Endpoint(single, "", "s3://b").hash("abc", "md5"),
    "900150983cd24fb0d6963f7d28e17f72",
  );
});
