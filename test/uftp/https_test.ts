import assert from "node:assert/strict";
import {
  encodeRequest,
  HttpReplyError,
  parseReply,
  simpleRequest,
} from "../../plugins/uftp/https.ts";

const bytes = (s: string) => new TextEncoder().encode(s);

Deno.test("parseReply: Content-Length (in bytes), chunked, 1xx skipped, to the close", () => {
  // "zä" is 3 bytes in UTF-8.
  assert.deepEqual(
    parseReply(bytes("HTTP/1.1 200 OK\r\nContent-Length: 3\r\n\r\nzäextra")),
    { status: 200, body: "zä" },
  );
  assert.deepEqual(
    parseReply(
      bytes(
        'HTTP/1.1 201 Created\r\nTransfer-Encoding: chunked\r\n\r\n3\r\n{"a\r\n4;x=y\r\n":1}\r\n0\r\n\r\n',
      ),
    ),
    { status: 201, body: '{"a":1}' },
  );
  assert.deepEqual(
    parseReply(bytes("HTTP/1.1 100 Continue\r\n\r\nHTTP/1.0 401 No\r\nX: y\r\n\r\ndenied")),
    { status: 401, body: "denied" },
  );
  assert.throws(() => parseReply(bytes("HTTP/1.1 200 OK\r\nContent-Le")), HttpReplyError);
  assert.throws(() => parseReply(bytes("SSH-2.0-x\r\n\r\n")), HttpReplyError);
  assert.throws(
    () => parseReply(bytes("HTTP/1.1 200 OK\r\nContent-Length: 9\r\n\r\nshort")),
    /4 bytes early/,
  );
});

Deno.test("encodeRequest: one block with Host, the headers, Content-Length, Connection: close", () => {
  const url = new URL("https://h.example:9000/rest/auth/TEST?x=1");
  const text = new TextDecoder().decode(encodeRequest({
    method: "POST",
    url: url.href,
    headers: new Headers({ "Content-Type": "application/json", Connection: "keep-alive" }),
    body: '{"ü":1}',
  }, url));
  assert.equal(
    text,
    "POST /rest/auth/TEST?x=1 HTTP/1.1\r\nHost: h.example:9000\r\ncontent-type: application/json\r\n" +
      'Content-Length: 8\r\nConnection: close\r\n\r\n{"ü":1}',
  );
});

Deno.test("simpleRequest: a request over a connection with Nagle off, a chunked reply read to the close", async () => {
  const listener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const served = (async () => {
    const conn = await listener.accept();
    const buffer = new Uint8Array(4096);
    let got = "";
    while (!got.includes("\r\n\r\n{}")) {
      const n = await conn.read(buffer);
      if (n === null) break;
      got += new TextDecoder().decode(buffer.subarray(0, n));
    }
    await conn.write(
      bytes("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n2\r\nok\r\n0\r\n\r\n"),
    );
    conn.close();
    return got;
  })();
  try {
    const { port } = listener.addr as Deno.NetAddr;
    const reply = await simpleRequest({
      method: "POST",
      url: `http://127.0.0.1:${port}/rest/auth/TEST`,
      headers: new Headers({ "Content-Type": "application/json" }),
      body: "{}",
    });
    assert.deepEqual(reply, { status: 200, body: "ok" });
    assert.match(await served, /^POST \/rest\/auth\/TEST HTTP\/1\.1\r\nHost: 127\.0\.0\.1:\d+\r\n/);
  } finally {
    listener.close();
  }
});

Deno.test("simpleRequest: an abort closes the connection and rejects with the reason", async () => {
  const listener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const accepted = listener.accept();
  try {
    const { port } = listener.addr as Deno.NetAddr;
    const controller = new AbortController();
    const pending = simpleRequest({
      method: "GET",
      url: `http://127.0.0.1:${port}/`,
      headers: new Headers(),
      signal: controller.signal,
    });
    const conn = await accepted;
    controller.abort(new Error("gave up"));
    await assert.rejects(pending, /gave up/);
    conn.close();
  } finally {
    listener.close();
  }
});

Deno.test("simpleRequest: beforeTls runs between the TCP connect and the handshake (aborted there: no TLS byte leaves)", async () => {
  const listener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const accepted = listener.accept();
  try {
    const { port } = listener.addr as Deno.NetAddr;
    const controller = new AbortController();
    const pending = simpleRequest({
      method: "GET",
      url: `https://127.0.0.1:${port}/`,
      headers: new Headers(),
      signal: controller.signal,
      beforeTls: async () => {
        await accepted; // connected: the hook runs on an open connection
        controller.abort(new Error("stopped before TLS"));
      },
    });
    pending.catch(() => {});
    // The client closes without a ClientHello: the server reads the end, no byte.
    const conn = await accepted;
    const n = await conn.read(new Uint8Array(64));
    controller.abort(new Error("stopped before TLS")); // a handshake begun anyway ends here
    await assert.rejects(pending, /stopped before TLS/);
    conn.close();
    assert.equal(n, null, "TLS bytes left before beforeTls had run");
  } finally {
    listener.close();
  }
});
