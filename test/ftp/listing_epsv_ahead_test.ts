/**
 * On vsftpd a listing's command carries the EPSV of the session's next
 * transfer (`LIST` then `EPSV` in one write; vsftpd reads no command while a
 * transfer runs, so the 229 comes right behind the 226): the next listing,
 * download or listing after other commands connects to that port without an
 * EPSV of its own, and every reply goes to its own command (an empty
 * directory, a missing one, a refused download in between). On the old code
 * every listing sent its own EPSV first.
 */
import assert from "node:assert/strict";
import { FtpClient } from "../../ftp/client.ts";
import { FtpPermanentError } from "../../ftp/errors.ts";
import { startVsftpd } from "../peers/vsftpd.ts";
import { chownForVsftpd } from "../peers/vsftpd_user.ts";
import { peerTest } from "../peers/skip.ts";
import { traceCommands } from "./trace_commands.ts";

/** The lines sent from `mark` on, and whether any EPSV came before the first transfer command. */
function since(sent: string[], mark: number) {
  const lines = sent.slice(mark);
  const first = lines.findIndex((l) => /^(LIST|RETR|NLST)/.test(l));
  return { lines, epsvFirst: lines.slice(0, first).includes("EPSV") };
}

peerTest(
  "vsftpd: a listing leaves a port for the next transfer; replies stay in step",
  ["vsftpd"],
  async () => {
    await using peer = await startVsftpd();
    for (const dir of ["a", "b", "a/c", "empty"]) await Deno.mkdir(`${peer.root}/${dir}`);
    await Deno.writeTextFile(`${peer.root}/a/x.txt`, "in a\n");
    await Deno.writeTextFile(`${peer.root}/b/y.txt`, "in b, longer\n");
    await chownForVsftpd(peer.root);
    const trace = await traceCommands();
    const ftp = await FtpClient.connect({ host: peer.host, port: peer.port, timeoutMs: 20_000 });
    try {
      await ftp.login(peer.user, peer.password);
      const names = async (dir: string) =>
        (await ftp.list(dir)).map((e) => e.name).filter((n) => n !== "." && n !== "..").sort();
      assert.deepEqual(await names("/"), ["a", "b", "empty"]);
      let mark = trace.sent.length;
      assert.deepEqual(await names("/a"), ["c", "x.txt"]);
      let step = since(trace.sent, mark);
      assert.deepEqual(step.lines, ["LIST -a /a", "EPSV"], step.lines.join(" | "));
      // Listings in turn, an empty and a missing directory among them.
      for (const [dir, want] of [["/b", ["y.txt"]], ["/empty", []], ["/gone", []]] as const) {
        mark = trace.sent.length;
        assert.deepEqual(await names(dir), want, dir);
        step = since(trace.sent, mark);
        assert.ok(!step.epsvFirst, step.lines.join(" | "));
        assert.equal(step.lines.at(-1), "EPSV", step.lines.join(" | "));
      }
      // A download after a listing takes its port; then commands without a transfer.
      mark = trace.sent.length;
      assert.equal(await new Response(await ftp.retrieve("/b/y.txt")).text(), "in b, longer\n");
      assert.ok(!since(trace.sent, mark).epsvFirst, trace.sent.slice(mark).join(" | "));
      assert.deepEqual(await names("/a/c"), []);
      assert.equal(await ftp.size("/a/x.txt"), 5);
      assert.match(await ftp.pwd(), /^\//);
      await assert.rejects(
        ftp.retrieve("/a/none.txt").then((s) => new Response(s).text()),
        (e) => e instanceof FtpPermanentError && e.ftpCode === 550,
      );
      // Still in step: each command has its own answer.
      assert.equal(await ftp.size("/b/y.txt"), 13);
      assert.deepEqual(await names("/a"), ["c", "x.txt"]);
      assert.equal(await new Response(await ftp.retrieve("/a/x.txt")).text(), "in a\n");
    } finally {
      await ftp.quit();
      await trace.stop();
    }
  },
);
