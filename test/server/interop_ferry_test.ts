/**
 * ferry against ferry: the project's own FTP client (plain and FTPS with the
 * data-session reuse the server can require) and FsTPy's bridge idea, a
 * server whose storage is an `ftp://` endpoint on another ferry server.
 */
import assert from "node:assert/strict";
import { FtpClient } from "../../ftp.ts";
import { openEndpoint } from "../../mod.ts";
import { startFtpServer, VirtualAuthorizer } from "../../server.ts";
import { testCertificates } from "../fixtures/certs.ts";
import { Ctl, readAll, writeAll } from "./client.ts";
import { dec, enc, get, peerTest, randomBytes, testServer } from "./helpers.ts";

async function roundTrip(client: FtpClient, data: Uint8Array) {
  await client.login("bob", "pw");
  await ReadableStream.from([data]).pipeTo(await client.store("up.bin"));
  const back = new Uint8Array(await new Response(await client.retrieve("up.bin")).arrayBuffer());
  assert.deepEqual(back, data);
  // An empty file (sent as one empty chunk) and empty listings: over TLS no 0-byte write
  // may reach a socket (Deno's node:tls fails it with EPERM, issue 17).
  await ReadableStream.from([new Uint8Array(0)]).pipeTo(await client.store("empty.bin"));
  assert.equal(
    (await new Response(await client.retrieve("empty.bin")).arrayBuffer()).byteLength,
    0,
  );
  await client.mkd("void");
  assert.deepEqual(await client.mlsd("void"), []);
  assert.deepEqual(await client.list("void"), []);
  assert.deepEqual(await client.nlst("void"), []);
  const names = (await client.mlsd("")).map((e) => e.name).sort();
  assert.deepEqual(names, ["empty.bin", "pub", "up.bin", "void"]);
  await client.quit();
}

Deno.test("FtpClient against the server: plain", async () => {
  await using t = await testServer();
  const data = randomBytes(150_000);
  await roundTrip(await FtpClient.connect({ host: "127.0.0.1", port: t.port }), data);
  assert.deepEqual(await get(t.ep, "up.bin"), data);
});

peerTest(
  "FtpClient against the server: explicit and implicit FTPS, reuse required",
  ["openssl"],
  async () => {
    const certs = await testCertificates();
    const tls = { cert: certs.good.cert, key: certs.good.key };
    for (const mode of ["explicit", "implicit"] as const) {
      await using t = await testServer({
        tls,
        implicitTls: mode === "implicit",
        tlsControlRequired: true,
        tlsDataRequired: true,
        requireTlsSessionReuse: true,
      });
      const client = await FtpClient.connect({
        host: "127.0.0.1",
        port: t.port,
        tls: mode,
        tlsOptions: { ca: certs.caPem },
      });
      await roundTrip(client, randomBytes(100_000));
    }
  },
);

Deno.test("serving an ftp:// endpoint: a ferry server in front of another one", async () => {
  await using backend = await testServer();
  const remote = await openEndpoint(`ftp://127.0.0.1:${backend.port}/`, {
    credentials: { user: "bob", password: "pw" },
  });
  const front = await startFtpServer({
    endpoint: remote,
    authorizer: new VirtualAuthorizer().addUser("alice", { password: "pw", perm: "elradfmwMT" }),
    port: 0,
  });
  try {
    await using c = await Ctl.connect(front.port);
    assert.equal((await c.login("alice", "pw")).code, 230);
    await c.cmd("TYPE I");
    const body = randomBytes(80_000);
    let data = await c.epsv();
    assert.ok([125, 150].includes((await c.cmd("STOR via-front.bin")).code));
    await writeAll(data, body);
    assert.equal((await c.reply()).code, 226);
    assert.deepEqual(await get(backend.ep, "via-front.bin"), body);
    data = await c.epsv();
    await c.cmd("RETR pub/hello.txt");
    assert.equal(dec.decode(await readAll(data)), "hello\nworld\n");
    assert.equal((await c.reply()).code, 226);
    assert.equal((await c.cmd("MKD made")).code, 257);
    assert.equal((await backend.ep.stat("made")).type, "dir");
    assert.equal((await c.cmd("RNFR via-front.bin")).code, 350);
    assert.equal((await c.cmd("RNTO made/moved.bin")).code, 250);
    data = await c.epsv();
    await c.cmd("MLSD made");
    assert.match(dec.decode(await readAll(data)), /type=file;size=80000;.* moved\.bin/);
    await c.reply();
    assert.equal((await c.cmd("DELE made/moved.bin")).code, 250);
    assert.equal((await c.cmd("RMD made")).code, 250);
    await assert.rejects(() => backend.ep.stat("made"));
    void enc;
  } finally {
    await front.close();
    await remote.close();
  }
});
