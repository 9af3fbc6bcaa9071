/**
 * `ferry sync` with no state for a pair that holds files on both sides (found
 * from the outside, session 18): the state lives in `.ferry/` of the working
 * directory, so the same sync run from another directory (cron runs in $HOME)
 * found no state, took the union, and silently brought back a file deleted
 * since the last run. A first run that finds files on both sides now says so,
 * with the state file it looked in, on stderr and in the report; a first run
 * onto an empty side does not.
 * @module
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import { peerTest } from "../peers/skip.ts";
import { startVsftpd } from "../peers/vsftpd.ts";
import { chownForVsftpd } from "../peers/vsftpd_user.ts";
import { ferry } from "./helpers.ts";

peerTest(
  "ferry sync local <-> vsftpd: a first run over two filled sides warns and names the state file",
  ["vsftpd"],
  async () => {
    await using peer = await startVsftpd();
    const dir = await Deno.makeTempDir({ prefix: "ferry-cli-first-" });
    const env = { FTP_PW: peer.password };
    const url = `ftp://${peer.user}@${peer.host}:${peer.port}/`;
    const sync = (cwd: string) =>
      ferry(["sync", join(dir, "A"), url, "--password-env", "FTP_PW", "--json"], { env, cwd });
    try {
      await Deno.mkdir(join(dir, "A"));
      await Deno.mkdir(join(dir, "here"));
      await Deno.mkdir(join(dir, "elsewhere"));
      await Deno.writeTextFile(join(dir, "A", "keep.txt"), "kept");
      await Deno.writeTextFile(join(dir, "A", "gone.txt"), "to be deleted");
      // The first run of all fills an empty server: nothing to warn about.
      const first = await sync(join(dir, "here"));
      assert.equal(first.code, 0, first.stderr);
      assert.doesNotMatch(first.stderr, /first sync of this pair/);
      assert.deepEqual(JSON.parse(first.stdout).jobs[0].details.warnings ?? [], []);

      // The user deletes a file and syncs again, from another directory.
      await Deno.remove(join(dir, "A", "gone.txt"));
      const again = await sync(join(dir, "elsewhere"));
      assert.equal(again.code, 0, again.stderr);
      const state = join(dir, "elsewhere", ".ferry", "state.db");
      const warning = JSON.parse(again.stdout).jobs[0].details.warnings?.find((w: string) =>
        w.startsWith("first sync of this pair")
      );
      assert.ok(warning, `no first-run warning: ${again.stderr}`);
      assert.ok(warning.includes(state), warning);
      assert.match(warning, /deleted on one side .* come back/);
      assert.match(again.stderr, /WRN .*first sync of this pair/);
      // (The union itself is the documented first-run behaviour: gone.txt is back.)
      assert.equal(await Deno.readTextFile(join(dir, "A", "gone.txt")), "to be deleted");

      // With the state found, no warning.
      await Deno.writeTextFile(join(peer.root, "new.txt"), "n");
      await chownForVsftpd(join(peer.root, "new.txt"));
      const third = await sync(join(dir, "elsewhere"));
      assert.equal(third.code, 0, third.stderr);
      assert.doesNotMatch(third.stderr, /first sync of this pair/);
    } finally {
      await Deno.remove(dir, { recursive: true });
    }
  },
);

peerTest(
  "ferry sync local <-> vsftpd: a side that lists nothing asks whether its root is right, before --force",
  ["vsftpd"],
  async () => {
    // Found from the outside (session 18): with the local folder gone (an unmounted disk),
    // the guard held the deletions back but its first advice was "--force lets them through".
    await using peer = await startVsftpd();
    const dir = await Deno.makeTempDir({ prefix: "ferry-cli-empty-" });
    const env = { FTP_PW: peer.password };
    const url = `ftp://${peer.user}@${peer.host}:${peer.port}/`;
    const sync = () =>
      ferry(["sync", join(dir, "A"), url, "--password-env", "FTP_PW", "--json"], {
        env,
        cwd: dir,
      });
    try {
      await Deno.mkdir(join(dir, "A"));
      for (const n of ["1", "2", "3"]) await Deno.writeTextFile(join(dir, "A", `${n}.txt`), n);
      assert.equal((await sync()).code, 0);
      await Deno.rename(join(dir, "A"), join(dir, "A.unmounted"));
      const r = await sync();
      assert.equal(r.code, 1, r.stderr);
      const error: string = JSON.parse(r.stdout).jobs[0].errors[0];
      assert.match(error, /a lists nothing but had 3 synced file\(s\)/);
      assert.match(error, /root right and reachable \(a disk not mounted/);
      assert.ok(error.indexOf("root right") < error.indexOf("--force"), error);
      const left = [...Deno.readDirSync(peer.root)].map((e) => e.name).sort();
      assert.deepEqual(left, ["1.txt", "2.txt", "3.txt"]);
    } finally {
      await Deno.remove(dir, { recursive: true });
    }
  },
);
