/**
 * A missing remote path, as a user meets it: `ls`, `get` (to a file and to
 * standard output) and `put` (atomic and `--no-atomic`, into a directory that
 * is not there) fail (exit 1) with the server's own reply followed by
 * `(ftp://user@host:port/path)` (the user from `-u`, not the URL), as a
 * refused login names user@host:port; on vsftpd and ProFTPD (before: "server replied 550
 * Failed to open file. to RETR missing.txt", no server named).
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import { ferry } from "./helpers.ts";
import { peerTest } from "../peers/skip.ts";
import { startProftpd } from "../peers/proftpd.ts";
import { startVsftpd } from "../peers/vsftpd.ts";
import { chownForVsftpd } from "../peers/vsftpd_user.ts";
import type { FtpPeer } from "../peers/types.ts";

const PEERS: [FtpPeer["kind"], () => Promise<FtpPeer>, RegExp, RegExp][] = [
  // The reply to RETR of a missing file, and to STOR into a missing directory.
  ["vsftpd", () => startVsftpd(), /550 Failed to open file/, /553 Could not create file/],
  ["proftpd", () => startProftpd(), /550 missing\.txt: No such file/, /550 nodir\/.*No such file/],
];

for (const [name, start, retr, stor] of PEERS) {
  peerTest(`a missing remote path names user@host:port, the path and ${name}'s reply`, [
    name,
  ], async () => {
    await using peer = await start();
    await chownForVsftpd(peer.root);
    const cwd = await Deno.makeTempDir({ prefix: "ferry-missing-" });
    try {
      await Deno.writeTextFile(join(cwd, "local.txt"), "local");
      const base = `ftp://127.0.0.1:${peer.port}`;
      const who = `${peer.user}@127.0.0.1:${peer.port}`;
      const runs: [string[], string, RegExp][] = [
        [["ls", `${base}/missing`], "missing", /no such file or directory/],
        [["get", `${base}/missing.txt`], "missing.txt", retr],
        [["get", `${base}/missing.txt`, "-"], "missing.txt", retr],
        [["get", "-c", `${base}/missing.txt`], "missing.txt", retr],
        [["put", "local.txt", `${base}/nodir/x.txt`], "nodir/x.txt", stor],
        [["put", "--no-atomic", "local.txt", `${base}/nodir/x.txt`], "nodir/x.txt", stor],
      ];
      for (const [args, path, reply] of runs) {
        const run = await ferry([...args, "-u", peer.user, "--password-env", "PW"], {
          env: { PW: peer.password },
          cwd,
        });
        const what = `ferry ${args.join(" ")}: ${run.stderr}`;
        assert.equal(run.code, 1, what);
        assert.ok(run.stderr.includes(`(ftp://${who}/${path})`), `no ${who}/${path} in ${what}`);
        assert.match(run.stderr, reply, what);
        assert.ok(!run.stderr.includes(peer.password), "no password");
      }
      assert.deepEqual([...Deno.readDirSync(cwd)].map((e) => e.name), ["local.txt"]);
    } finally {
      await Deno.remove(cwd, { recursive: true });
    }
  });
}
