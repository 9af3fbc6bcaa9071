/**
 * A mirror from the servers whose MLSD shows links as links (ProFTPD, whose
 * default `OS.unix=symlink` names no target, and Pure-FTPd's `OS.unix=slink:`
 * with none either) with each `symlinks` policy: left out, followed to the
 * file or directory they lead to, or copied as links with their targets.
 * @module
 */
import assert from "node:assert/strict";
import { FtpEndpoint } from "../../endpoint/ftp/endpoint.ts";
import { mirror } from "../../sync/mirror.ts";
import type { SymlinkPolicy } from "../../sync/walk.ts";
import { peerTest } from "../peers/skip.ts";
import type { Peer } from "../peers/skip.ts";
import type { FtpPeer } from "../peers/types.ts";
import { startProftpd } from "../peers/proftpd.ts";
import { startPureFtpd } from "../peers/pureftpd.ts";
import { startCutProxy } from "../peers/cut_proxy.ts";
import { contents, tempLocal } from "./helpers.ts";

const servers: [Peer, () => Promise<FtpPeer>][] = [
  ["proftpd", () => startProftpd()],
  ["pureftpd", () => startPureFtpd()],
];

/** a.txt, d/in.txt, and the links l -> a.txt and dl -> d, owned by the server's account. */
async function linkedTree(peer: FtpPeer): Promise<void> {
  await Deno.writeTextFile(`${peer.root}/a.txt`, "the file behind l");
  await Deno.mkdir(`${peer.root}/d`);
  await Deno.writeTextFile(`${peer.root}/d/in.txt`, "inside");
  await Deno.symlink("a.txt", `${peer.root}/l`);
  await Deno.symlink("d", `${peer.root}/dl`);
  const chown = ["-R", "-h", "--reference", peer.root, peer.root];
  await new Deno.Command("chown", { args: chown }).output();
}

const expected: Record<SymlinkPolicy, Record<string, string>> = {
  "skip": { "a.txt": "the file behind l", "d/": "", "d/in.txt": "inside" },
  "follow": {
    "a.txt": "the file behind l",
    "d/": "",
    "d/in.txt": "inside",
    "l": "the file behind l",
    "dl/": "",
    "dl/in.txt": "inside",
  },
  "copy-as-link": {
    "a.txt": "the file behind l",
    "d/": "",
    "d/in.txt": "inside",
    "l": "-> a.txt",
    "dl": "-> d",
  },
};

for (const [name, start] of servers) {
  peerTest(`sync/ftp ${name}: links its MLSD shows are skipped, followed or copied as asked`, [
    name,
  ], async () => {
    await using peer = await start();
    await linkedTree(peer);
    await using proxy = await startCutProxy({ targetPort: peer.port }); // counts commands
    const ftp = await FtpEndpoint.open(`ftp://127.0.0.1:${proxy.port}/`, {
      credentials: { user: peer.user, password: peer.password },
      timeout: 10,
    });
    const lists = () => proxy.commands().filter((c) => /^LIST\b/.test(c)).length;
    try {
      for (const symlinks of ["skip", "follow", "copy-as-link"] as const) {
        await using down = await tempLocal();
        const r = await mirror(ftp, "", down, "", { symlinks, retry: { retries: 0 } });
        assert.deepEqual(r.errors, [], symlinks);
        assert.deepEqual(await contents(down), expected[symlinks], symlinks);
        // The targets come from one LIST of the directory holding the links, asked when a
        // link is followed or copied: a walk that skips links lists nothing more.
        assert.equal(lists(), symlinks === "skip" ? 0 : 1, symlinks);
      }
      // The endpoint says what the server's listings show (its MLSD: links).
      assert.equal(ftp.capabilities().symlinks, true);
      assert.equal((await ftp.stat("l")).size, 17);
    } finally {
      await ftp.close();
    }
  });
}

peerTest(
  "sync/ftp proftpd: with LIST refused, a link MLSD names without a target is followed to its file",
  [
    "proftpd",
  ],
  async () => {
    // No LIST to tell the targets: the link is probed (CWD fails: a file; SIZE follows it).
    await using peer = await startProftpd({
      extraConfig: "<Limit LIST NLST>\n  DenyAll\n</Limit>",
    });
    await linkedTree(peer);
    const ftp = await FtpEndpoint.open(`ftp://${peer.host}:${peer.port}/`, {
      credentials: { user: peer.user, password: peer.password },
      timeout: 10,
    });
    try {
      assert.equal((await ftp.stat("l")).size, 17);
      await using down = await tempLocal();
      const r = await mirror(ftp, "", down, "", { symlinks: "follow", retry: { retries: 0 } });
      assert.deepEqual(r.errors, []);
      assert.deepEqual(await contents(down), expected.follow);
      // Copied as a link, a link whose target nobody tells is left out, said in the plan.
      await using links = await tempLocal();
      const c = await mirror(ftp, "", links, "", {
        symlinks: "copy-as-link",
        retry: { retries: 0 },
      });
      assert.deepEqual(c.errors, []);
      assert.deepEqual(await contents(links), expected.skip);
    } finally {
      await ftp.close();
    }
  },
);

peerTest("sync/ftp proftpd: a link its LIST leaves out is asked about once, then probed", [
  "proftpd",
], async () => {
  await using peer = await startProftpd();
  await linkedTree(peer);
  await Deno.symlink("..", `${peer.root}/d/up`); // ProFTPD's LIST leaves out links to ".."
  const chown = ["-h", "--reference", peer.root, `${peer.root}/d/up`];
  await new Deno.Command("chown", { args: chown }).output();
  await using proxy = await startCutProxy({ targetPort: peer.port });
  const ftp = await FtpEndpoint.open(`ftp://127.0.0.1:${proxy.port}/`, {
    credentials: { user: peer.user, password: peer.password },
    timeout: 10,
  });
  try {
    for (let i = 0; i < 3; i++) {
      const link = await ftp.lstat("d/up");
      assert.equal(link.type, "symlink");
      assert.equal(link.target, undefined);
    }
    assert.equal((await ftp.stat("d/up")).type, "dir");
    assert.equal(proxy.commands().filter((c) => /^LIST\b/.test(c)).length, 1);
  } finally {
    await ftp.close();
  }
});
