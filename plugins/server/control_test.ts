import assert from "node:assert/strict";
import { ConnSocket } from "./control.ts";

/** A connected pair: the server side wrapped, the client side raw. */
async function pair(): Promise<{ sock: ConnSocket; client: Deno.TcpConn; close(): void }> {
  const l = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const [server, client] = await Promise.all([
    l.accept(),
    Deno.connect({ hostname: "127.0.0.1", port: l.addr.port }),
  ]);
  l.close();
  const sock = new ConnSocket(server);
  return {
    sock,
    client,
    close: () => {
      sock.destroy();
      try {
        client.close();
      } catch { /* closed */ }
    },
  };
}

async function readAll(conn: Deno.Conn): Promise<string> {
  return await new Response(conn.readable).text();
}

Deno.test("ConnSocket: data in order, writes in order, end() flushes then ends, close once", async () => {
  const { sock, client } = await pair();
  const got: string[] = [];
  const dec = new TextDecoder();
  let closes = 0;
  const closed = new Promise<void>((r) => sock.on("close", () => (closes++, r())));
  const twoLines = new Promise<void>((r) =>
    sock.on("data", (c) => {
      got.push(dec.decode(c));
      if (got.join("").endsWith("B\r\n")) r();
    })
  );
  await client.write(new TextEncoder().encode("A\r\nB\r\n"));
  await twoLines;
  assert.equal(got.join(""), "A\r\nB\r\n");
  for (let i = 0; i < 100; i++) sock.write(`${i}\r\n`);
  sock.end("221 bye\r\n");
  assert.equal(sock.write("late"), false);
  const text = readAll(client); // ends when the server's side ends, then closes ours
  const expected = Array.from({ length: 100 }, (_, i) => `${i}\r\n`).join("") + "221 bye\r\n";
  assert.equal(await text, expected);
  await closed;
  sock.destroy();
  await Promise.resolve();
  assert.equal(closes, 1);
  assert.equal(sock.destroyed, true);
});

Deno.test("ConnSocket: pause() stops reading until resume(); the peer's end is `end` then `close`", async () => {
  const { sock, client, close } = await pair();
  try {
    const chunks: number[] = [];
    sock.pause();
    sock.on("data", (c) => chunks.push(c.length));
    const ended = new Promise<void>((r) => sock.on("end", r));
    const closed = new Promise<void>((r) => sock.on("close", r));
    await client.write(new Uint8Array(10));
    client.closeWrite();
    // Nothing is delivered while paused (not even by the read already under way).
    await new Promise((r) => setTimeout(r, 0));
    assert.deepEqual(chunks, []);
    assert.equal(sock.isPaused(), true);
    sock.resume();
    await ended;
    await closed;
    assert.equal(chunks.reduce((a, b) => a + b, 0), 10);
  } finally {
    close();
  }
});
