/**
 * `ferry serve` in front of a remote endpoint (an `ftp://` endpoint on
 * pyftpdlib or vsftpd, behind the cut proxy): a staged upload's last step, the
 * rename of the staged file onto the real name on that endpoint, is cut at
 * RNTO. The server asks the endpoint on a new session what happened (the
 * engine's replaceChecked) and answers 226 when the file is in place: renamed
 * again when the staged file was still there, found done when the rename had
 * happened. Before, a cut rename answered the client with a failure (and a
 * rename that had happened was reported as failed).
 */
import assert from "node:assert/strict";
import { openEndpoint } from "../../mod.ts";
import { startFtpServer, VirtualAuthorizer } from "../../server.ts";
import { type ControlCut, startCutProxy } from "../peers/cut_proxy.ts";
import { type Peer, peerTest } from "../peers/skip.ts";
import { startPyftpdlib } from "../peers/pyftpdlib.ts";
import { startVsftpd } from "../peers/vsftpd.ts";
import { startProftpd } from "../peers/proftpd.ts";
import { startPureFtpd } from "../peers/pureftpd.ts";
import { chownForVsftpd } from "../peers/vsftpd_user.ts";
import type { FtpPeer } from "../peers/types.ts";
import { Ctl, writeAll } from "./client.ts";
import { randomBytes } from "./helpers.ts";

/** STOR of `a.bin` to a ferry server whose storage is `up/` on `peer`, through a proxy cutting as `cut` says. */
async function storCut(peer: FtpPeer, cut: ControlCut): Promise<void> {
  await Deno.mkdir(`${peer.root}/up`, { recursive: true });
  await chownForVsftpd(`${peer.root}/up`);
  await using proxy = await startCutProxy({ targetPort: peer.port, controlCut: cut });
  const remote = await openEndpoint(`ftp://127.0.0.1:${proxy.port}/up`, {
    credentials: { user: peer.user, password: peer.password },
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
    const body = randomBytes(50_000);
    const data = await c.epsv();
    assert.ok([125, 150].includes((await c.cmd("STOR a.bin")).code));
    await writeAll(data, body);
    const reply = await c.reply();
    assert.ok(proxy.controlCutDone(), "the rename was cut");
    assert.equal(reply.code, 226, reply.text);
    assert.deepEqual(await Deno.readFile(`${peer.root}/up/a.bin`), body);
    assert.deepEqual([...Deno.readDirSync(`${peer.root}/up`)].map((e) => e.name), ["a.bin"]);
    const stores = proxy.commands().filter((l) => /^(STOR|APPE)\b/.test(l));
    assert.equal(stores.length, 1, `stored once: ${stores}`);
  } finally {
    await front.close();
    await remote.close();
  }
}

const servers: [Peer, () => Promise<FtpPeer>][] = [
  ["pyftpdlib", () => startPyftpdlib()],
  ["vsftpd", () => startVsftpd({ lockUploadFiles: false })],
  ["proftpd", () => startProftpd()],
  ["pureftpd", () => startPureFtpd()],
];

for (const [name, start] of servers) {
  peerTest(`serve over ${name}: a staged upload's rename cut before the server is made again`, [
    name,
  ], async () => {
    await using peer = await start();
    await storCut(peer, { command: /^RNTO /, at: "command" });
  });

  peerTest(`serve over ${name}: a staged upload's rename done, its answer cut, is found done`, [
    name,
  ], async () => {
    await using peer = await start();
    await storCut(peer, { command: /^RNTO /, at: "reply" });
  });
}
