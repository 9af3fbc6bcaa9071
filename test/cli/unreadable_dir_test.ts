/**
 * `ferry mirror ftp://.../ DIR --delete` where a directory on the server is
 * one its FTP user may not read (mode 000, or 0111: enter but not read):
 * vsftpd 3.0.3 lists it as one line (the directory itself), ProFTPD's and
 * Pure-FTPd's LIST as nothing (see endpoint/ftp/unread.ts), which ferry took
 * for the directory's contents and deleted the target's files under it. Now
 * that directory is an error naming it, deletions are held, the rest is
 * copied, the run exits non-zero. The servers serve as the vsftpd account
 * (ferrytest), so mode 000 stops them even when the tests run as root;
 * pyftpdlib too (`asServerUser`), which answers 550 to LIST and MLSD of such
 * a directory: ferry held the deletions already, its error now says
 * "permission denied" like the others.
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

type Peer = "vsftpd" | "proftpd" | "pureftpd" | "pyftpdlib";
const cases: { name: string; peer: Peer; start: () => Promise<FtpPeer>; flags?: string[] }[] = [
  { name: "vsftpd", peer: "vsftpd", start: () => startVsftpd() },
  { name: "ProFTPD with MLSD", peer: "proftpd", start: () => startProftpd() },
  { name: "ProFTPD with LIST", peer: "proftpd", start: () => startProftpd({ denyMlsd: true }) },
  { name: "Pure-FTPd with MLSD", peer: "pureftpd", start: () => startPureFtpd() },
  {
    name: "Pure-FTPd with LIST",
    peer: "pureftpd",
    start: () => startPureFtpd(),
    flags: ["--no-mlsd"],
  },
  {
    name: "pyftpdlib with MLSD",
    peer: "pyftpdlib",
    start: () => startPyftpdlib({ asServerUser: true }),
  },
  {
    name: "pyftpdlib with LIST",
    peer: "pyftpdlib",
    start: () => startPyftpdlib({ asServerUser: true, mlsd: false }),
  },
];

/** The server's tree (top.txt, ok/g.txt, locked/...) with `locked` at `mode`. */
async function serve(peer: FtpPeer, mode: number): Promise<void> {
  await Deno.mkdir(`${peer.root}/locked/sub`, { recursive: true });
  await Deno.writeTextFile(`${peer.root}/locked/f.txt`, "server's f");
  await Deno.writeTextFile(`${peer.root}/top.txt`, "top");
  await Deno.mkdir(`${peer.root}/ok`);
  await Deno.writeTextFile(`${peer.root}/ok/g.txt`, "g");
  // Listed from inside (CWD, LIST, CWD back) while the check of locked moves a CWD too.
  await Deno.mkdir(`${peer.root}/sp ace`);
  await Deno.writeTextFile(`${peer.root}/sp ace/h.txt`, "h");
  await chownForVsftpd(peer.root);
  await Deno.chmod(`${peer.root}/locked`, mode);
}

/** A target holding files under `locked` that the server does not show. */
async function target(): Promise<string> {
  const dir = await Deno.makeTempDir({ prefix: "ferry-cli-unread-" });
  await Deno.mkdir(`${dir}/locked/sub`, { recursive: true });
  await Deno.writeTextFile(`${dir}/locked/f.txt`, "mine");
  await Deno.writeTextFile(`${dir}/locked/sub/keep.txt`, "keep");
  await Deno.writeTextFile(`${dir}/stale.txt`, "stale");
  return dir;
}

async function mirrorDelete(peer: FtpPeer, local: string, flags: string[] = [], path = "/") {
  const url = `ftp://${peer.host}:${peer.port}${path}`;
  const login = ["-u", peer.user, "--password-env", "PW"];
  return await ferry(["mirror", "--delete", ...flags, ...login, url, local], {
    env: { PW: peer.password },
  });
}

for (const c of cases) {
  for (const mode of [0o000, 0o111]) {
    peerTest(
      `mirror --delete from ${c.name}: a directory of mode ${
        mode.toString(8).padStart(3, "0")
      } is an error, the target's files under it stay`,
      [c.peer],
      async () => {
        await using peer = await c.start();
        await serve(peer, mode);
        const local = await target();
        try {
          const r = await mirrorDelete(peer, local, c.flags);
          assert.notEqual(r.code, 0, r.stdout + r.stderr);
          const out = r.stdout + r.stderr;
          assert.match(
            out,
            /locked: source listing: permission denied: cannot read directory \/locked/,
          );
          assert.match(out, /deletions held back/);
          assert.equal(await Deno.readTextFile(`${local}/locked/f.txt`), "mine");
          assert.equal(await Deno.readTextFile(`${local}/locked/sub/keep.txt`), "keep");
          assert.equal(await Deno.readTextFile(`${local}/stale.txt`), "stale");
          // vsftpd's line for the directory itself made a directory locked/locked.
          await assert.rejects(Deno.lstat(`${local}/locked/locked`), Deno.errors.NotFound);
          // The rest of the tree is copied.
          assert.equal(await Deno.readTextFile(`${local}/top.txt`), "top");
          assert.equal(await Deno.readTextFile(`${local}/ok/g.txt`), "g");
          assert.deepEqual([...Deno.readDirSync(`${local}/sp ace`)].map((e) => e.name), [
            "h.txt",
          ]);
        } finally {
          await Deno.chmod(`${peer.root}/locked`, 0o755);
          await Deno.remove(local, { recursive: true });
        }
      },
    );
  }
}

peerTest(
  "mirror --delete from vsftpd whose root is unreadable: an error, the target untouched",
  ["vsftpd"],
  async () => {
    await using peer = await startVsftpd();
    await serve(peer, 0o000);
    const local = await target();
    try {
      const r = await mirrorDelete(peer, local, [], "/locked/");
      assert.notEqual(r.code, 0, r.stdout + r.stderr);
      assert.match(r.stdout + r.stderr, /permission denied: cannot read directory \/locked/);
      assert.equal(await Deno.readTextFile(`${local}/locked/sub/keep.txt`), "keep");
      assert.equal(await Deno.readTextFile(`${local}/stale.txt`), "stale");
    } finally {
      await Deno.chmod(`${peer.root}/locked`, 0o755);
      await Deno.remove(local, { recursive: true });
    }
  },
);
