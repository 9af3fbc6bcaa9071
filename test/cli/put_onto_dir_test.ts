/**
 * `ferry put FILE ftp://host/dir` where `dir` is a directory on the server:
 * an error naming it ("is a directory: dir"), exit 1, and nothing left on
 * the server (before: `.dir.ferry.part` stayed there and the error was the
 * server's words to RNTO). With `dir/` the file goes into the directory, as
 * curl's `-T` and lftp's `put -o` do. See cli/commands/put_onto_dir.ts.
 */
import assert from "node:assert/strict";
import { ferry } from "./helpers.ts";
import { peerTest } from "../peers/skip.ts";
import { startProftpd } from "../peers/proftpd.ts";
import { startPureFtpd } from "../peers/pureftpd.ts";
import { startPyftpdlib } from "../peers/pyftpdlib.ts";
import type { FtpPeer } from "../peers/types.ts";
import { startVsftpd } from "../peers/vsftpd.ts";
import { chownForVsftpd } from "../peers/vsftpd_user.ts";
import { LOOK_FIRST_BYTES } from "../../cli/commands/put_onto_dir.ts";

type Peer = "vsftpd" | "proftpd" | "pureftpd" | "pyftpdlib";
const servers: [Peer, () => Promise<FtpPeer>][] = [
  ["vsftpd", () => startVsftpd()],
  ["proftpd", () => startProftpd()],
  // -D: its listing would hide a dot file left behind.
  ["pureftpd", () => startPureFtpd({ displayDotFiles: true })],
  ["pyftpdlib", () => startPyftpdlib()],
];

async function put(peer: FtpPeer, local: string, path: string, flags: string[] = []) {
  const url = `ftp://${peer.host}:${peer.port}/${path}`;
  const login = ["-u", peer.user, "--password-env", "PW"];
  return await ferry(["put", ...flags, ...login, local, url], { env: { PW: peer.password } });
}

/** The server's tree below its root, sorted. */
async function tree(root: string): Promise<string[]> {
  const out = await new Deno.Command("find", { args: [".", "-mindepth", "1"], cwd: root }).output();
  return new TextDecoder().decode(out.stdout).trim().split("\n").sort();
}

async function serveDir(peer: FtpPeer): Promise<void> {
  await Deno.mkdir(`${peer.root}/dir`);
  await Deno.writeTextFile(`${peer.root}/dir/other.txt`, "other");
  if (peer.kind !== "pyftpdlib") await chownForVsftpd(peer.root);
}

for (const [name, start] of servers) {
  peerTest(
    `put onto a directory's name on ${name}: "is a directory", nothing left; dir/ puts into it`,
    [name],
    async () => {
      await using peer = await start();
      await serveDir(peer);
      const local = await Deno.makeTempFile({ prefix: "ferry-put-", suffix: ".txt" });
      try {
        await Deno.writeTextFile(local, "hello");
        const r = await put(peer, local, "dir");
        assert.equal(r.code, 1, r.stdout + r.stderr);
        assert.match(r.stderr, /ferry: is a directory: \/?dir\b/);
        assert.deepEqual(await tree(peer.root), ["./dir", "./dir/other.txt"]);

        const into = await put(peer, local, "dir/");
        assert.equal(into.code, 0, into.stdout + into.stderr);
        const leaf = local.split("/").pop()!;
        assert.equal(await Deno.readTextFile(`${peer.root}/dir/${leaf}`), "hello");
      } finally {
        await Deno.remove(local);
      }
    },
  );
}

peerTest(
  "put onto a directory's name on vsftpd: a large file is not sent, --no-atomic says it too",
  ["vsftpd"],
  async () => {
    await using peer = await startVsftpd();
    await serveDir(peer);
    const local = await Deno.makeTempFile({ prefix: "ferry-put-big-" });
    try {
      await Deno.writeFile(local, new Uint8Array(LOOK_FIRST_BYTES));
      const r = await put(peer, local, "dir");
      assert.equal(r.code, 1, r.stdout + r.stderr);
      assert.match(r.stderr, /ferry: is a directory: \/?dir\b/);
      // Checked before anything was sent: no STOR at all in vsftpd's protocol log.
      assert.doesNotMatch(peer.log(), /"STOR /);

      await Deno.writeTextFile(local, "small");
      const direct = await put(peer, local, "dir", ["--no-atomic"]);
      assert.equal(direct.code, 1, direct.stdout + direct.stderr);
      assert.match(direct.stderr, /ferry: is a directory: \/?dir\b/);
      assert.deepEqual(await tree(peer.root), ["./dir", "./dir/other.txt"]);
    } finally {
      await Deno.remove(local);
    }
  },
);

peerTest(
  "put onto a directory's name on Pure-FTPd: its 451 to the rename is not retried",
  ["pureftpd"],
  async () => {
    await using peer = await startPureFtpd({ displayDotFiles: true });
    await serveDir(peer);
    const local = await Deno.makeTempFile({ prefix: "ferry-put-", suffix: ".txt" });
    try {
      await Deno.writeTextFile(local, "hello");
      // "451 Rename/move failure: Is a directory" is a temporary code: before, the rename was
      // tried 3 times more (~4 s of back-off), each with "the rename was cut before it happened".
      const r = await put(peer, local, "dir", ["--verbose"]);
      assert.equal(r.code, 1, r.stdout + r.stderr);
      assert.match(r.stderr, /ferry: is a directory: \/?dir\b/);
      assert.doesNotMatch(r.stderr, /cut|renaming again/i);
      assert.match(r.stderr, /refused the rename \(.*451 .*\), and dir is a directory: no retry/);
      assert.equal(r.stderr.match(/refused the rename/g)?.length, 1, r.stderr);
      assert.deepEqual(await tree(peer.root), ["./dir", "./dir/other.txt"]);
    } finally {
      await Deno.remove(local);
    }
  },
);
