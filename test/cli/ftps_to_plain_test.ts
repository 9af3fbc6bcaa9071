/**
 * `ferry ls ftps://HOST:PORT/` (implicit TLS) against a port where a plain FTP
 * server answers: one clear error that names host:port, says the server did
 * not speak TLS and suggests ftpes:// or ftp://; no raw TLS exception, no
 * "speaks TLS 1.3 only" guess, no second handshake, no wait for a timeout.
 */
import assert from "node:assert/strict";
import { MemoryEndpoint } from "../../mod.ts";
import { startFtpServer, VirtualAuthorizer } from "../../server.ts";
import { peerTest } from "../peers/skip.ts";
import { startVsftpd } from "../peers/vsftpd.ts";
import { ferry } from "./helpers.ts";

async function expectNotTls(port: number, user = "anonymous", env: Record<string, string> = {}) {
  const started = Date.now();
  const ls = await ferry(
    ["ls", "--net-timeout", "30s", "--password-env", "PW", `ftps://${user}@127.0.0.1:${port}/`],
    { env: { PW: "x", ...env } },
  );
  assert.equal(ls.code, 1, ls.stdout + ls.stderr);
  assert.equal(ls.stdout, "");
  assert.ok(ls.stderr.includes(`127.0.0.1:${port}`), ls.stderr);
  assert.match(ls.stderr, /did not speak TLS/);
  assert.match(ls.stderr, /ftpes:\/\//);
  assert.match(ls.stderr, /ftp:\/\//);
  assert.doesNotMatch(ls.stderr, /InvalidContentType|wrong version number|TLS 1\.3 only/);
  assert.equal(ls.stderr.trim().split("\n").length, 1, ls.stderr);
  assert.ok(Date.now() - started < 20_000, "no wait for the 30 s timeout");
}

Deno.test("ftps:// to ferry's plain FTP server: 'did not speak TLS', host:port named", async () => {
  const authorizer = new VirtualAuthorizer().addUser("bob", { password: "pw", perm: "elr" });
  const srv = await startFtpServer({ endpoint: new MemoryEndpoint(), authorizer, port: 0 });
  try {
    await expectNotTls(srv.port, "bob", { PW: "pw" });
  } finally {
    await srv.close();
  }
});

peerTest(
  "ftps:// to a plain vsftpd: 'did not speak TLS', host:port named",
  ["vsftpd"],
  async () => {
    await using peer = await startVsftpd();
    await expectNotTls(peer.port, peer.user, { PW: peer.password });
  },
);
