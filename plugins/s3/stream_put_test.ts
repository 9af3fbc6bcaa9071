/**
 * A streamed PUT against servers that misbehave: one that refuses at once and
 * stops reading (the refusal is the error, no wait for room that never comes),
 * one that drops the connection half-way (a network error), and the length
 * sent (Content-Length, never chunked).
 */
import assert from "node:assert/strict";
import { S3Client } from "./client.ts";
import type { ResolvedS3Config } from "./config.ts";
import { startStreamingPut } from "./stream_put.ts";

function clientOf(port: number): S3Client {
  return new S3Client("b", {
    endpoint: `http://127.0.0.1:${port}`,
    region: "us-east-1",
    pathStyle: true,
    customEndpoint: true,
    keys: { accessKeyId: "AKIATEST", secretAccessKey: "secret-not-shown" },
    keySource: "test",
  } as unknown as ResolvedS3Config);
}

async function send(port: number, mib: number): Promise<string> {
  const put = await startStreamingPut(clientOf(port), "k.bin", mib << 20, { mtime: "1" });
  for (let i = 0; i < mib; i++) await put.write(new Uint8Array(1 << 20));
  return await put.end();
}

const opts = { sanitizeResources: false, sanitizeOps: false };

Deno.test("s3 streamed PUT: a refusal before the body is read is the error", opts, async () => {
  const srv = Deno.serve({ hostname: "127.0.0.1", port: 0, onListen() {} }, () =>
    new Response(
      `<?xml version="1.0"?><Error><Code>AccessDenied</Code><Message>nope</Message></Error>`,
      { status: 403, headers: { "content-type": "application/xml" } },
    ));
  try {
    await assert.rejects(send(srv.addr.port, 32), (e: Error) => {
      assert.equal(e.name, "S3AuthError");
      assert.match(e.message, /k\.bin: AccessDenied: nope/);
      assert.doesNotMatch(e.message, /secret-not-shown/);
      return true;
    });
  } finally {
    await srv.shutdown();
  }
});

Deno.test("s3 streamed PUT: a connection dropped half-way is a network error", opts, async () => {
  const listener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const served = (async () => {
    const conn = await listener.accept();
    const buf = new Uint8Array(64 * 1024);
    let got = 0;
    while (got < 2 << 20) {
      const n = await conn.read(buf);
      if (n === null) break;
      got += n;
    }
    conn.close();
  })();
  try {
    await assert.rejects(send(listener.addr.port, 32), (e: Error) => {
      assert.equal(e.name, "S3Error");
      assert.match(e.message, /k\.bin: the upload's connection failed/);
      return true;
    });
  } finally {
    await served;
    listener.close();
  }
});

Deno.test("s3 streamed PUT: the body goes with its Content-Length, not chunked", opts, async () => {
  let seen = "";
  const srv = Deno.serve({ hostname: "127.0.0.1", port: 0, onListen() {} }, async (req) => {
    let n = 0;
    for await (const c of req.body!) n += c.byteLength;
    seen = `${req.headers.get("content-length")} ${req.headers.get("transfer-encoding")} ${n} ` +
      `${req.headers.get("x-amz-meta-mtime")}`;
    return new Response(null, { headers: { etag: '"abc-1"' } });
  });
  try {
    assert.equal(await send(srv.addr.port, 3), "abc-1");
    assert.equal(seen, `${3 << 20} null ${3 << 20} 1`);
  } finally {
    await srv.shutdown();
  }
});
