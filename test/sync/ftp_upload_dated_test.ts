/**
 * An upload's last steps on real servers: the partial's size checked, then
 * its time set and the rename, sent together (`FtpEndpoint.renameWithMtime`).
 * On every server the file must end under its real name with the source's
 * bytes and mtime (a rename keeps the time set on the partial), replacing an
 * older file, and no partial left.
 */
import assert from "node:assert/strict";
import { FtpEndpoint } from "../../endpoint/ftp/endpoint.ts";
import { MemoryEndpoint } from "../../endpoint/memory.ts";
import { transferFile } from "../../sync/transfer.ts";
import { peerTest } from "../peers/skip.ts";
import type { Peer } from "../peers/skip.ts";
import { startProftpd } from "../peers/proftpd.ts";
import { startPureFtpd } from "../peers/pureftpd.ts";
import { startPyftpdlib } from "../peers/pyftpdlib.ts";
import { startVsftpd } from "../peers/vsftpd.ts";
import { chownForVsftpd } from "../peers/vsftpd_user.ts";
import type { FtpPeer } from "../peers/types.ts";
import { at, put } from "./helpers.ts";

const servers: [Peer, () => Promise<FtpPeer>][] = [
  ["proftpd", () => startProftpd()],
  ["vsftpd", () => startVsftpd({ lockUploadFiles: false })],
  ["pyftpdlib", () => startPyftpdlib()],
  ["pureftpd", () => startPureFtpd()],
];

for (const [name, start] of servers) {
  peerTest(`ftp upload: checked, dated and renamed in place on ${name}`, [name], async () => {
    await using peer = await start();
    await Deno.mkdir(`${peer.root}/up`, { recursive: true });
    await Deno.writeTextFile(`${peer.root}/up/old.txt`, "the old bytes, longer than the new");
    await chownForVsftpd(`${peer.root}/up`);
    const src = new MemoryEndpoint();
    await put(src, "new.txt", "new file", at(10));
    await put(src, "old.txt", "replaced", at(20));
    const ftp = await FtpEndpoint.open(`ftp://${peer.host}:${peer.port}/up`, {
      credentials: { user: peer.user, password: peer.password },
      timeout: 10,
    });
    try {
      await ftp.list("");
      const dated = ftp.capabilities().setMtime;
      let together = 0;
      const renameWithMtime = ftp.renameWithMtime.bind(ftp);
      ftp.renameWithMtime = (from, to, mtime) => (together++, renameWithMtime(from, to, mtime));
      for (const [path, offset] of [["new.txt", 10], ["old.txt", 20]] as const) {
        const size = (await src.stat(path)).size;
        const result = await transferFile(src, path, ftp, path, { size, mtime: at(offset) });
        assert.equal(result.mtimeSet, dated, path);
        assert.equal(
          await Deno.readTextFile(`${peer.root}/up/${path}`),
          path === "new.txt" ? "new file" : "replaced",
        );
        if (dated) {
          const mtime = (await Deno.stat(`${peer.root}/up/${path}`)).mtime!;
          assert.equal(mtime.getTime(), at(offset).getTime(), `${path} on ${name}`);
        }
        // What the endpoint reports afterwards is the server's (the cache forgot both names).
        assert.equal((await ftp.stat(path)).size, size);
      }
      assert.equal(together, dated ? 2 : 0, "the time went with the rename");
      const left = [...Deno.readDirSync(`${peer.root}/up`)].map((e) => e.name).sort();
      assert.deepEqual(left, ["new.txt", "old.txt"]);
    } finally {
      await ftp.close();
    }
  });
}
