/**
 * `--time-shift auto` writes its probe in the directory the command works in
 * (the URL's), not in the login directory: vsftpd chrooted with
 * `allow_writeable_chroot=NO` (its default) wants a login root the user
 * cannot write, while the directory being listed or mirrored is writable.
 * Before, the probe was refused there ("553 Could not create file.") and the
 * shift fell back to 0 with a warning. The probe is removed afterwards.
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import { peerTest } from "../peers/skip.ts";
import { startVsftpd } from "../peers/vsftpd.ts";
import { chownForVsftpd } from "../peers/vsftpd_user.ts";
import { ferry } from "./helpers.ts";

peerTest(
  "time shift auto probes the URL's directory (vsftpd, login root not writable)",
  ["vsftpd"],
  async () => {
    await using peer = await startVsftpd({ extraConfig: { allow_writeable_chroot: "NO" } });
    await Deno.mkdir(join(peer.root, "dir"));
    await chownForVsftpd(peer.root);
    await Deno.chmod(peer.root, 0o555); // the chroot: not writable, as vsftpd wants it
    const work = await Deno.makeTempDir({ prefix: "ferry-probe-dir-" });
    try {
      await Deno.mkdir(join(work, "src"));
      await Deno.writeTextFile(join(work, "src", "a.txt"), "a");
      const url = `ftp://${peer.user}@127.0.0.1:${peer.port}/dir`;
      const auth = ["--password-env", "PW", "--time-shift", "auto", "-v"];
      // A workflow's endpoint rooted at the directory: its own root is where the probe goes.
      await Deno.writeTextFile(
        join(work, "wf.yaml"),
        `version: 1\nname: wf\nendpoints:\n  remote: { url: "${url}", timeShift: auto, ` +
          `auth: { method: password, user: ${peer.user}, password: "\${env:PW}" } }\n` +
          `jobs:\n  look: { walk: { at: "remote:/" } }\n`,
      );
      const runs = [
        ["ls", url, ...auth],
        ["mirror", join(work, "src"), url, ...auth],
        ["run", "-v", join(work, "wf.yaml")],
      ];
      for (const [i, args] of runs.entries()) {
        // A state directory of its own each: the shift is measured, not remembered.
        const cwd = join(work, `run${i}`);
        await Deno.mkdir(cwd);
        const run = await ferry(args, { env: { PW: peer.password }, cwd });
        const what = `ferry ${args[0]}: ${run.stderr}`;
        assert.equal(run.code, 0, what);
        assert.match(run.stderr, /time shift of ftp:\S+ measured: /, what);
        assert.doesNotMatch(run.stderr, /cannot measure the time shift/, what);
      }
      assert.equal(await Deno.readTextFile(join(peer.root, "dir", "a.txt")), "a");
      const left = [...Deno.readDirSync(join(peer.root, "dir"))].map((e) => e.name);
      assert.deepEqual(left, ["a.txt"], "the probe is removed");
    } finally {
      await Deno.chmod(peer.root, 0o755);
      await Deno.remove(work, { recursive: true });
    }
  },
);

peerTest(
  "time shift auto falls back to the login directory when the URL's is not writable",
  ["vsftpd"],
  async () => {
    await using peer = await startVsftpd();
    await Deno.mkdir(join(peer.root, "ro"));
    await chownForVsftpd(peer.root);
    await Deno.chmod(join(peer.root, "ro"), 0o555);
    const cwd = await Deno.makeTempDir({ prefix: "ferry-probe-dir-" });
    try {
      const url = `ftp://${peer.user}@127.0.0.1:${peer.port}/ro`;
      const args = ["ls", url, "--password-env", "PW", "--time-shift", "auto", "-v"];
      const run = await ferry(args, { env: { PW: peer.password }, cwd });
      assert.equal(run.code, 0, run.stderr);
      assert.match(run.stderr, /time shift of ftp:\S+ measured: /, run.stderr);
      assert.deepEqual([...Deno.readDirSync(peer.root)].map((e) => e.name), ["ro"]);
    } finally {
      await Deno.chmod(join(peer.root, "ro"), 0o755);
      await Deno.remove(cwd, { recursive: true });
    }
  },
);
