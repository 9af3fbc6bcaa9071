/**
 * Two `ferry run` of one workflow file at once (cron runs that overlap; found
 * from the outside, session 18): both mirrored the same six files from vsftpd
 * into one folder, wrote the same partials and both exited 1 with errors that
 * said nothing of the other run ("no such file or directory:
 * .f5.bin.ferry.part", "cannot resume .f2.bin.ferry.part at offset 100000000:
 * the partial data has 0 bytes"). Now each job runs in one of them: the other
 * fails that job at once, naming the run that holds it, and touches nothing.
 * @module
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import { tryLockFile } from "../../util/lock.ts";
import { peerTest } from "../peers/skip.ts";
import { startVsftpd } from "../peers/vsftpd.ts";
import { chownForVsftpd } from "../peers/vsftpd_user.ts";
import { ferry } from "./helpers.ts";

peerTest(
  "ferry run: a job another run of the same workflow holds fails at once and touches nothing",
  ["vsftpd"],
  async () => {
    await using peer = await startVsftpd();
    await Deno.writeTextFile(join(peer.root, "f.txt"), "from the server");
    await chownForVsftpd(join(peer.root, "f.txt"));
    const dir = await Deno.makeTempDir({ prefix: "ferry-run-lock-" });
    try {
      await Deno.writeTextFile(
        join(dir, "nightly.yaml"),
        `version: 1
endpoints:
  vs:
    url: ftp://${peer.user}@${peer.host}:${peer.port}/
    auth: { method: password, passwordEnv: FTP_PW }
  here: { url: ./mirror }
jobs:
  pull: { mirror: { from: vs:/, to: here:/ } }
`,
      );
      const run = (...more: string[]) =>
        ferry(["run", join(dir, "nightly.yaml"), ...more], {
          env: { FTP_PW: peer.password },
          cwd: dir,
        });
      const first = await run();
      assert.equal(first.code, 0, first.stderr);
      assert.equal(await Deno.readTextFile(join(dir, "mirror", "f.txt")), "from the server");
      // The server's file changes; another run holds the job (this process stands in for it).
      await Deno.writeTextFile(join(peer.root, "f.txt"), "changed on the server");
      const locks = [...Deno.readDirSync(join(dir, ".ferry"))].map((e) => e.name)
        .filter((n) => /^nightly\.pull-[0-9a-f]{8}\.lock$/.test(n));
      assert.equal(locks.length, 1, locks.join(", "));
      const lockFile = join(dir, ".ferry", locks[0]);
      const other = tryLockFile(lockFile);
      assert.ok(!("holder" in other));
      let second;
      try {
        second = await run();
        // A dry run takes no lock: it plans as usual.
        const dry = await run("--dry-run");
        assert.equal(dry.code, 0, dry.stderr);
      } finally {
        other.release();
      }
      assert.equal(second.code, 1, second.stderr);
      assert.match(
        second.stdout + second.stderr,
        new RegExp(`job pull of workflow nightly is already running \\(pid ${Deno.pid} on `),
      );
      assert.ok((second.stdout + second.stderr).includes(lockFile), second.stdout);
      assert.equal(
        await Deno.readTextFile(join(dir, "mirror", "f.txt")),
        "from the server",
        "the refused run copied nothing",
      );
      // Once free, the job runs.
      const third = await run();
      assert.equal(third.code, 0, third.stderr);
      assert.equal(await Deno.readTextFile(join(dir, "mirror", "f.txt")), "changed on the server");
    } finally {
      await Deno.remove(dir, { recursive: true });
    }
  },
);
