/**
 * `ferry mirror --delete --no-mlsd` of directories whose names hold glob
 * characters (`a[1]`, `b*`, `q?x`) beside the names those patterns match
 * (`a1`, `bar`, `qax`): ProFTPD and Pure-FTPd read LIST's argument as a
 * pattern, so `LIST -a /b*` listed `/bar` too and `LIST -a /a[1]` listed
 * `/a1`: files missing, others fetched from the wrong directory (550), the
 * run failed. Such a directory is now listed from inside (CWD, LIST, CWD back).
 */
import assert from "node:assert/strict";
import { ferry } from "./helpers.ts";
import { peerTest } from "../peers/skip.ts";
import { startProftpd } from "../peers/proftpd.ts";
import { startPureFtpd } from "../peers/pureftpd.ts";
import type { FtpPeer } from "../peers/types.ts";
import { startVsftpd } from "../peers/vsftpd.ts";
import { chownForVsftpd } from "../peers/vsftpd_user.ts";

const names = ["a[1]", "a1", "b*", "bar", "q?x", "qax"];
const file = (dir: string) => `${dir}/in-${dir.replace(/\W/g, "_")}.txt`;

const servers: ["vsftpd" | "proftpd" | "pureftpd", () => Promise<FtpPeer>][] = [
  ["vsftpd", () => startVsftpd()],
  ["proftpd", () => startProftpd({ denyMlsd: true })],
  ["pureftpd", () => startPureFtpd()],
];

for (const [name, start] of servers) {
  peerTest(`mirror --delete --no-mlsd from ${name}: directories named like patterns`, [
    name,
  ], async () => {
    await using peer = await start();
    const local = await Deno.makeTempDir({ prefix: "ferry-cli-globs-" });
    try {
      for (const d of names) {
        await Deno.mkdir(`${peer.root}/${d}`);
        await Deno.writeTextFile(`${peer.root}/${file(d)}`, `server's ${d}`);
        await Deno.mkdir(`${local}/${d}`);
        await Deno.writeTextFile(`${local}/${file(d)}`, "older");
      }
      await chownForVsftpd(peer.root);
      const url = `ftp://${peer.host}:${peer.port}/`;
      const login = ["-u", peer.user, "--password-env", "PW"];
      const r = await ferry(["mirror", "--delete", "--no-mlsd", ...login, url, local], {
        env: { PW: peer.password },
      });
      assert.equal(r.code, 0, r.stdout + r.stderr);
      for (const d of names) {
        assert.equal(await Deno.readTextFile(`${local}/${file(d)}`), `server's ${d}`);
        assert.deepEqual([...Deno.readDirSync(`${local}/${d}`)].length, 1, d);
      }
    } finally {
      await Deno.remove(local, { recursive: true });
    }
  });
}
