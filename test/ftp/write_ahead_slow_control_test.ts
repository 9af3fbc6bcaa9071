/**
 * Write-ahead uploads (`FtpClientOptions.writeAhead`, the default) when the
 * control path is slower than the data path (a proxy holds each STOR until
 * the upload's bytes went to the server first): every file arrives whole.
 * pyftpdlib 1.5.7 closes a data connection that sends bytes before its
 * command ("not supposed to be receiving"), then waits for another: the
 * upload stalled until the client's timeout. vsftpd, ProFTPD and Pure-FTPd
 * keep the early bytes for the STOR.
 */
import assert from "node:assert/strict";
import { FtpClient } from "../../ftp/client.ts";
import { startCutProxy } from "../peers/cut_proxy.ts";
import { startProftpd } from "../peers/proftpd.ts";
import { startPureFtpd } from "../peers/pureftpd.ts";
import { startPyftpdlib } from "../peers/pyftpdlib.ts";
import { startVsftpd } from "../peers/vsftpd.ts";
import { chownForVsftpd } from "../peers/vsftpd_user.ts";
import { type Peer, peerTest } from "../peers/skip.ts";
import type { FtpPeer } from "../peers/types.ts";

const servers: [Peer, () => Promise<FtpPeer>][] = [
  ["pyftpdlib", () => startPyftpdlib()],
  ["vsftpd", () => startVsftpd({ lockUploadFiles: false })],
  ["proftpd", () => startProftpd()],
  ["pureftpd", () => startPureFtpd()],
];

/** `size` bytes of a pattern that shows a lost or moved block. */
function bytes(size: number): Uint8Array {
  const out = new Uint8Array(size);
  for (let i = 0; i < size; i++) out[i] = (i * 7 + (i >> 10)) & 0xff;
  return out;
}

for (const [name, start] of servers) {
  peerTest(`write-ahead uploads on ${name} behind a slow control path arrive whole`, [
    name,
  ], async () => {
    await using peer = await start();
    await Deno.mkdir(`${peer.root}/up`);
    await chownForVsftpd(`${peer.root}/up`);
    await using proxy = await startCutProxy({
      targetPort: peer.port,
      holdCommand: { command: /^(STOR|APPE) /, graceMs: 300 },
    });
    // A stalled upload fails after 2 s, not the default minutes.
    const ftp = await FtpClient.connect({ host: proxy.host, port: proxy.port, timeoutMs: 2_000 });
    try {
      await ftp.login(peer.user, peer.password);
      for (const size of [1, 65_537]) {
        const body = bytes(size);
        const stream = await ftp.store(`up/f${size}.bin`);
        await ReadableStream.from([body]).pipeTo(stream);
        assert.deepEqual(await Deno.readFile(`${peer.root}/up/f${size}.bin`), body, `${size}`);
      }
      const holds = proxy.holds();
      assert.equal(holds.length, 2);
      // No data connection was closed by the server before its STOR; the servers that
      // keep early bytes got them first (the case under test).
      assert.ok(!holds.includes("closed"), holds.join());
      if (name !== "pyftpdlib") assert.deepEqual(holds, ["fed", "fed"]);
    } finally {
      await ftp.quit().catch(() => {});
    }
  });
}
