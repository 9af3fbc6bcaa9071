/**
 * The wire client against ferry's own server (plugins/server): the commands no
 * installed peer offers, HASH with OPTS HASH among them.
 */
import assert from "node:assert/strict";
import { createHash } from "node:crypto";
import { FtpClient } from "../../ftp/client.ts";
import { MemoryEndpoint } from "../../mod.ts";
import { startFtpServer, VirtualAuthorizer } from "../../server.ts";

Deno.test("client vs ferry's server: HASH with OPTS HASH, and MFMT", async () => {
  const endpoint = new MemoryEndpoint();
  const body = new TextEncoder().encode("hash me, please\n");
  const writer = (await endpoint.write("f.txt")).getWriter();
  await writer.write(body);
  await writer.close();
  const server = await startFtpServer({
    endpoint,
    authorizer: new VirtualAuthorizer().addUser("u", { password: "p", perm: "elradfmwMT" }),
    host: "127.0.0.1",
    port: 0,
  });
  const ftp = await FtpClient.connect({ host: "127.0.0.1", port: server.port });
  try {
    await ftp.login("u", "p");
    const sha = await ftp.hash("f.txt");
    assert.equal(sha.algorithm, "SHA-256");
    assert.equal(sha.hash, createHash("sha256").update(body).digest("hex"));
    const md5 = await ftp.hash("f.txt", "MD5");
    assert.equal(md5.hash, createHash("md5").update(body).digest("hex"));
    const sha1 = await ftp.hash("f.txt", "sha-1");
    assert.equal(sha1.hash, createHash("sha1").update(body).digest("hex"));
    await assert.rejects(ftp.hash("f.txt", "CRC32"), /not CRC32/);
    const when = new Date("2021-06-07T08:09:10Z");
    await ftp.setMtime("f.txt", when);
    assert.equal((await ftp.mdtm("f.txt")).toISOString(), when.toISOString());
  } finally {
    await ftp.quit();
    await server.close();
  }
});
