/**
 * Links left out by the default `symlinks: skip` are said (found from the
 * outside, session 18: `ferry sync ./local ftp://...` and `ferry mirror` with
 * three links in the tree said nothing about them, not even with -v; rclone
 * prints a notice per link). One warning per walk, with the count and the
 * first link, in the report and the log; none when the policy was chosen.
 * @module
 */
import assert from "node:assert/strict";
import { FtpEndpoint } from "../../endpoint/ftp/endpoint.ts";
import { mirror } from "../../sync/mirror.ts";
import { StateStore } from "../../sync/state.ts";
import { sync } from "../../sync/two_way.ts";
import { peerTest } from "../peers/skip.ts";
import { startVsftpd } from "../peers/vsftpd.ts";
import { chownForVsftpd } from "../peers/vsftpd_user.ts";
import { tempLocal } from "./helpers.ts";

const fast = { retry: { baseDelayMs: 0 } };

peerTest(
  "sync/ftp vsftpd: links left out by the default policy are counted in one warning",
  ["vsftpd"],
  async () => {
    await using peer = await startVsftpd();
    await Deno.mkdir(`${peer.root}/d`);
    await Deno.writeTextFile(`${peer.root}/d/a.txt`, "a");
    await Deno.symlink("a.txt", `${peer.root}/d/alias.txt`);
    await Deno.symlink("d", `${peer.root}/dir-link`);
    for (const p of ["d", "d/a.txt"]) await chownForVsftpd(`${peer.root}/${p}`);
    await using local = await tempLocal();
    const ftp = await FtpEndpoint.open(`ftp://${peer.host}:${peer.port}/`, {
      credentials: { user: peer.user, password: peer.password },
    });
    const state = StateStore.open(":memory:");
    try {
      const r = await sync(ftp, "", local, "", { ...fast, state });
      assert.equal(r.ok, true, JSON.stringify(r.errors));
      assert.equal(r.files.transferred, 1);
      const said = r.warnings.filter((w) => w.includes("symbolic link(s) left out"));
      assert.equal(said.length, 1, JSON.stringify(r.warnings));
      assert.match(said[0], /^a \S+: 2 symbolic link\(s\) left out.*follow or copy-as-link/);
      // Chosen on purpose: nothing to say.
      const quiet = await mirror(ftp, "", local, "m", { ...fast, symlinks: "skip" });
      assert.deepEqual(quiet.warnings, []);
    } finally {
      state.close();
      await ftp.close();
    }
  },
);
