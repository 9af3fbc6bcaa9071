/**
 * Two-way sync with an FTP side where a directory became unreadable to the
 * FTP user (chmod 000 on the server): its LIST is no longer its contents
 * (vsftpd lists the directory itself, ProFTPD's LIST nothing), which sync
 * took for "deleted there" and deleted the files on the other side. Now that
 * side's listing of it is an error: nothing is deleted, the run is not ok.
 * @module
 */
import assert from "node:assert/strict";
import { FtpEndpoint } from "../../endpoint/ftp/endpoint.ts";
import { StateStore } from "../../sync/state.ts";
import { sync } from "../../sync/two_way.ts";
import { peerTest } from "../peers/skip.ts";
import { startProftpd } from "../peers/proftpd.ts";
import type { FtpPeer } from "../peers/types.ts";
import { startVsftpd } from "../peers/vsftpd.ts";
import { chownForVsftpd } from "../peers/vsftpd_user.ts";
import { at, put, tempLocal, text } from "./helpers.ts";

const fast = { retry: { baseDelayMs: 0 } };

const servers: [string, "vsftpd" | "proftpd", () => Promise<FtpPeer>][] = [
  ["vsftpd", "vsftpd", () => startVsftpd()],
  ["ProFTPD with LIST", "proftpd", () => startProftpd({ denyMlsd: true })],
  ["ProFTPD with MLSD", "proftpd", () => startProftpd()],
];

for (const [name, peerName, start] of servers) {
  for (const locked of ["s/locked", "s"]) {
    peerTest(
      `sync/ftp ${name}: ${
        locked === "s" ? "the synced root" : "a directory"
      } turned unreadable is not taken as deleted`,
      [peerName],
      async () => {
        await using peer = await start();
        await using local = await tempLocal();
        await Deno.mkdir(`${peer.root}/s/locked/sub`, { recursive: true });
        await Deno.writeTextFile(`${peer.root}/s/locked/f.txt`, "f");
        await Deno.writeTextFile(`${peer.root}/s/locked/sub/g.txt`, "g");
        await chownForVsftpd(peer.root);
        await put(local, "new.txt", "new here", at(0));
        // One endpoint per run, as two runs of `ferry sync` have (no listing cached across).
        const connect = () =>
          FtpEndpoint.open(`ftp://${peer.host}:${peer.port}/`, {
            credentials: { user: peer.user, password: peer.password },
            maxConnections: 2,
          });
        const state = StateStore.open(":memory:");
        let ftp = await connect();
        try {
          const first = await sync(local, "", ftp, "s", { ...fast, state });
          assert.equal(first.ok, true, JSON.stringify(first.errors));
          assert.equal(await text(local, "locked/sub/g.txt"), "g");
          await ftp.close();

          await Deno.chmod(`${peer.root}/${locked}`, 0o000);
          ftp = await connect();
          await put(local, "later.txt", "later", at(10));
          const second = await sync(local, "", ftp, "s", { ...fast, state });
          assert.equal(second.ok, false, "an unreadable directory is an error");
          assert.match(
            JSON.stringify(second.errors),
            new RegExp(
              `permission denied: cannot read directory /${locked.replace("/", "\\/")}\\b`,
            ),
          );
          assert.equal(second.files.deleted, 0, JSON.stringify(second.plan));
          assert.equal(await text(local, "locked/f.txt"), "f");
          assert.equal(await text(local, "locked/sub/g.txt"), "g");
          await assert.rejects(local.stat("locked/locked"));
          // The rest still goes across (where the root can be read).
          if (locked !== "s") {
            assert.equal(await Deno.readTextFile(`${peer.root}/s/later.txt`), "later");
          }
        } finally {
          await Deno.chmod(`${peer.root}/${locked}`, 0o755).catch(() => {});
          state.close();
          await ftp.close();
        }
      },
    );
  }
}
