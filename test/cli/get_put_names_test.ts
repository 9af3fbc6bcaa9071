/**
 * `ferry get` and `put` as a curl or lftp user tries them on every real
 * server: names with a space and glob characters (`*`, `?`, `[`), beside a
 * name the glob would match (a server that globs a LIST argument would give
 * the other file's size, and `get -c` or the size check would go wrong);
 * `get` into an existing directory writes the file inside it, into a
 * missing `dir/` is an error (before: a file named `dir`); `put` of a
 * directory is a usage error before connecting (before: "Is a directory (os
 * error 21)", naming nothing); `get` of a remote directory says so.
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import { ferry } from "./helpers.ts";
import { peerTest } from "../peers/skip.ts";
import { EVERY_PEER } from "../peers/every.ts";
import { chownForVsftpd } from "../peers/vsftpd_user.ts";

/** Remote name, as written in the URL, and its content; the glob-free names sort after. */
const FILES: [string, string, string][] = [
  ["with space.txt", "with%20space.txt", "spaced out\n"],
  ["a*.txt", "a*.txt", "star\n"],
  ["what?.txt", "what%3F.txt", "question\n"],
  ["q[1].txt", "q[1].txt", "bracket\n"],
  ["ab.txt", "ab.txt", "the name a*.txt matches as a glob\n"],
  ["whatX.txt", "whatX.txt", "the name what?.txt matches as a glob\n"],
  ["q1.txt", "q1.txt", "the name q[1].txt matches as a glob\n"],
];

for (const [name, start] of EVERY_PEER) {
  peerTest(
    `get and put on ${name}: spaces and glob characters, into a directory, a directory put`,
    [name],
    async () => {
      await using peer = await start();
      for (const [file, , text] of FILES) await Deno.writeTextFile(`${peer.root}/${file}`, text);
      await Deno.mkdir(`${peer.root}/sub`);
      if (peer.kind !== "pyftpdlib") await chownForVsftpd(peer.root);
      const dir = await Deno.makeTempDir({ prefix: "ferry-names-" });
      const base = `ftp://${peer.host}:${peer.port}`;
      const login = ["-u", peer.user, "--password-env", "PW"];
      const env = { PW: peer.password };
      const run = (...args: string[]) => ferry([args[0], ...login, ...args.slice(1)], { env });
      try {
        await Deno.mkdir(join(dir, "into"));
        for (const [file, inUrl, text] of FILES.slice(0, 4)) {
          const got = await run("get", `${base}/${inUrl}`, join(dir, "into"));
          assert.equal(got.code, 0, `${file}: ${got.stderr}`);
          assert.equal(await Deno.readTextFile(join(dir, "into", file)), text, file);
          const again = await run("get", "-c", `${base}/${inUrl}`, join(dir, "into", file));
          assert.equal(again.code, 0, `${file}: ${again.stderr}`);
          assert.match(again.stderr, /complete already/, file);
        }
        assert.equal([...Deno.readDirSync(join(dir, "into"))].length, 4);

        for (const [file, inUrl, text] of FILES.slice(0, 4)) {
          await Deno.writeTextFile(join(dir, "up"), `up: ${text}`);
          const put = await run("put", join(dir, "up"), `${base}/${inUrl}`);
          assert.equal(put.code, 0, `${file}: ${put.stderr}`);
          assert.equal(await Deno.readTextFile(`${peer.root}/${file}`), `up: ${text}`, file);
        }
        for (const [file, , text] of FILES.slice(4)) {
          assert.equal(await Deno.readTextFile(`${peer.root}/${file}`), text, `${file} untouched`);
        }
        const spaced = join(dir, "local name.txt");
        await Deno.writeTextFile(spaced, "local\n");
        const put = await run("put", spaced, `${base}/`);
        assert.equal(put.code, 0, put.stderr);
        assert.equal(await Deno.readTextFile(`${peer.root}/local name.txt`), "local\n");

        const missing = await run("get", `${base}/ab.txt`, join(dir, "missing") + "/");
        assert.equal(missing.code, 2, missing.stderr);
        assert.match(missing.stderr, /missing\/: no such directory/);
        assert.ok(!(await Deno.stat(join(dir, "missing")).catch(() => undefined)));

        // A remote directory: said as such, with or without its slash (before: the server's
        // 550 to RETR, "Failed to open file." from vsftpd, and a RETR of nothing for the root).
        for (const path of ["sub", "sub/", ""]) {
          const got = await run("get", `${base}/${path}`, join(dir, "into"));
          assert.equal(got.code, path === "sub" ? 1 : 2, got.stderr);
          assert.match(
            got.stderr,
            path === "sub" ? /is a directory: \/?sub\b/ : /names a directory/,
          );
        }
        assert.equal([...Deno.readDirSync(join(dir, "into"))].length, 4, "nothing left behind");

        const putDir = await run("put", join(dir, "into"), `${base}/`);
        assert.equal(putDir.code, 2, putDir.stderr);
        assert.match(putDir.stderr, /into: is a directory; put sends one file/);
        assert.ok(!(await Deno.stat(`${peer.root}/into`).catch(() => undefined)));
      } finally {
        await Deno.remove(dir, { recursive: true });
      }
    },
  );
}
