/**
 * A mirror of many small files from the servers where downloads queue behind
 * each other (vsftpd, ProFTPD when asked: `FtpClientOptions.queueReads`), with one file
 * the server refuses (550) and one data connection cut in mid-file: every
 * other file arrives with its bytes and its mtime to the second, the refused
 * one is the only failure, and never more sessions than `maxConnections`.
 */
import assert from "node:assert/strict";
import { FtpEndpoint } from "../../host.ts";
import { LocalEndpoint, mirror } from "../../mod.ts";
import { randomFile, sha256 } from "./helpers.ts";
import { startCutProxy } from "../peers/cut_proxy.ts";
import { peerTest } from "../peers/skip.ts";
import { startProftpd } from "../peers/proftpd.ts";
import { startVsftpd } from "../peers/vsftpd.ts";
import { chownForVsftpd } from "../peers/vsftpd_user.ts";

const FILES = 40;

for (const [name, start] of [["vsftpd", startVsftpd], ["proftpd", startProftpd]] as const) {
  peerTest(
    `${name}: a queued mirror with a refused file and a cut data connection`,
    [name],
    async () => {
      await using peer = await start();
      const files = new Map<string, Uint8Array>();
      for (let i = 0; i < FILES; i++) {
        const path = `d${i % 2}/f${i}.bin`;
        files.set(path, randomFile(1024 + 997 * i));
      }
      for (const dir of ["d0", "d1"]) {
        await Deno.mkdir(`${peer.root}/src/${dir}`, { recursive: true });
      }
      const when = new Date("2024-03-01T10:20:33Z");
      for (const [path, bytes] of files) {
        await Deno.writeFile(`${peer.root}/src/${path}`, bytes);
        await Deno.utime(`${peer.root}/src/${path}`, when, when);
      }
      await chownForVsftpd(`${peer.root}/src`);
      // The server's user may not read this one: its RETR is refused with 550.
      await Deno.writeTextFile(`${peer.root}/src/d1/secret.bin`, "no");
      await Deno.chmod(`${peer.root}/src/d1/secret.bin`, 0o000);
      // The first data connection to carry 8,000 bytes is cut there: a file in mid-transfer
      // (every listing here is smaller: ProFTPD's MLSD lines are ~210 bytes, 21 a directory;
      // 32 files are larger). Not "the Nth connection": which
      // one that is depends on the order of the transfers, and a small or refused file is never
      // cut (failed 1 of 10 runs under load).
      await using proxy = await startCutProxy({
        targetPort: peer.port,
        cut: { afterBytes: 8_000 },
      });
      const local = await Deno.makeTempDir({ prefix: "ferry-queued-mirror-" });
      const remote = await FtpEndpoint.open(`ftp://127.0.0.1:${proxy.port}/`, {
        // Asked for on ProFTPD (off by default: see FtpClientOptions.queueReads).
        options: name === "proftpd" ? { queueReads: true } : {},
        credentials: { user: peer.user, password: peer.password },
        timeout: 10,
        maxConnections: 3,
      });
      try {
        assert.equal(await remote.host.queuesReads(), true);
        const r = await mirror(remote, "src", new LocalEndpoint(local), "", {
          parallel: 3,
          retry: { baseDelayMs: 10 },
        });
        assert.equal(proxy.cutDone(), true, "a data connection was cut");
        assert.deepEqual(r.errors.map((e) => e.path), ["d1/secret.bin"], JSON.stringify(r.errors));
        assert.match(JSON.stringify(r.errors), /550/);
        for (const [path, bytes] of files) {
          const got = await Deno.readFile(`${local}/${path}`);
          assert.equal(sha256(got), sha256(bytes), path);
          const mtime = (await Deno.stat(`${local}/${path}`)).mtime!;
          assert.equal(Math.floor(mtime.getTime() / 1000), when.getTime() / 1000, path);
        }
        assert.ok(proxy.mostControlsAtOnce() <= 3, `sessions: ${proxy.mostControlsAtOnce()}`);
      } finally {
        await remote.close();
        await Deno.remove(local, { recursive: true });
      }
    },
  );
}
