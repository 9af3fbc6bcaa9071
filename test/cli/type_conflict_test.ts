/**
 * `ferry mirror` without `--delete` where a name is a directory on one side
 * and a file on the other (both ways, up to and down from vsftpd): the
 * target's entry stays as it is, a warning names the path, the rest is
 * copied, and the run exits 1 (as rclone's does; lftp deletes the target's
 * file to make the directory even without --delete). Before, ferry tried a
 * mkdir over the file and copies into it ("already exists", "not a
 * directory: .../.a.txt.ferry.part") and said nothing of a file skipped for
 * a directory.
 */
import assert from "node:assert/strict";
import { ferry } from "./helpers.ts";
import { peerTest } from "../peers/skip.ts";
import { startVsftpd } from "../peers/vsftpd.ts";
import { chownForVsftpd } from "../peers/vsftpd_user.ts";

/** Under `root`: x/ (with a.txt, sub/b.txt), y a file, and `extra`. */
async function dirXfileY(root: string, extra: string): Promise<void> {
  await Deno.mkdir(`${root}/x/sub`, { recursive: true });
  await Deno.writeTextFile(`${root}/x/a.txt`, "a");
  await Deno.writeTextFile(`${root}/x/sub/b.txt`, "b");
  await Deno.writeTextFile(`${root}/y`, "y");
  await Deno.writeTextFile(`${root}/${extra}`, extra);
}

/** Under `root`: x a file, y/ with inner.txt. */
async function fileXdirY(root: string): Promise<void> {
  await Deno.writeTextFile(`${root}/x`, "keep x");
  await Deno.mkdir(`${root}/y`);
  await Deno.writeTextFile(`${root}/y/inner.txt`, "keep inner");
}

async function find(root: string): Promise<string[]> {
  const out = await new Deno.Command("find", { args: [".", "-mindepth", "1"], cwd: root }).output();
  return new TextDecoder().decode(out.stdout).trim().split("\n").sort();
}

for (const direction of ["up", "down"] as const) {
  peerTest(
    `mirror ${direction} (vsftpd), no --delete: a file against a directory keeps the target's, warns, exits 1`,
    ["vsftpd"],
    async () => {
      await using peer = await startVsftpd();
      const local = await Deno.makeTempDir({ prefix: "ferry-cli-types-" });
      try {
        const [src, dst] = direction === "up" ? [local, peer.root] : [peer.root, local];
        await dirXfileY(src, "z.txt");
        await fileXdirY(dst);
        await chownForVsftpd(peer.root);
        const url = `ftp://${peer.host}:${peer.port}/`;
        const login = ["-u", peer.user, "--password-env", "PW"];
        const args = direction === "up" ? [local, url] : [url, local];
        const r = await ferry(["mirror", ...login, ...args], { env: { PW: peer.password } });
        const out = r.stdout + r.stderr;
        assert.equal(r.code, 1, out);
        assert.match(
          out,
          /WRN.* x: the source has a directory, the target a file: the target's is kept/,
        );
        assert.match(
          out,
          /WRN.* y: the source has a file, the target a directory: the target's is kept/,
        );
        assert.doesNotMatch(out, /already exists|not a directory/);
        assert.equal(await Deno.readTextFile(`${dst}/x`), "keep x");
        assert.equal(await Deno.readTextFile(`${dst}/y/inner.txt`), "keep inner");
        assert.equal(await Deno.readTextFile(`${dst}/z.txt`), "z.txt");
        // Nothing else: no partial file left anywhere.
        assert.deepEqual(await find(dst), ["./x", "./y", "./y/inner.txt", "./z.txt"]);
      } finally {
        await Deno.remove(local, { recursive: true });
      }
    },
  );
}
