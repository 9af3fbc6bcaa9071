/**
 * Directories listed with `STAT -a <dir>` over the control connection where
 * `LIST -a` would list them (no MLSD): no data connection per directory, so
 * a no-change mirror from vsftpd opens none at all. Only where the server's
 * STAT proved it lists what LIST does (its directory's "." shown); LIST
 * after a refusal, a "."-less answer, a name with a line feed, or a reply
 * past the cap (ftp/stat_listing.ts, endpoint/ftp/stat.ts).
 * @module
 */
import assert from "node:assert/strict";
import { FtpEndpoint } from "../../endpoint/ftp/endpoint.ts";
import { NotADirectoryError, NotFoundError } from "../../endpoint/errors.ts";
import type { Endpoint } from "../../endpoint/types.ts";
import { mirror } from "../../sync/mirror.ts";
import { peerTest } from "../peers/skip.ts";
import { startCutProxy } from "../peers/cut_proxy.ts";
import { startProftpd } from "../peers/proftpd.ts";
import { startPyftpdlib } from "../peers/pyftpdlib.ts";
import type { FtpPeer } from "../peers/types.ts";
import { startVsftpd } from "../peers/vsftpd.ts";
import { chownForVsftpd } from "../peers/vsftpd_user.ts";
import { contents, tempLocal } from "./helpers.ts";

const fast = { retry: { baseDelayMs: 0 } };

/** A tree of `dirs` directories with two files and a dot file each. */
async function serve(peer: FtpPeer, dirs = 5): Promise<Record<string, string>> {
  const files: Record<string, string> = { ".top": "t", "top.txt": "top" };
  for (let i = 0; i < dirs; i++) {
    await Deno.mkdir(`${peer.root}/d${i}`);
    files[`d${i}/a.txt`] = `a${i}`;
    files[`d${i}/b.txt`] = `b${i}`;
    files[`d${i}/.hidden`] = `h${i}`;
  }
  for (const [path, text] of Object.entries(files)) {
    await Deno.writeTextFile(`${peer.root}/${path}`, text);
  }
  await chownForVsftpd(peer.root);
  // As `contents` has them: a directory is its name and a slash.
  for (let i = 0; i < dirs; i++) files[`d${i}/`] = "";
  return files;
}

function open(port: number, peer: FtpPeer, options: Record<string, unknown> = {}) {
  return FtpEndpoint.open(`ftp://127.0.0.1:${port}/`, {
    credentials: { user: peer.user, password: peer.password },
    maxConnections: 1,
    options: { useMlsd: false, ...options },
  });
}

/** Mirrors the peer's root into a new local dir through a counting proxy. */
async function mirrorCounted(
  peer: FtpPeer,
  options: Record<string, unknown> = {},
  local?: Endpoint,
) {
  await using proxy = await startCutProxy({ targetPort: peer.port });
  await using own = await tempLocal();
  const target = local ?? own;
  const ftp = await open(proxy.port, peer, options);
  try {
    const r = await mirror(ftp, "", target, "", { delete: true, ...fast });
    return {
      r,
      data: proxy.dataConnections(),
      controls: proxy.controlConnections(),
      stats: proxy.commands().filter((c) => c.startsWith("STAT")).length,
      lists: proxy.commands().filter((c) => c.startsWith("LIST")).length,
      files: await contents(target),
    };
  } finally {
    await ftp.close();
  }
}

peerTest(
  "sync/ftp: a no-change mirror from vsftpd lists with STAT: no data connection at all",
  ["vsftpd"],
  async () => {
    await using peer = await startVsftpd();
    const files = await serve(peer);
    await using local = await tempLocal();
    const first = await mirrorCounted(peer, {}, local);
    assert.equal(first.r.ok, true, JSON.stringify(first.r.errors));
    assert.deepEqual(first.files, files);
    // The downloads' data connections only: 6 directories listed by STAT.
    assert.equal(first.data, Object.keys(files).filter((k) => !k.endsWith("/")).length);
    assert.equal(first.stats, 6);
    const again = await mirrorCounted(peer, {}, local);
    assert.equal(again.r.ok, true, JSON.stringify(again.r.errors));
    assert.equal(again.r.files.transferred, 0);
    assert.deepEqual(again.files, files);
    assert.equal(again.data, 0, "no data connection for a no-change mirror");
    assert.equal(again.lists, 0);
    // statList: false is the old way: a LIST (and data connection) per directory.
    const off = await mirrorCounted(peer, { statList: false }, local);
    assert.equal(off.data, 6);
    assert.deepEqual(off.files, files);
  },
);

peerTest(
  "sync/ftp: ProFTPD with LIST (MLSD denied) lists with STAT too, its missing path still missing",
  ["proftpd"],
  async () => {
    await using peer = await startProftpd({ denyMlsd: true });
    const files = await serve(peer, 2);
    const m = await mirrorCounted(peer);
    assert.equal(m.r.ok, true, JSON.stringify(m.r.errors));
    assert.deepEqual(m.files, files);
    assert.equal(m.lists, 0);
    assert.equal(m.stats, 3);
    const ftp = await open(peer.port, peer);
    try {
      // ProFTPD answers "450 /gone: No such file or directory" to STAT -a /gone, and
      // LIST's answer is the error, as without STAT (its 450 is no NotFoundError yet).
      await assert.rejects(ftp.list("gone"), /450 \/gone: No such file or directory to LIST -a/);
      assert.deepEqual((await ftp.list("d0")).map((s) => s.name).sort(), [
        ".hidden",
        "a.txt",
        "b.txt",
      ]);
    } finally {
      await ftp.close();
    }
  },
);

peerTest(
  "sync/ftp: vsftpd's empty STAT for a missing directory is not an empty listing",
  ["vsftpd"],
  async () => {
    await using peer = await startVsftpd();
    await serve(peer, 1);
    const ftp = await open(peer.port, peer);
    try {
      assert.equal((await ftp.list("d0")).length, 3);
      await assert.rejects(ftp.list("gone"), NotFoundError);
      await assert.rejects(ftp.list("d0/gone"), NotFoundError);
    } finally {
      await ftp.close();
    }
  },
);

peerTest(
  "sync/ftp: a server that refuses STAT -a (pyftpdlib: 550) is listed with LIST, STAT asked once",
  ["pyftpdlib"],
  async () => {
    await using peer = await startPyftpdlib({ mlsd: false, unixListAll: true });
    const files = await serve(peer);
    const m = await mirrorCounted(peer);
    assert.equal(m.r.ok, true, JSON.stringify(m.r.errors));
    assert.deepEqual(m.files, files);
    assert.equal(m.stats, 1);
    assert.equal(m.lists, 6);
  },
);

peerTest(
  "sync/ftp: a STAT listing without '.' (pyftpdlib reading STAT -a as STAT) is re-listed with LIST",
  ["pyftpdlib"],
  async () => {
    await using peer = await startPyftpdlib({
      mlsd: false,
      unixListAll: true,
      // STAT -a dir answered as STAT dir: a listing without "." and without dot files.
      extraPython: `
_stat = Handler.ftp_STAT
def ftp_STAT(self, path):
    return _stat(self, path.replace("-a ", "", 1) if isinstance(path, str) else path)
Handler.ftp_STAT = ftp_STAT
`,
    });
    const files = await serve(peer);
    const m = await mirrorCounted(peer);
    assert.equal(m.r.ok, true, JSON.stringify(m.r.errors));
    // The dot files are there: the "."-less STAT listing was not taken.
    assert.deepEqual(m.files, files);
    assert.equal(m.stats, 1);
    assert.equal(m.lists, 6);
  },
);

peerTest(
  "sync/ftp: a name with a line feed on vsftpd: the STAT session is closed, the directory listed with LIST",
  ["vsftpd"],
  async () => {
    await using peer = await startVsftpd();
    const files = await serve(peer, 2);
    // Sorted last, the name would end STAT's reply early: "...zz" then "213 x".
    await Deno.writeTextFile(`${peer.root}/d1/zz\n213 x`, "evil");
    await Deno.writeTextFile(`${peer.root}/d1/zz\r\n213 End of status`, "evil");
    await chownForVsftpd(peer.root);
    const m = await mirrorCounted(peer);
    // The LIST of d1 skips the lines it cannot read: that listing is incomplete (reported,
    // as without STAT), the rest of the tree is copied, and no session went on out of step.
    assert.deepEqual(m.files, files);
    assert.equal(m.controls, 2, "the session that read the odd reply was replaced once");
    assert.equal(m.stats, 3, "STAT of /, d0 and d1, none after d1's");
    const same = await mirrorCounted(peer, { statList: false });
    assert.deepEqual(m.files, same.files);
    assert.deepEqual(m.r.errors.map((e) => e.code), same.r.errors.map((e) => e.code));
  },
);

peerTest(
  "sync/ftp: a name with CR LF and vsftpd's own final line: the early end is seen, LIST lists it",
  ["vsftpd"],
  async () => {
    await using peer = await startVsftpd();
    const files = await serve(peer, 2);
    // No bare LF and no odd line: STAT's reply ends, word for word, after "zz"; the real
    // final line comes after it.
    await Deno.writeTextFile(`${peer.root}/d1/zz\r\n213 End of status`, "evil");
    await chownForVsftpd(peer.root);
    const m = await mirrorCounted(peer);
    const same = await mirrorCounted(peer, { statList: false });
    assert.deepEqual(m.files, same.files);
    assert.deepEqual(m.r.errors.map((e) => e.code), same.r.errors.map((e) => e.code));
    for (const [path, text] of Object.entries(files)) assert.equal(m.files[path], text, path);
    assert.equal(m.controls, 2, "the session that read the early end was replaced once");
    assert.equal(m.stats, 3);
  },
);

peerTest(
  "sync/ftp: a STAT listing past maxStatListingBytes is read to its end; LIST lists that directory",
  ["vsftpd"],
  async () => {
    await using peer = await startVsftpd();
    const files = await serve(peer, 2);
    for (let i = 0; i < 40; i++) {
      files[`d1/many${i}.txt`] = `m${i}`;
      await Deno.writeTextFile(`${peer.root}/d1/many${i}.txt`, `m${i}`);
    }
    await chownForVsftpd(peer.root);
    const m = await mirrorCounted(peer, { maxStatListingBytes: 1_000 });
    assert.equal(m.r.ok, true, JSON.stringify(m.r.errors));
    assert.deepEqual(m.files, files);
    assert.equal(m.controls, 1, "the session stayed in step");
    assert.equal(m.stats, 3, "STAT still asked for every directory");
    assert.equal(m.lists, 1, "LIST for the long one");
  },
);

for (
  const [name, peerName, start] of [
    ["vsftpd", "vsftpd", () => startVsftpd()],
    ["ProFTPD with LIST", "proftpd", () => startProftpd({ denyMlsd: true })],
  ] as const
) {
  peerTest(
    `sync/ftp: ${name}: an unreadable directory's STAT is not trusted, deletions held, STAT kept`,
    [peerName],
    async () => {
      await using peer = await start();
      const files = await serve(peer, 3);
      await Deno.mkdir(`${peer.root}/locked`);
      await Deno.writeTextFile(`${peer.root}/locked/f.txt`, "server's");
      await chownForVsftpd(peer.root);
      await Deno.chmod(`${peer.root}/locked`, 0o000);
      await using local = await tempLocal();
      await Deno.mkdir(`${local.root}/locked`);
      await Deno.writeTextFile(`${local.root}/locked/mine.txt`, "mine");
      try {
        // vsftpd's STAT shows the directory itself, ProFTPD's nothing: no "." either way.
        const m = await mirrorCounted(peer, {}, local);
        assert.equal(m.r.ok, false);
        assert.match(
          JSON.stringify(m.r.errors),
          /permission denied: cannot read directory \/locked/,
        );
        assert.equal(m.r.files.deleted, 0);
        assert.equal(await Deno.readTextFile(`${local.root}/locked/mine.txt`), "mine");
        for (const [path, text] of Object.entries(files)) assert.equal(m.files[path], text, path);
        // One LIST, for the locked directory; STAT for the others, before and after it.
        assert.equal(m.lists, 1);
        assert.equal(m.stats, 5);
      } finally {
        await Deno.chmod(`${peer.root}/locked`, 0o755);
      }
    },
  );
}

peerTest(
  "sync/ftp: vsftpd: a file listed as a directory (its STAT and LIST: its own line) keeps STAT on",
  ["vsftpd"],
  async () => {
    await using peer = await startVsftpd();
    await serve(peer, 1);
    await using proxy = await startCutProxy({ targetPort: peer.port });
    const ftp = await open(proxy.port, peer);
    try {
      await assert.rejects(ftp.list("top.txt"), NotADirectoryError);
      const stats = () => proxy.commands().filter((c) => c.startsWith("STAT")).length;
      const before = stats();
      assert.equal((await ftp.list("d0")).length, 3);
      assert.equal(stats(), before + 1, "d0 listed by STAT");
    } finally {
      await ftp.close();
    }
  },
);
