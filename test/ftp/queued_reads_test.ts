/**
 * Downloads queued behind a running one (`FtpClientOptions.queueReads`):
 * against the servers it is on for (vsftpd; ProFTPD when asked), a second
 * RETR sent while the first still runs is answered after it, the bytes of
 * both are right, a third queues behind the second, and a cancelled first
 * download closes the session (the queued one fails as a lost connection)
 * instead of an ABOR the server would read after the queued commands. It is
 * off for servers that read commands during a transfer (pyftpdlib answers
 * them at once) or drop them (Pure-FTPd).
 * @module
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import { FtpClient } from "../../ftp/client.ts";
import { FtpConnectionError } from "../../ftp/errors.ts";
import { peerTest } from "../peers/skip.ts";
import type { FtpPeer } from "../peers/types.ts";
import { startProftpd } from "../peers/proftpd.ts";
import { startPureFtpd } from "../peers/pureftpd.ts";
import { startPyftpdlib } from "../peers/pyftpdlib.ts";
import { startVsftpd } from "../peers/vsftpd.ts";

const body = (name: string, size: number) => name.repeat(size).slice(0, size);

async function seed(peer: FtpPeer): Promise<void> {
  // a.txt is large enough to block the server in mid-transfer while the next
  // commands wait (the callers below pretend it is small, to queue behind it).
  for (const [name, size] of [["a", 4 << 20], ["b", 70_000], ["c", 5]] as const) {
    await Deno.writeTextFile(join(peer.root, `${name}.txt`), body(name, size));
  }
}

async function login(peer: FtpPeer, queueReads?: boolean): Promise<FtpClient> {
  const ftp = await FtpClient.connect({
    host: peer.host,
    port: peer.port,
    timeoutMs: 10_000,
    queueReads,
  });
  await ftp.login(peer.user, peer.password);
  // EPSV worked once: downloads pipeline from now on (and so may queue).
  assert.equal(await new Response(await ftp.retrieve("/c.txt")).text(), "ccccc");
  return ftp;
}

// On ProFTPD it is asked for: its default (sendfile) reads no command during a download.
const servers = [
  ["vsftpd", () => startVsftpd(), undefined],
  ["proftpd", () => startProftpd(), true],
] as const;

for (const [name, start, queueReads] of servers) {
  peerTest(
    `${name}: a download queued behind a running one gets its own bytes`,
    [name],
    async () => {
      await using peer = await start();
      await seed(peer);
      const ftp = await login(peer, queueReads);
      try {
        assert.equal(ftp.queuesReads, true, ftp.welcome);
        const a = await ftp.retrieve("/a.txt", { expectedSize: 3000 });
        assert.equal(ftp.queueable, true);
        // The place behind is promised to one caller (a pool's woken waiters take it once).
        assert.equal(ftp.claimQueue(), true);
        assert.equal(ftp.queueable, false, "claimed");
        assert.equal(ftp.claimQueue(), false, "claimed once");
        const b = ftp.retrieve("/b.txt", { expectedSize: 70_000 });
        b.catch(() => {}); // awaited below; a failure must not go unhandled meanwhile
        assert.equal(ftp.queueable, false, "one download queued behind another at most");
        assert.equal(await new Response(a).text(), body("a", 4 << 20));
        const second = await b;
        // The queued one runs now, and the next may queue behind it.
        assert.equal(ftp.queueable, true);
        const c = ftp.retrieve("/c.txt", { expectedSize: 5 });
        assert.equal(await new Response(second).text(), body("b", 70_000));
        assert.equal(await new Response(await c).text(), "ccccc");
        assert.equal(await ftp.pwd(), "/");
      } finally {
        await ftp.quit();
      }
    },
  );

  peerTest(
    `${name}: cancelling a download with another queued behind closes the session`,
    [name],
    async () => {
      await using peer = await start();
      await seed(peer);
      const ftp = await login(peer, queueReads);
      const a = await ftp.retrieve("/b.txt", { expectedSize: 70_000 });
      const queued = ftp.retrieve("/a.txt", { expectedSize: 3000 });
      queued.catch(() => {});
      await a.cancel();
      await assert.rejects(queued, FtpConnectionError);
      assert.equal(ftp.closed, true);
    },
  );
}

peerTest(
  "proftpd (UseSendfile off): downloads are not queued by default, each gets its own bytes",
  ["proftpd"],
  async () => {
    // Without sendfile ProFTPD reads commands during a transfer: a queued EPSV was answered
    // "450 EPSV: data transfer in progress" before the running RETR's 226 (on the wire).
    await using peer = await startProftpd({ extraConfig: "UseSendfile off" });
    await seed(peer);
    const ftp = await login(peer);
    try {
      const a = await ftp.retrieve("/a.txt", { expectedSize: 3000 });
      const b = ftp.retrieve("/b.txt", { expectedSize: 70_000 });
      b.catch(() => {}); // awaited below
      assert.equal(await new Response(a).text(), body("a", 4 << 20));
      assert.equal(await new Response(await b).text(), body("b", 70_000));
      assert.equal(await ftp.pwd(), "/");
      assert.equal(ftp.queuesReads, false, ftp.welcome);
    } finally {
      await ftp.quit();
    }
  },
);

peerTest(
  "proftpd (UseSendfile off), queueReads forced on: a reply out of step closes the session, never a wrong file or a wait",
  ["proftpd"],
  async () => {
    // A program that turns queueing on for a ProFTPD without sendfile: the queued EPSV is
    // answered "450 EPSV: data transfer in progress" before the running RETR's 226. Before,
    // the client took the 450 for the RETR's reply and every later one was off by one: it
    // waited for ever (10 min, killed). Now the session closes and both fail as a lost
    // connection (retried by a job), or both arrive whole when the RETR ended first.
    await using peer = await startProftpd({ extraConfig: "UseSendfile off" });
    await seed(peer);
    const ftp = await login(peer, true);
    const text = async (p: Promise<ReadableStream<Uint8Array>>) =>
      await new Response(await p).text();
    try {
      // The second is asked for once the first runs (its 150 read): its lines go mid-transfer.
      const running = await ftp.retrieve("/a.txt", { expectedSize: 3000 });
      const b = text(ftp.retrieve("/b.txt", { expectedSize: 70_000 }));
      const [ra, rb] = await Promise.allSettled([text(Promise.resolve(running)), b]);
      for (const [r, want] of [[ra, body("a", 4 << 20)], [rb, body("b", 70_000)]] as const) {
        if (r.status === "fulfilled") assert.equal(r.value, want);
        else assert.ok(r.reason instanceof FtpConnectionError, String(r.reason));
      }
    } finally {
      await ftp.quit();
    }
  },
);

for (const [name, start] of [["pyftpdlib", startPyftpdlib], ["pureftpd", startPureFtpd]] as const) {
  peerTest(`${name}: downloads are not queued behind a running one`, [name], async () => {
    await using peer = await start();
    await seed(peer);
    const ftp = await login(peer);
    try {
      assert.equal(ftp.queuesReads, false, ftp.welcome);
      const a = await ftp.retrieve("/a.txt", { expectedSize: 3000 });
      assert.equal(ftp.queueable, false);
      assert.equal(await new Response(a).text(), body("a", 4 << 20));
    } finally {
      await ftp.quit();
    }
  });
}
