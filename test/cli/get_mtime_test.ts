/**
 * `ferry get` of one file from vsftpd (LIST only: minutes, and only the day for
 * a file older than six months) keeps the second, as lftp's get and `curl -R`
 * do: MDTM goes in the download's write (cli/commands/get_mtime.ts).
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import { peerTest } from "../peers/skip.ts";
import { startVsftpd } from "../peers/vsftpd.ts";
import { chownForVsftpd } from "../peers/vsftpd_user.ts";
import { ferry } from "./helpers.ts";

peerTest(
  "ferry get from vsftpd keeps the second of a file listed by its day",
  ["vsftpd"],
  async () => {
    await using peer = await startVsftpd();
    // Older than six months: LIST shows "Jan  2  2025", no time of day.
    const old = new Date("2025-01-02T03:04:05Z");
    // Recent: LIST shows minutes.
    const recent = new Date(Date.now() - 3_600_000 - 17_000);
    recent.setMilliseconds(0);
    for (const [name, mtime] of [["old.bin", old], ["recent.bin", recent]] as const) {
      await Deno.writeTextFile(`${peer.root}/${name}`, `${name}\n`);
      await Deno.utime(`${peer.root}/${name}`, mtime, mtime);
      await chownForVsftpd(`${peer.root}/${name}`);
    }
    const dir = await Deno.makeTempDir({ prefix: "ferry-cli-get-mtime-" });
    try {
      for (const [name, mtime] of [["old.bin", old], ["recent.bin", recent]] as const) {
        const url = `ftp://${peer.user}@127.0.0.1:${peer.port}/${name}`;
        const got = await ferry(["get", url, join(dir, name), "--password-env", "FTP_PW"], {
          env: { FTP_PW: peer.password },
        });
        assert.equal(got.code, 0, got.stderr);
        assert.equal(await Deno.readTextFile(join(dir, name)), `${name}\n`);
        const kept = (await Deno.stat(join(dir, name))).mtime?.toISOString();
        assert.equal(kept, mtime.toISOString(), name);
      }
    } finally {
      await Deno.remove(dir, { recursive: true });
    }
  },
);
