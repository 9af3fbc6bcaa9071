/**
 * `ferry get` / `ferry put` of one file over UFTP against the REAL UFTPD: the
 * steps after the session is ready (issue 15 item 8). A get asks MLST of the
 * file, not a listing of its directory; a put checks its names with MLST, has
 * the partial's size confirmed by MLST before the rename (no SIZE: FEAT lists
 * MLST without it), and sends the time
 * (MFMT, server time, relative path) in the rename's write. Read from the
 * `--debug` wire trace, the files on the server and their mtimes.
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import { uftpMfmt } from "../../plugins/uftp/dialect.ts";
import { peerTest } from "../peers/skip.ts";
import { startRealUftpd } from "../peers/uftpd.ts";
import { chownForVsftpd } from "../peers/vsftpd_user.ts";
import { ferry } from "../cli/helpers.ts";

const needs = ["uftpd", "openssl"] as const;

/** The commands ferry sent (`> VERB args` lines of the wire trace), from the first MLST on. */
function sent(stderr: string): string[] {
  const lines = [...stderr.matchAll(/ftp·control(?:#\d+)?: > (.*)$/gm)].map((m) => m[1].trim());
  return lines.slice(lines.findIndex((l) => l.startsWith("STAT F")) + 1);
}

Deno.test("uftpMfmt: RFC 3659 MFMT in the server's zone, relative path; other commands as they are", () => {
  assert.equal(uftpMfmt("MFMT 20240102030405 /up/a.bin", 3600), "MFMT 20240102040405 up/a.bin");
  assert.equal(uftpMfmt("MFMT 20240102030405 /a b.txt", 0), "MFMT 20240102030405 a b.txt");
  assert.equal(uftpMfmt("MDTM 20240102030405 /a", 0), "MDTM 20240102030405 /a");
});

peerTest(
  "uftp one file: get asks MLST of the file; put checks with MLST, renames with the time in one write",
  [...needs],
  async () => {
    const site = await startRealUftpd();
    const tmp = await Deno.makeTempDir({ prefix: "ferry-uftp-one-" });
    try {
      const url = site.dataUrl.replace("uftp://", `uftp://${site.user}:${site.password}@`);
      const ca = join(tmp, "ca.pem");
      await Deno.writeTextFile(ca, site.ca);
      await Deno.writeTextFile(`${site.root}/data/down.txt`, "down\n");
      await chownForVsftpd(`${site.root}/data/down.txt`);
      const then = new Date("2021-03-04T05:06:07Z");
      await Deno.utime(`${site.root}/data/down.txt`, then, then);

      const got = await ferry([
        "--debug",
        "get",
        "--ca",
        ca,
        `${url}/down.txt`,
        join(tmp, "d.txt"),
      ]);
      assert.equal(got.code, 0, got.stderr);
      assert.equal(await Deno.readTextFile(join(tmp, "d.txt")), "down\n");
      assert.equal((await Deno.stat(join(tmp, "d.txt"))).mtime?.toISOString(), then.toISOString());
      assert.ok(!sent(got.stderr).some((c) => c.startsWith("MLSD")), sent(got.stderr).join("\n"));
      assert.ok(sent(got.stderr).includes("MLST down.txt"), sent(got.stderr).join("\n"));

      await Deno.writeTextFile(join(tmp, "up.txt"), "up!\n");
      const mtime = new Date("2020-01-02T03:04:05Z");
      await Deno.utime(join(tmp, "up.txt"), mtime, mtime);
      for (const round of [1, 2]) { // the second replaces the file the first wrote
        const put = await ferry([
          "--debug",
          "put",
          "--ca",
          ca,
          join(tmp, "up.txt"),
          `${url}/up.txt`,
        ]);
        assert.equal(put.code, 0, put.stderr);
        const cmds = sent(put.stderr);
        // No MLSD; no SIZE either: this UFTPD's FEAT lists MLST and no SIZE (its SIZE is a 500).
        assert.ok(!cmds.some((c) => /^(MLSD|SIZE)/.test(c)), cmds.join("\n"));
        const stor = cmds.indexOf("STOR .up.txt.ferry.part");
        const check = cmds.indexOf("MLST .up.txt.ferry.part", stor);
        const mfmt = cmds.indexOf("MFMT 20200102030405 .up.txt.ferry.part");
        assert.ok(stor > 0 && check > stor && mfmt > check, `round ${round}: ${cmds.join("\n")}`);
        assert.deepEqual(cmds.slice(mfmt + 1, mfmt + 3), [
          "RNFR .up.txt.ferry.part",
          "RNTO up.txt",
        ]);
        assert.deepEqual(
          [...Deno.readDirSync(`${site.root}/data`)].map((e) => e.name).sort(),
          ["down.txt", "up.txt"],
        );
        assert.equal(await Deno.readTextFile(`${site.root}/data/up.txt`), "up!\n");
        const stat = await Deno.stat(`${site.root}/data/up.txt`);
        assert.equal(stat.mtime?.toISOString(), mtime.toISOString());
      }
    } finally {
      await site.stop();
      await Deno.remove(tmp, { recursive: true });
    }
  },
);
