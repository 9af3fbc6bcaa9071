/**
 * Pipelined login (USER, PASS and FEAT in one write) against the real servers
 * it is on for by default: the right password logs in with the features
 * known, a wrong one fails with 530 and no stray reply is left behind (a
 * command after it gets its own answer).
 */
import assert from "node:assert/strict";
import { FtpClient } from "../../ftp/client.ts";
import { FtpPermanentError } from "../../ftp/errors.ts";
import { startProftpd } from "../peers/proftpd.ts";
import { startPureFtpd } from "../peers/pureftpd.ts";
import { startVsftpd } from "../peers/vsftpd.ts";
import { type Peer, peerTest } from "../peers/skip.ts";
import type { FtpPeer } from "../peers/types.ts";

const servers: [Peer, () => Promise<FtpPeer>][] = [
  ["vsftpd", () => startVsftpd()],
  ["proftpd", () => startProftpd()],
  ["pureftpd", () => startPureFtpd()],
];

for (const [name, start] of servers) {
  peerTest(`pipelined login on ${name}: right and wrong passwords`, [name], async () => {
    await using peer = await start();
    const ftp = await FtpClient.connect({ host: peer.host, port: peer.port, timeoutMs: 20_000 });
    try {
      assert.equal(ftp.pipelinesLogin, true, ftp.welcome);
      await ftp.login(peer.user, peer.password);
      assert.ok(ftp.knownFeatures?.has("SIZE") || ftp.knownFeatures?.has("MDTM"));
      assert.match(await ftp.pwd(), /^\//);
    } finally {
      await ftp.quit();
    }
    const bad = await FtpClient.connect({ host: peer.host, port: peer.port, timeoutMs: 20_000 });
    try {
      await assert.rejects(
        bad.login(peer.user, "wrong-password"),
        (e) => e instanceof FtpPermanentError && e.ftpCode === 530,
      );
      // The replies stayed in step: NOOP gets its own answer (or the server hung up).
      await bad.noop().catch((e) =>
        assert.ok(bad.closed || e instanceof FtpPermanentError, String(e))
      );
    } finally {
      bad.close();
    }
  });
}
