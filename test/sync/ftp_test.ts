/**
 * The sync jobs against real FTP servers (vsftpd and pyftpdlib): mirror both
 * ways and its no-change re-run, resume after a cut upload, delete safety,
 * two-way sync, rmtree and copy-if-newer.
 * @module
 */
import assert from "node:assert/strict";
import { FtpEndpoint } from "../../endpoint/ftp/endpoint.ts";
import type { Endpoint } from "../../endpoint/types.ts";
import { copyIfNewer } from "../../sync/if_newer.ts";
import { mirror } from "../../sync/mirror.ts";
import { rmtree } from "../../sync/rmtree.ts";
import { StateStore } from "../../sync/state.ts";
import { sync } from "../../sync/two_way.ts";
import { peerTest } from "../peers/skip.ts";
import type { FtpPeer } from "../peers/types.ts";
import { startPyftpdlib } from "../peers/pyftpdlib.ts";
import { startVsftpd } from "../peers/vsftpd.ts";
import {
  at,
  contents,
  CutReads,
  CutWrites,
  FailingList,
  pattern,
  put,
  tempLocal,
  text,
} from "./helpers.ts";

const fast = { retry: { baseDelayMs: 0 } };

type Starter = () => Promise<FtpPeer>;
const servers: [string, "vsftpd" | "pyftpdlib", Starter][] = [
  ["vsftpd", "vsftpd", () => startVsftpd({ lockUploadFiles: false })],
  ["pyftpdlib", "pyftpdlib", () => startPyftpdlib()],
];

async function connect(peer: FtpPeer, path = "/"): Promise<FtpEndpoint> {
  return await FtpEndpoint.open(`ftp://${peer.host}:${peer.port}${path}`, {
    credentials: { user: peer.user, password: peer.password },
    maxConnections: 4,
  });
}

async function localTree(): Promise<Endpoint & AsyncDisposable> {
  const ep = await tempLocal();
  await put(ep, "a.txt", "alpha", at(0));
  await put(ep, "d/b.txt", "bravo", at(10));
  await put(ep, "d/e/c.bin", pattern(70_000), at(20));
  await put(ep, "skip.tmp", "tmp", at(30));
  return ep;
}

for (const [name, peerName, start] of servers) {
  peerTest(`sync/ftp ${name}: mirror up and down, no-change re-run, delete with excludes`, [
    peerName,
  ], async () => {
    await using peer = await start();
    await using local = await localTree();
    const ftp = await connect(peer);
    try {
      const up = await mirror(local, "", ftp, "pub", { ...fast, exclude: ["*.tmp"], parallel: 4 });
      assert.equal(up.ok, true, JSON.stringify(up.errors));
      assert.equal(up.files.transferred, 3);
      assert.equal(await Deno.readTextFile(`${peer.root}/pub/d/b.txt`), "bravo");
      const again = await mirror(local, "", ftp, "pub", { ...fast, exclude: ["*.tmp"] });
      assert.equal(again.files.transferred, 0, JSON.stringify(again.plan ?? again.errors));

      await using down = await tempLocal();
      const r = await mirror(ftp, "pub", down, "copy", fast);
      assert.equal(r.ok, true, JSON.stringify(r.errors));
      assert.deepEqual(Object.keys(await contents(down, "copy")).sort(), [
        "a.txt",
        "d/",
        "d/b.txt",
        "d/e/",
        "d/e/c.bin",
      ]);
      // The local copy carries the exact time, though vsftpd's LIST gives only the day
      // for old files (its MDTM, asked with the download, the second; pyftpdlib's MLSD
      // the second).
      assert.equal((await down.stat("copy/d/b.txt")).mtime?.getTime(), at(10).getTime());
      assert.equal((await mirror(ftp, "pub", down, "copy", fast)).files.transferred, 0);

      await local.remove("d/b.txt");
      const del = await mirror(local, "", ftp, "pub", {
        ...fast,
        delete: true,
        exclude: ["*.tmp"],
      });
      assert.equal(del.ok, true, JSON.stringify(del.errors));
      assert.equal(del.files.deleted, 1);
      await assert.rejects(Deno.stat(`${peer.root}/pub/d/b.txt`));
    } finally {
      await ftp.close();
    }
  });

  peerTest(`sync/ftp ${name}: a cut upload resumes at the partial's size`, [peerName], async () => {
    await using peer = await start();
    await using local = await tempLocal();
    const size = 400_000;
    await put(local, "big.bin", pattern(size), at(7));
    const ftp = await connect(peer);
    try {
      // pyftpdlib (one Python thread) may not have read a byte when the reset (or an ABOR)
      // comes, and it drops what its socket held: then nothing is resumable and the retry
      // rightly starts at 0. There the cut is a close, so what was sent is on the server.
      const graceful = peerName === "pyftpdlib";
      const cut = new CutWrites(ftp, 150_000, 1, { graceful });
      const r = await mirror(local, "", cut, "", fast);
      assert.equal(r.ok, true, JSON.stringify(r.errors));
      assert.equal(r.resumed, 1);
      // The retry continues at what the server kept of the cut stream (bytes
      // still in flight when the data connection dropped are lost).
      assert.deepEqual(cut.writes.map((w) => w.path), [
        ".big.bin.ferry.part",
        ".big.bin.ferry.part",
      ]);
      const resumedAt = cut.writes[1].options.offset ?? 0;
      if (graceful) assert.equal(resumedAt, 150_000, "every byte sent was kept");
      else assert.ok(resumedAt > 0 && resumedAt <= 150_000, `resumed at ${resumedAt}`);
      assert.equal(r.bytes.transferred, size);
      const got = await Deno.readFile(`${peer.root}/big.bin`);
      assert.deepEqual(got, pattern(size));
      assert.deepEqual(
        [...Deno.readDirSync(peer.root)].map((e) => e.name),
        ["big.bin"],
        "no partial left behind",
      );
      // And the other way: a download whose data connection drops resumes with REST.
      await using down = await tempLocal();
      const cutRead = new CutReads(ftp, 120_000);
      const d = await mirror(cutRead, "", down, "", fast);
      assert.equal(d.ok, true, JSON.stringify(d.errors));
      assert.deepEqual(cutRead.reads.map((x) => x.offset), [0, 120_000]);
      assert.deepEqual(await Deno.readFile(`${down.root}/big.bin`), pattern(size));
    } finally {
      await ftp.close();
    }
  });

  peerTest(`sync/ftp ${name}: no deletion when a source listing fails`, [peerName], async () => {
    await using peer = await start();
    await using local = await localTree();
    const ftp = await connect(peer);
    try {
      await put(ftp, "extra.txt", "stays", at(0));
      const r = await mirror(new FailingList(local, ["d/e"]), "", ftp, "", {
        ...fast,
        delete: true,
      });
      assert.equal(r.ok, false);
      assert.equal(r.files.deleted, 0);
      assert.equal(await Deno.readTextFile(`${peer.root}/extra.txt`), "stays");
    } finally {
      await ftp.close();
    }
  });

  peerTest(`sync/ftp ${name}: two-way sync, rmtree and copy-if-newer`, [peerName], async () => {
    await using peer = await start();
    await using local = await localTree();
    const ftp = await connect(peer);
    const state = StateStore.open(":memory:");
    try {
      await put(ftp, "s/remote.txt", "from ftp", at(40));
      const first = await sync(local, "", ftp, "s", { ...fast, state, exclude: ["*.tmp"] });
      assert.equal(first.ok, true, JSON.stringify(first.errors));
      assert.equal(await text(local, "remote.txt"), "from ftp");
      const quiet = await sync(local, "", ftp, "s", { ...fast, state, exclude: ["*.tmp"] });
      assert.equal(quiet.files.transferred, 0, JSON.stringify(quiet.plan ?? quiet.errors));
      await ftp.remove("s/a.txt");
      await put(local, "d/b.txt", "bravo 2", at(500));
      const carried = await sync(local, "", ftp, "s", { ...fast, state, exclude: ["*.tmp"] });
      assert.equal(carried.ok, true, JSON.stringify(carried.errors));
      await assert.rejects(local.stat("a.txt"));
      assert.equal(await Deno.readTextFile(`${peer.root}/s/d/b.txt`), "bravo 2");

      const dl = await copyIfNewer(ftp, "s/d/b.txt", local, "fresh/b.txt", fast);
      assert.equal(dl.files.transferred, 1);
      const none = await copyIfNewer(ftp, "s/d/b.txt", local, "fresh/b.txt", fast);
      assert.equal(none.files.transferred, 0, JSON.stringify(none.plan));

      const gone = await rmtree(ftp, "s", fast);
      assert.equal(gone.ok, true, JSON.stringify(gone.errors));
      await assert.rejects(Deno.stat(`${peer.root}/s`));
    } finally {
      state.close();
      await ftp.close();
    }
  });
}

peerTest(
  "sync/ftp vsftpd: maxConnections counts every connection, so a per-IP limit is never hit",
  [
    "vsftpd",
  ],
  async () => {
    // vsftpd answers a third connection from 127.0.0.1 with 421.
    await using peer = await startVsftpd({
      lockUploadFiles: false,
      extraConfig: { max_per_ip: "2" },
    });
    await using local = await tempLocal();
    for (let i = 0; i < 12; i++) await put(local, `d${i % 3}/f${i}.bin`, pattern(5_000 + i), at(i));
    const remote = await FtpEndpoint.open(`ftp://${peer.host}:${peer.port}/`, {
      credentials: { user: peer.user, password: peer.password },
      maxConnections: 2,
    });
    try {
      const up = await mirror(local, "", remote, "up", { parallel: 4, ...fast });
      assert.ok(up.ok, JSON.stringify(up.errors));
      assert.equal(up.retries, 0, "no 421 back-off");
      await using back = await tempLocal();
      const down = await mirror(remote, "up", back, "", { parallel: 4, ...fast });
      assert.ok(down.ok, JSON.stringify(down.errors));
      assert.equal(down.retries, 0, "no 421 back-off");
      assert.equal(down.files.transferred, 12);
      assert.deepEqual(await contents(back), await contents(local));
    } finally {
      await remote.close();
    }
  },
);
