/**
 * The next transfer's EPSV sent behind a small download's lines
 * (`FtpClient.portBehindReads`, which a session pool answers true while no
 * caller waits to queue a download there) on the real servers that read
 * commands one after another: the server answers it after the download's
 * 226, and the transfer after it (a download, an upload, a listing) connects
 * to that port without an EPSV of its own and moves the right bytes. A
 * refused download keeps its own error and the session stays in step; with
 * the hook saying no, nothing goes behind.
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

const servers: [Peer, () => Promise<FtpPeer>][] = [
  ["proftpd", () => startProftpd()],
  ["vsftpd", () => startVsftpd({ lockUploadFiles: false })],
];

async function retrieve(ftp: FtpClient, path: string): Promise<string> {
  return await new Response(await ftp.retrieve(path, { expectedSize: 100 })).text();
}

for (const [name, start] of servers) {
  peerTest(`port behind reads on ${name}: the next transfer uses it`, [name], async () => {
    await using peer = await start();
    await Deno.mkdir(`${peer.root}/d`);
    for (const f of ["a", "b", "c"]) {
      await Deno.writeTextFile(`${peer.root}/d/${f}.txt`, `file ${f}`);
    }
    await chownForVsftpd(`${peer.root}/d`);
    const trace = await traceCommands();
    const ftp = await FtpClient.connect({ host: peer.host, port: peer.port, timeoutMs: 20_000 });
    let behind = true;
    ftp.portBehindReads = () => behind;
    try {
      await ftp.login(peer.user, peer.password);
      // A download sends the next transfer's EPSV behind its RETR (once EPSV has worked).
      assert.equal(await retrieve(ftp, "d/a.txt"), "file a");
      assert.equal(trace.sent.at(-1), "EPSV");
      // A download after it: only its RETR (and again an EPSV behind).
      let mark = trace.sent.length;
      assert.equal(await retrieve(ftp, "d/b.txt"), "file b");
      assert.deepEqual(trace.sent.slice(mark), ["RETR d/b.txt", "EPSV"]);
      mark = trace.sent.length;
      assert.equal(await retrieve(ftp, "d/c.txt"), "file c");
      assert.deepEqual(trace.sent.slice(mark), ["RETR d/c.txt", "EPSV"]);
      // With a query ahead of it on that port (MDTM): the EPSV goes in their write.
      mark = trace.sent.length;
      let heard = 0;
      const withMdtm = await ftp.retrieve("d/a.txt", {
        expectedSize: 100,
        ahead: ["MDTM d/a.txt"],
        onAhead: ([reply]) => heard = reply.code,
      });
      assert.equal(await new Response(withMdtm).text(), "file a");
      assert.equal(heard, 213);
      assert.deepEqual(trace.sent.slice(mark), ["MDTM d/a.txt", "RETR d/a.txt", "EPSV"]);
      // An upload after it.
      mark = trace.sent.length;
      await ReadableStream.from([new TextEncoder().encode("uploaded")]).pipeTo(
        await ftp.store("d/up.txt"),
      );
      assert.deepEqual(trace.sent.slice(mark), ["STOR d/up.txt"]);
      assert.equal(await Deno.readTextFile(`${peer.root}/d/up.txt`), "uploaded");
      // A refused download: its own 550; the EPSV behind it still serves the next transfer.
      assert.equal(await retrieve(ftp, "d/a.txt"), "file a");
      await assert.rejects(
        retrieve(ftp, "d/missing.txt"),
        (e) => e instanceof FtpPermanentError && e.ftpCode === 550,
      );
      // A listing after it (other commands between).
      assert.equal(await ftp.size("d/b.txt"), 6);
      mark = trace.sent.length;
      const names = (await ftp.list("d")).map((e) => e.name).filter((n) => !n.startsWith("."));
      assert.deepEqual(names.sort(), ["a.txt", "b.txt", "c.txt", "up.txt"]);
      // The listing used the port; on vsftpd its own command carries the next EPSV (a
      // `NextPort`, ruled by `#nextPortOf`), on ProFTPD nothing goes behind it.
      const listingTrails = name === "vsftpd";
      assert.deepEqual(
        trace.sent.slice(mark).filter((l) => l === "EPSV"),
        listingTrails ? ["EPSV"] : [],
      );
      // Not behind a listing on ProFTPD: it reads commands during a long LIST (an EPSV sent
      // behind one was answered "450 EPSV: data transfer in progress" before the 226).
      await Deno.mkdir(`${peer.root}/many`);
      for (let i = 0; i < 3000; i++) {
        await Deno.writeTextFile(`${peer.root}/many/a-rather-long-file-name-${i}.txt`, "x");
      }
      await chownForVsftpd(`${peer.root}/many`);
      assert.equal((await ftp.list("many")).filter((e) => e.type === "file").length, 3000);
      assert.equal(trace.sent.at(-1) === "EPSV", listingTrails);
      // The hook says no (a caller waits to queue behind): nothing goes behind.
      behind = false;
      assert.equal(await retrieve(ftp, "d/b.txt"), "file b");
      mark = trace.sent.length;
      assert.equal(await retrieve(ftp, "d/c.txt"), "file c");
      assert.deepEqual(trace.sent.slice(mark), ["EPSV", "RETR d/c.txt"]);
    } finally {
      await ftp.quit();
      await trace.stop();
    }
  });
}
