/**
 * Checksum mirrors against a server that offers HASH (ferry's own server over
 * memory): equal sizes and times, different bytes; only checksum mode notices.
 */
import assert from "node:assert/strict";
import { MemoryEndpoint, mirror, openEndpoint } from "../../mod.ts";
import { startFtpServer, VirtualAuthorizer } from "../../server.ts";

const bytes = (s: string) => new TextEncoder().encode(s);

async function put(ep: MemoryEndpoint, path: string, text: string, mtime: Date) {
  const w = (await ep.write(path, { mtime })).getWriter();
  await w.write(bytes(text));
  await w.close();
}

Deno.test("mirror --compare checksum uses HASH on FTP and computed hashes locally", async () => {
  const served = new MemoryEndpoint();
  const local = new MemoryEndpoint();
  const when = new Date("2024-03-04T05:06:07Z");
  await put(local, "same.txt", "identical", when);
  await put(served, "same.txt", "identical", when);
  await put(local, "twin.txt", "AAAA", when);
  await put(served, "twin.txt", "BBBB", when);
  const server = await startFtpServer({
    endpoint: served,
    authorizer: new VirtualAuthorizer().addUser("u", { password: "p", perm: "elradfmwMT" }),
    host: "127.0.0.1",
    port: 0,
  });
  const remote = await openEndpoint(`ftp://127.0.0.1:${server.port}/`, {
    credentials: { user: "u", password: "p" },
  });
  try {
    assert.ok(remote.capabilities().hashes.includes("sha-256"));
    const quick = await mirror(local, "", remote, "", { dryRun: true });
    assert.equal(quick.files.transferred, 0, "size+mtime sees nothing to do");
    const sums = await mirror(local, "", remote, "", { compare: "checksum" });
    assert.equal(sums.files.transferred, 1);
    assert.ok(sums.ok, JSON.stringify(sums.errors));
    const body = await new Response(await served.read("twin.txt")).text();
    assert.equal(body, "AAAA");
  } finally {
    await remote.close();
    await server.close();
  }
});
