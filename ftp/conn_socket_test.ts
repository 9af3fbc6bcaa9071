import assert from "node:assert/strict";
import { ConnSocket } from "./conn_socket.ts";
import { FtpClient } from "./client.ts";
import { FtpError } from "./errors.ts";
import { MemoryEndpoint } from "../mod.ts";
import { collect, writeAll } from "../endpoint/streams.ts";
import { startFtpServer, VirtualAuthorizer } from "../server.ts";

/** A listener on a free port and the first connection to it, both ends. */
async function pair(): Promise<{ server: Deno.TcpConn; client: Deno.TcpConn; close(): void }> {
  const listener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const accepted = listener.accept();
  const client = await Deno.connect({
    hostname: "127.0.0.1",
    port: (listener.addr as Deno.NetAddr).port,
  });
  const server = await accepted;
  return { server, client, close: () => listener.close() };
}

Deno.test("ConnSocket: pending bytes first, then data, end and close; writes in order", async () => {
  const { server, client, close } = await pair();
  try {
    const socket = new ConnSocket(client, new TextEncoder().encode("220 hi\r\n"));
    const chunks: string[] = [];
    const events: string[] = [];
    const closed = new Promise<void>((resolve) => socket.on("close", () => resolve()));
    socket.on("data", (chunk: Uint8Array) => chunks.push(new TextDecoder().decode(chunk)));
    socket.on("end", () => events.push("end"));
    socket.write("USER a\r\n");
    socket.write(new TextEncoder().encode("PASS b\r\n"));
    const got = new Uint8Array(16);
    let text = "";
    while (text.length < 16) {
      const n = await server.read(got);
      if (n === null) break;
      text += new TextDecoder().decode(got.subarray(0, n));
    }
    assert.equal(text, "USER a\r\nPASS b\r\n");
    await server.write(new TextEncoder().encode("331 ok\r\n"));
    server.close();
    await closed;
    assert.equal(chunks.join(""), "220 hi\r\n331 ok\r\n");
    assert.deepEqual(events, ["end"]);
    assert.equal(socket.destroyed, true);
    assert.equal(socket.remoteAddress, "127.0.0.1");
  } finally {
    close();
  }
});

Deno.test("ConnSocket: destroy closes at once and says so once", async () => {
  const { server, client, close } = await pair();
  try {
    const socket = new ConnSocket(client);
    let closes = 0;
    const closed = new Promise<void>((resolve) =>
      socket.on("close", () => {
        closes++;
        resolve();
      })
    );
    socket.destroy();
    socket.destroy();
    await closed;
    assert.equal(await server.read(new Uint8Array(8)), null);
    assert.equal(closes, 1);
    server.close();
  } finally {
    close();
  }
});

Deno.test("FtpClient.adopt: a login sent ahead is read, not sent again; another one is refused", async () => {
  const authorizer = new VirtualAuthorizer().addUser("bob", { password: "pw", perm: "elr" });
  const srv = await startFtpServer({
    endpoint: new MemoryEndpoint(),
    authorizer,
    port: 0,
    authFailedDelayMs: 0,
  });
  try {
    const open = async (sent: string[]) => {
      const conn = await Deno.connect({ hostname: "127.0.0.1", port: srv.port });
      const buffer = new Uint8Array(512);
      const n = await conn.read(buffer); // the welcome, in one read on loopback
      const text = new TextDecoder().decode(buffer.subarray(0, n ?? 0));
      await conn.write(new TextEncoder().encode(sent.map((l) => `${l}\r\n`).join("")));
      const welcome = { code: 220, text: text.slice(4).trim(), lines: [text.trim()] };
      return FtpClient.adopt(conn, { welcome, sent }, { host: "127.0.0.1", port: srv.port });
    };
    const client = await open(["USER bob", "PASS pw", "FEAT"]);
    const reply = await client.login("bob", "pw");
    assert.equal(reply.code, 230);
    assert.equal(await client.pwd(), "/");
    await client.quit();

    const other = await open(["USER bob", "PASS pw", "FEAT"]);
    await assert.rejects(() => other.login("bob", "other"), FtpError);
    assert.equal(other.closed, true);
  } finally {
    await srv.close();
  }
});

Deno.test("FtpClient.connect with nativeControl: a plain session on Deno.connect; AUTH TLS refused on it", async () => {
  const authorizer = new VirtualAuthorizer().addUser("bob", { password: "pw", perm: "elr" });
  const tree = new MemoryEndpoint();
  await writeAll(await tree.write("a.txt"), new TextEncoder().encode("abc"));
  const srv = await startFtpServer({ endpoint: tree, authorizer, port: 0, authFailedDelayMs: 0 });
  try {
    const client = await FtpClient.connect({
      host: "127.0.0.1",
      port: srv.port,
      nativeControl: true,
    });
    assert.equal(client.secure, false);
    await client.login("bob", "pw");
    assert.deepEqual(await client.nlst(), ["a.txt"]);
    assert.equal(new TextDecoder().decode(await collect(await client.retrieve("a.txt"))), "abc");
    await assert.rejects(() => client.auth(), /native \(Deno.Conn\) control connection/);
    client.close();
  } finally {
    await srv.close();
  }
});
