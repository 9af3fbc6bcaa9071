/**
 * `ferry get -c URL LOCAL` where LOCAL is there already, against every real
 * server, as `curl -C -` and lftp's `get -c`: a whole copy (the server's SIZE,
 * the listed time) is not read again ("complete already", exit 0, the same
 * inode); a larger one is an error and stays as it was (before: both were
 * downloaded again and replaced); one of the size but another time is
 * downloaded again; a partial larger than the file (left by an older version)
 * is started over, not resumed past the end (cli/commands/get_continue.ts).
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import { ferry } from "./helpers.ts";
import { peerTest } from "../peers/skip.ts";
import { EVERY_PEER } from "../peers/every.ts";
import { chownForVsftpd } from "../peers/vsftpd_user.ts";

const MTIME = new Date("2025-03-04T05:06:07Z");

function pattern(size: number, seed: number): Uint8Array {
  const bytes = new Uint8Array(size);
  for (let i = 0; i < size; i++) bytes[i] = (i * 7 + seed + (i >> 8)) & 255;
  return bytes;
}

for (const [name, start] of EVERY_PEER) {
  peerTest(
    `get -c on ${name}: a whole copy is not read again, a larger one fails untouched`,
    [name],
    async () => {
      await using peer = await start();
      const remote = pattern(100_000, 1);
      await Deno.writeFile(`${peer.root}/a.bin`, remote);
      await Deno.utime(`${peer.root}/a.bin`, MTIME, MTIME);
      if (peer.kind !== "pyftpdlib") await chownForVsftpd(peer.root);
      const dir = await Deno.makeTempDir({ prefix: "ferry-get-continue-" });
      const local = join(dir, "a.bin");
      const url = `ftp://${peer.host}:${peer.port}/a.bin`;
      const login = ["-u", peer.user, "--password-env", "PW"];
      const get = (...flags: string[]) =>
        ferry(["get", ...flags, ...login, url, local], { env: { PW: peer.password } });
      try {
        const first = await get();
        assert.equal(first.code, 0, first.stderr);
        const before = await Deno.stat(local);

        const again = await get("-c");
        assert.equal(again.code, 0, again.stderr);
        assert.match(again.stderr, /complete already \(97\.7 KiB\): nothing transferred/);
        const after = await Deno.stat(local);
        assert.equal(after.ino, before.ino, "not replaced");
        assert.equal(after.mtime?.getTime(), MTIME.getTime());

        // Larger: no part of the remote file; an error, the file as it was.
        const larger = new Uint8Array([...remote, 1, 2, 3]);
        await Deno.writeFile(local, larger);
        const refused = await get("--continue");
        assert.equal(refused.code, 1, refused.stderr);
        assert.match(refused.stderr, /the local file \(100003 B\) is larger than .*\(100000 B\)/);
        assert.doesNotMatch(refused.stderr, new RegExp(peer.password));
        assert.deepEqual(await Deno.readFile(local), larger);
        assert.deepEqual([...Deno.readDirSync(dir)].map((e) => e.name), ["a.bin"]);

        // The same size, another time (and other bytes): another version, fetched again.
        await Deno.writeFile(local, pattern(100_000, 2));
        const other = await get("-c");
        assert.equal(other.code, 0, other.stderr);
        assert.doesNotMatch(other.stderr, /complete already/);
        assert.deepEqual(await Deno.readFile(local), remote);

        // A partial larger than the file (an older version's): started over.
        await Deno.remove(local);
        await Deno.writeFile(join(dir, ".a.bin.ferry.part"), pattern(150_000, 3));
        const over = await get("-c");
        assert.equal(over.code, 0, over.stderr);
        assert.deepEqual(await Deno.readFile(local), remote);
        assert.deepEqual([...Deno.readDirSync(dir)].map((e) => e.name), ["a.bin"]);

        // A name the server refuses: nothing to resume, no empty partial left (before: one).
        const missing = await ferry(["get", "-c", ...login, `${url}.gone`, join(dir, "gone")], {
          env: { PW: peer.password },
        });
        assert.equal(missing.code, 1, missing.stderr);
        assert.deepEqual([...Deno.readDirSync(dir)].map((e) => e.name), ["a.bin"]);
      } finally {
        await Deno.remove(dir, { recursive: true });
      }
    },
  );
}

Deno.test("get -c of a file:// URL: a whole copy is not read again, a larger one fails untouched", async () => {
  const dir = await Deno.makeTempDir({ prefix: "ferry-get-continue-file-" });
  try {
    await Deno.mkdir(join(dir, "src"));
    await Deno.writeTextFile(join(dir, "src/a.txt"), "hello world\n");
    await Deno.utime(join(dir, "src/a.txt"), MTIME, MTIME);
    const url = `file://${dir}/src/a.txt`;
    const local = join(dir, "a.txt");
    assert.equal((await ferry(["get", url, local])).code, 0);
    const ino = (await Deno.stat(local)).ino;
    const again = await ferry(["get", "-c", url, local]);
    assert.equal(again.code, 0, again.stderr);
    assert.match(again.stderr, /complete already/);
    assert.equal((await Deno.stat(local)).ino, ino);
    await Deno.writeTextFile(local, "hello world\nmore\n");
    const refused = await ferry(["get", "-c", url, local]);
    assert.equal(refused.code, 1, refused.stderr);
    assert.match(refused.stderr, /is larger than/);
    assert.equal(await Deno.readTextFile(local), "hello world\nmore\n");
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
