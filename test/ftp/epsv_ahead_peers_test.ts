/**
 * The next transfer's EPSV sent with an upload's last steps
 * (`FtpClientOptions.epsvAhead`: `renameAfter` writes MFMT, RNFR, RNTO and
 * EPSV at once) on the real servers it is on for by default: the transfer
 * after it (a download, an upload, a listing, also after other commands)
 * connects to the port opened ahead without a new EPSV and moves the right
 * bytes; a refused rename fails with its own reply, and the EPSV's reply is
 * not taken for it (the next commands get their own answers).
 */
import assert from "node:assert/strict";
import { FtpClient } from "../../ftp/client.ts";
import { FtpPermanentError } from "../../ftp/errors.ts";
import { startProftpd } from "../peers/proftpd.ts";
import { startVsftpd } from "../peers/vsftpd.ts";
import { chownForVsftpd } from "../peers/vsftpd_user.ts";
import { type Peer, peerTest } from "../peers/skip.ts";
import type { FtpPeer } from "../peers/types.ts";
import { traceCommands } from "./trace_commands.ts";

/** Each server, and how it sets a file's time (vsftpd: MDTM with a time). */
const servers: [Peer, () => Promise<FtpPeer>, string][] = [
  ["proftpd", () => startProftpd(), "MFMT"],
  ["vsftpd", () => startVsftpd({ lockUploadFiles: false }), "MDTM"],
];

const text = new TextEncoder();

async function store(ftp: FtpClient, path: string, body: string): Promise<void> {
  await ReadableStream.from([text.encode(body)]).pipeTo(await ftp.store(path));
}

async function retrieve(ftp: FtpClient, path: string): Promise<string> {
  return await new Response(await ftp.retrieve(path)).text();
}

for (const [name, start, verb] of servers) {
  const MFMT = (path: string) => `${verb} 20200102030405 ${path}`;
  peerTest(`EPSV ahead on ${name}: the next transfer uses the port`, [name], async () => {
    await using peer = await start();
    await Deno.mkdir(`${peer.root}/up`);
    await chownForVsftpd(`${peer.root}/up`);
    const trace = await traceCommands();
    const ftp = await FtpClient.connect({ host: peer.host, port: peer.port, timeoutMs: 20_000 });
    try {
      await ftp.login(peer.user, peer.password);
      await store(ftp, "up/.a.part", "first file");
      const finish = async (from: string, to: string) => {
        const set = await ftp.renameAfter(MFMT(from), from, to);
        assert.equal(set.code, 213, set.text);
        assert.deepEqual(trace.sent.slice(-4), [MFMT(from), `RNFR ${from}`, `RNTO ${to}`, "EPSV"]);
        return trace.sent.length;
      };
      // A download after it: no EPSV of its own.
      let mark = await finish("up/.a.part", "up/a.txt");
      assert.equal(await retrieve(ftp, "up/a.txt"), "first file");
      assert.deepEqual(trace.sent.slice(mark), ["RETR up/a.txt"]);
      assert.equal(
        (await Deno.stat(`${peer.root}/up/a.txt`)).mtime?.toISOString(),
        "2020-01-02T03:04:05.000Z",
      );
      // An upload after it, with other commands between.
      await store(ftp, "up/.b.part", "second");
      mark = await finish("up/.b.part", "up/b.txt");
      assert.equal(await ftp.size("up/b.txt"), 6);
      await store(ftp, "up/c.txt", "third file");
      assert.equal(trace.sent.slice(mark).filter((l) => l === "EPSV").length, 0);
      assert.equal(await Deno.readTextFile(`${peer.root}/up/c.txt`), "third file");
      // A listing after it.
      await store(ftp, "up/.d.part", "fourth");
      mark = await finish("up/.d.part", "up/d.txt");
      const names = (await ftp.list("up")).map((e) => e.name).filter((n) => !n.startsWith("."));
      assert.deepEqual(names.sort(), ["a.txt", "b.txt", "c.txt", "d.txt"]);
      // No EPSV of its own before its LIST; on vsftpd one behind it, for the next transfer.
      const listing = trace.sent.slice(mark);
      const trails = name === "vsftpd" ? ["EPSV"] : [];
      assert.deepEqual(listing.filter((l) => l === "EPSV"), trails, listing.join(" | "));
      if (trails.length > 0) assert.equal(listing.at(-1), "EPSV", listing.join(" | "));
      // A refused rename: its own error; the EPSV's 229 goes to no one else.
      await assert.rejects(
        ftp.renameAfter(MFMT("up/.gone.part"), "up/.gone.part", "up/gone.txt"),
        (e) => e instanceof FtpPermanentError && e.ftpCode === 550,
      );
      assert.equal(await ftp.size("up/a.txt"), 10);
      assert.equal(await retrieve(ftp, "up/b.txt"), "second");
    } finally {
      await ftp.quit();
      await trace.stop();
    }
  });
}
