/**
 * Downloads queued behind a running one (`FtpClientOptions.queueReads`) when
 * the running one fails, against the servers it is on for (vsftpd, ProFTPD):
 * a RETR refused (550, a file the server may not read) with the next
 * download's EPSV and RETR already sent behind it, and a data connection cut
 * in mid-transfer (test/peers/cut_proxy.ts) with the next one queued. The
 * failed download fails alone with its own error (a cut one may instead end
 * short with vsftpd's 226: the size check is the sync layer's); the queued one
 * gets its own bytes from the replies that follow, and the session stays in
 * step.
 *
 * And why the queue is off elsewhere, shown on the wire: both read the control
 * connection during a transfer. pyftpdlib answers a command sent then at once
 * (an EPSV sent behind a running RETR would be taken mid-transfer), Pure-FTPd
 * answers it with 500 (a queued EPSV and RETR would be lost).
 * @module
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import { FtpClient } from "../../ftp/client.ts";
import { FtpError } from "../../ftp/errors.ts";
import { startCutProxy } from "../peers/cut_proxy.ts";
import { peerTest } from "../peers/skip.ts";
import type { FtpPeer } from "../peers/types.ts";
import { startProftpd } from "../peers/proftpd.ts";
import { startPureFtpd } from "../peers/pureftpd.ts";
import { startPyftpdlib } from "../peers/pyftpdlib.ts";
import { RawFtp } from "../peers/rawftp.ts";
import { startVsftpd } from "../peers/vsftpd.ts";

const body = (name: string, size: number) => name.repeat(size).slice(0, size);

async function seed(peer: FtpPeer): Promise<void> {
  for (const [name, size] of [["a", 4 << 20], ["b", 70_000], ["c", 5], ["s", 10]] as const) {
    await Deno.writeTextFile(join(peer.root, `${name}.txt`), body(name, size));
  }
  // The server's user may not read s.txt: its RETR is refused (550).
  await Deno.chmod(join(peer.root, "s.txt"), 0o000);
}

async function login(host: string, port: number, peer: FtpPeer): Promise<FtpClient> {
  // Asked for: on ProFTPD it is off by default (see FtpClientOptions.queueReads).
  const ftp = await FtpClient.connect({ host, port, timeoutMs: 10_000, queueReads: true });
  await ftp.login(peer.user, peer.password);
  // EPSV worked once: downloads pipeline from now on (and so may queue).
  assert.equal(await new Response(await ftp.retrieve("/c.txt")).text(), "ccccc");
  assert.equal(ftp.queuesReads, true, ftp.welcome);
  return ftp;
}

/** Settles once the session takes a download behind the running one. */
async function queueable(ftp: FtpClient): Promise<void> {
  for (let i = 0; i < 1000 && !ftp.queueable; i++) await Promise.resolve();
  assert.equal(ftp.queueable, true, "the running download lets the next queue behind it");
}

for (const [name, start] of [["vsftpd", startVsftpd], ["proftpd", startProftpd]] as const) {
  peerTest(
    `${name}: a refused download fails alone; the one queued behind it gets its bytes`,
    [name],
    async () => {
      await using peer = await start();
      await seed(peer);
      const ftp = await login(peer.host, peer.port, peer);
      try {
        // EPSV and RETR s.txt go out at once; b.txt's lines follow before any reply.
        const refused = ftp.retrieve("/s.txt", { expectedSize: 10 });
        refused.catch(() => {});
        await queueable(ftp);
        const queued = ftp.retrieve("/b.txt", { expectedSize: 70_000 });
        queued.catch(() => {});
        await assert.rejects(
          refused,
          (e: unknown) => e instanceof FtpError && /550/.test(e.message),
        );
        assert.equal(await new Response(await queued).text(), body("b", 70_000));
        assert.equal(ftp.closed, false, "the session stays");
        assert.equal(await ftp.pwd(), "/");
        assert.equal(await new Response(await ftp.retrieve("/c.txt")).text(), "ccccc");
      } finally {
        await ftp.quit();
      }
    },
  );

  peerTest(
    `${name}: a download whose data connection is cut fails; the one queued behind it gets its bytes`,
    [name],
    async () => {
      await using peer = await start();
      await seed(peer);
      // Data connection 1 is the login's c.txt; the 2nd (b.txt) ends after 20,000 bytes.
      await using proxy = await startCutProxy({
        targetPort: peer.port,
        cut: { connection: 2, afterBytes: 20_000 },
      });
      const ftp = await login(proxy.host, proxy.port, peer);
      try {
        const cut = await ftp.retrieve("/b.txt", { expectedSize: 70_000 });
        await queueable(ftp);
        const queued = ftp.retrieve("/c.txt", { expectedSize: 5 });
        queued.catch(() => {});
        // Cut short: an error, or fewer bytes than the file has (vsftpd may still answer 226
        // for bytes its socket took; the sync layer checks every file's size, sync/transfer.ts).
        const got = await new Response(cut).arrayBuffer().then((b) => b.byteLength, () => -1);
        assert.ok(got < 70_000, `the cut download did not end whole (${got} bytes)`);
        assert.equal(proxy.cutDone(), true);
        if (ftp.closed) {
          // Cut sessions may be dropped (the queued download fails as a lost connection).
          await assert.rejects(queued);
        } else {
          assert.equal(await new Response(await queued).text(), "ccccc");
          assert.equal(await ftp.pwd(), "/");
        }
        assert.equal(proxy.mostControlsAtOnce(), 1);
      } finally {
        await ftp.quit().catch(() => {});
      }
    },
  );
}

/**
 * Sends NOOP while a 16 MiB RETR runs (nothing read from the data connection
 * yet, so the server cannot have sent it all) and returns the replies that
 * follow the 1xx, in order, until the transfer's 226.
 */
async function repliesDuringRetr(peer: FtpPeer): Promise<number[]> {
  await Deno.writeTextFile(join(peer.root, "big.txt"), body("x", 16 << 20));
  await using raw = await RawFtp.connect(peer.host, peer.port);
  assert.equal((await raw.readReply()).code, 220);
  await raw.login(peer.user, peer.password);
  await raw.command("TYPE I");
  const epsv = await raw.command("EPSV");
  const data = await Deno.connect({
    hostname: peer.host,
    port: Number(/\|(\d+)\|/.exec(epsv.text)![1]),
  });
  await raw.send("RETR /big.txt");
  const first = await raw.readReply();
  assert.ok(first.code === 125 || first.code === 150, `${first.code} ${first.text}`);
  await raw.send("NOOP");
  const codes: number[] = [];
  const replies = (async () => {
    for (let code = 0; code !== 226;) codes.push(code = (await raw.readReply()).code);
  })();
  assert.equal(await drain(data), 16 << 20);
  await replies;
  return codes;
}

peerTest(
  "pyftpdlib answers a command sent during a transfer at once, so downloads are not queued there",
  ["pyftpdlib"],
  async () => {
    await using peer = await startPyftpdlib();
    // An EPSV sent behind a running RETR would be taken in mid-transfer.
    assert.deepEqual(await repliesDuringRetr(peer), [200, 226]);
  },
);

peerTest(
  "Pure-FTPd answers a command sent during a transfer with 500, so downloads are not queued there",
  ["pureftpd"],
  async () => {
    await using peer = await startPureFtpd();
    // A queued EPSV and RETR would be refused as unknown commands in mid-transfer.
    assert.deepEqual(await repliesDuringRetr(peer), [500, 226]);
  },
);

async function drain(conn: Deno.Conn): Promise<number> {
  let n = 0;
  for await (const chunk of conn.readable) n += chunk.length;
  return n;
}
