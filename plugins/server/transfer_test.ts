import assert from "node:assert/strict";
import { LocalEndpoint } from "../../mod.ts";
import { sendToSocket } from "./transfer.ts";

/** Sends `stream` over a loopback Deno.Conn with sendToSocket; returns what arrived. */
async function sendOver(stream: ReadableStream<Uint8Array>): Promise<Uint8Array> {
  const l = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const [server, client] = await Promise.all([
    l.accept(),
    Deno.connect({ hostname: "127.0.0.1", port: l.addr.port }),
  ]);
  l.close();
  const got = new Response(client.readable).arrayBuffer();
  const progress = { bytes: 0 };
  await sendToSocket(stream, server, {
    signal: new AbortController().signal,
    dataTimeout: 60_000,
    progress,
    chunkSize: 65536,
  });
  return new Uint8Array(await got);
}

Deno.test("sendToSocket: a local file smaller than a chunk (empty, small, grown since opened) arrives whole", async () => {
  const dir = await Deno.makeTempDir();
  try {
    const ep = new LocalEndpoint(dir);
    const small = new Uint8Array(10).fill(7);
    await Deno.writeFile(`${dir}/empty.bin`, new Uint8Array(0));
    await Deno.writeFile(`${dir}/small.bin`, small);
    await Deno.writeFile(`${dir}/grows.bin`, small);
    assert.equal((await sendOver(await ep.read("empty.bin"))).length, 0);
    assert.deepEqual(await sendOver(await ep.read("small.bin")), small);
    // Opened at 10 bytes (a buffer of 11 is taken), then 200 KiB more arrive.
    const stream = await ep.read("grows.bin");
    const more = new Uint8Array(200 * 1024).fill(9);
    await Deno.writeFile(`${dir}/grows.bin`, more, { append: true });
    const got = await sendOver(stream);
    assert.equal(got.length, small.length + more.length);
    assert.deepEqual(got.subarray(0, 10), small);
    assert.ok(got.subarray(10).every((b) => b === 9));
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
