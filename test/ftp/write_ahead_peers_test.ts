/**
 * Uploads whose bytes go before the server's 150 (`FtpClientOptions.writeAhead`,
 * on by default for plain data connections) on the real servers: files empty,
 * small and larger than the socket buffers arrive whole; a SIZE sent with the
 * data's end is answered (vsftpd, ProFTPD); a refused upload fails with the
 * server's own reply (not a data-connection error, which would be retried),
 * also when its bytes could never all be written, and the session stays in
 * step for the next command. Behind a control path slower than the data path
 * (a proxy holds each STOR until the upload's bytes went first) every file
 * arrives whole: vsftpd, ProFTPD and Pure-FTPd keep the early bytes for the
 * STOR; pyftpdlib 1.5.7 closes such a data connection ("not supposed to be
 * receiving") and waits for another, so it gets none (known by its welcome):
 * the upload stalled until the client's timeout.
 */
import assert from "node:assert/strict";
import { FtpClient } from "../../ftp/client.ts";
import { FtpPermanentError } from "../../ftp/errors.ts";
import { startCutProxy } from "../peers/cut_proxy.ts";
import type { Reply } from "../../ftp/reply.ts";
import { startProftpd } from "../peers/proftpd.ts";
import { startPureFtpd } from "../peers/pureftpd.ts";
import { startPyftpdlib } from "../peers/pyftpdlib.ts";
import { startVsftpd } from "../peers/vsftpd.ts";
import { chownForVsftpd } from "../peers/vsftpd_user.ts";
import { type Peer, peerTest } from "../peers/skip.ts";
import type { FtpPeer } from "../peers/types.ts";

const servers: [Peer, () => Promise<FtpPeer>][] = [
  ["proftpd", () => startProftpd()],
  ["vsftpd", () => startVsftpd({ lockUploadFiles: false })],
  ["pyftpdlib", () => startPyftpdlib()],
  ["pureftpd", () => startPureFtpd()],
];

/** `size` bytes of a pattern that shows a lost or moved block. */
function bytes(size: number): Uint8Array {
  const out = new Uint8Array(size);
  for (let i = 0; i < size; i++) out[i] = (i * 7 + (i >> 10)) & 0xff;
  return out;
}

async function upload(ftp: FtpClient, path: string, body: Uint8Array, after?: string) {
  const heard: Reply[] = [];
  const stream = await ftp.store(path, after ? { after, onAfter: (r) => heard.push(r) } : {});
  await ReadableStream.from([body]).pipeTo(stream);
  return heard;
}

/** A session logged in to `peer`, with a writable directory `up`. */
async function loggedIn(peer: FtpPeer): Promise<FtpClient> {
  await Deno.mkdir(`${peer.root}/up`);
  await chownForVsftpd(`${peer.root}/up`);
  const ftp = await FtpClient.connect({ host: peer.host, port: peer.port, timeoutMs: 20_000 });
  await ftp.login(peer.user, peer.password);
  return ftp;
}

for (const [name, start] of servers) {
  peerTest(`write-ahead uploads on ${name}: whole files, SIZE with the end`, [
    name,
  ], async () => {
    await using peer = await start();
    const ftp = await loggedIn(peer);
    try {
      for (const size of [0, 1, 65_537, 3 << 20]) {
        const body = bytes(size);
        const heard = await upload(ftp, `up/f${size}.bin`, body, `SIZE up/f${size}.bin`);
        assert.deepEqual(await Deno.readFile(`${peer.root}/up/f${size}.bin`), body, `${size}`);
        if (ftp.queuesReads) {
          // The SIZE's reply was read after the data's end, in step: whatever it said
          // (ProFTPD may answer while the file still grows), the next command gets its own.
          assert.equal(heard.length, 1, `${size}`);
        }
        assert.equal(await ftp.size(`up/f${size}.bin`), size);
      }
    } finally {
      await ftp.quit();
    }
  });

  peerTest(`write-ahead upload refused on ${name}: the server's reply, session in step`, [
    name,
  ], async () => {
    await using peer = await start();
    const ftp = await loggedIn(peer);
    try {
      // More than any socket buffer holds: the writes end only because the
      // refusal cut the data connection.
      for (const size of [10, 16 << 20]) {
        await assert.rejects(
          upload(ftp, `no-such-dir/f${size}.bin`, bytes(size)),
          (e) => e instanceof FtpPermanentError && (e.ftpCode ?? 0) >= 500,
          `${size} bytes`,
        );
        await upload(ftp, "up/after.bin", bytes(3));
        assert.equal(await ftp.size("up/after.bin"), 3, `after ${size} bytes`);
      }
    } finally {
      await ftp.quit();
    }
  });

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
        await upload(ftp, `up/f${size}.bin`, body);
        assert.deepEqual(await Deno.readFile(`${peer.root}/up/f${size}.bin`), body, `${size}`);
      }
      // The servers that keep early bytes got them first (the case under test).
      const holds = proxy.holds();
      assert.deepEqual(holds, name === "pyftpdlib" ? ["idle", "idle"] : ["fed", "fed"]);
    } finally {
      await ftp.quit().catch(() => {});
    }
  });
}
