/**
 * Pipelined login (USER, PASS, FEAT and OPTS UTF8 ON in one write; TYPE A and
 * EPSV too where `epsvAhead` is on) against the real servers it is on for by
 * default: the right password logs in with the features known, the first
 * listing and download take the port opened at login (no EPSV sent for them,
 * a PWD between); a wrong password fails with 530 and no
 * stray reply is left behind (a command after it gets its own answer). A
 * ProFTPD that refuses OPTS UTF8 (`UseEncoding off`: 451) logs in the same.
 */
import assert from "node:assert/strict";
import { FtpClient } from "../../ftp/client.ts";
import { FtpPermanentError } from "../../ftp/errors.ts";
import { startProftpd } from "../peers/proftpd.ts";
import { startPureFtpd } from "../peers/pureftpd.ts";
import { startVsftpd } from "../peers/vsftpd.ts";
import { type Peer, peerTest } from "../peers/skip.ts";
import type { FtpPeer } from "../peers/types.ts";
import { traceCommands } from "./trace_commands.ts";

/** Each server, how it starts, and whether the login opens a passive port (`epsvAhead`). */
const servers: [string, Peer, () => Promise<FtpPeer>, boolean][] = [
  ["vsftpd", "vsftpd", () => startVsftpd(), true],
  ["proftpd", "proftpd", () => startProftpd(), true],
  [
    "proftpd refusing OPTS UTF8",
    "proftpd",
    () => startProftpd({ extraConfig: "UseEncoding off" }),
    true,
  ],
  ["pureftpd", "pureftpd", () => startPureFtpd(), false],
];

for (const [name, peerName, start, portAhead] of servers) {
  peerTest(`pipelined login on ${name}: right and wrong passwords`, [peerName], async () => {
    await using peer = await start();
    await Deno.writeTextFile(`${peer.root}/a.txt`, "hello");
    const trace = await traceCommands();
    const ftp = await FtpClient.connect({ host: peer.host, port: peer.port, timeoutMs: 20_000 });
    try {
      assert.equal(ftp.pipelinesLogin, true, ftp.welcome);
      await ftp.login(peer.user, peer.password);
      const login = ["FEAT", "OPTS UTF8 ON", ...(portAhead ? ["TYPE A", "EPSV"] : [])];
      assert.deepEqual(trace.sent.slice(2), login);
      assert.ok(ftp.knownFeatures?.has("SIZE") || ftp.knownFeatures?.has("MDTM"));
      assert.match(await ftp.pwd(), /^\//);
      const names = (await ftp.list(".")).map((e) => e.name);
      assert.ok(names.includes("a.txt"), names.join(" "));
      if (portAhead) {
        // The listing took the login's port (PWD between): no EPSV before its LIST.
        const rest = trace.sent.slice(2 + login.length);
        const list = rest.findIndex((l) => l.startsWith("LIST"));
        assert.ok(!rest.slice(0, list).includes("EPSV"), rest.join(" | "));
      }
      assert.equal(await new Response(await ftp.retrieve("a.txt")).text(), "hello");
    } finally {
      await ftp.quit();
      await trace.stop();
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
