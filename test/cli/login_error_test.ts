/**
 * A login the server refuses: the error names user@host:port and the
 * server's own reply, and never the password. Against ferry's server
 * (USER and PASS one by one) and vsftpd (pipelined login; through the CLI's
 * head start for ftp://, through the TLS session for ftpes://), for `ls` and
 * `get`.
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import { MemoryEndpoint } from "../../mod.ts";
import { startFtpServer, VirtualAuthorizer } from "../../server.ts";
import { peerTest } from "../peers/skip.ts";
import { startVsftpd } from "../peers/vsftpd.ts";
import { ferry } from "./helpers.ts";

const WRONG = "wrong-Pa55word-xyz";

async function expectRefused(url: string, who: string, reply: RegExp, extra: string[] = []) {
  const dir = await Deno.makeTempDir({ prefix: "ferry-login-" });
  try {
    for (
      const args of [
        ["ls", url],
        ["get", `${url}/nothing.txt`, join(dir, "nothing.txt")],
      ]
    ) {
      const run = await ferry([...args, "--password-env", "PW", ...extra], { env: { PW: WRONG } });
      assert.equal(run.code, 1, run.stderr);
      assert.ok(run.stderr.includes(who), `${args[0]}: no ${who} in: ${run.stderr}`);
      assert.match(run.stderr, reply, args[0]);
      assert.ok(!run.stderr.includes(WRONG) && !run.stdout.includes(WRONG), "no password");
    }
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
}

Deno.test("a refused login names bob@127.0.0.1:PORT and ferry's server's reply", async () => {
  const authorizer = new VirtualAuthorizer().addUser("bob", { password: "right", perm: "elr" });
  const srv = await startFtpServer({
    endpoint: new MemoryEndpoint(),
    authorizer,
    port: 0,
    authFailedDelayMs: 0,
  });
  try {
    const who = `bob@127.0.0.1:${srv.port}`;
    await expectRefused(`ftp://${who}`, who, /530 Authentication failed/);
  } finally {
    await srv.close();
  }
});

peerTest("a refused login names user@host:port and vsftpd's reply", ["vsftpd"], async () => {
  await using peer = await startVsftpd();
  const who = `${peer.user}@127.0.0.1:${peer.port}`;
  await expectRefused(`ftp://${who}`, who, /530 Login incorrect/);
});

peerTest("a refused ftpes:// login names user@host:port and vsftpd's reply", [
  "vsftpd",
  "openssl",
], async () => {
  await using peer = await startVsftpd({ tls: "explicit" });
  const dir = await Deno.makeTempDir({ prefix: "ferry-login-ca-" });
  try {
    await Deno.writeTextFile(join(dir, "ca.pem"), peer.caPem!);
    const who = `${peer.user}@127.0.0.1:${peer.port}`;
    await expectRefused(`ftpes://${who}`, who, /530 Login incorrect/, [
      "--ca",
      join(dir, "ca.pem"),
    ]);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
