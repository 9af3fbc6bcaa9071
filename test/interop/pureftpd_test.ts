/**
 * The interop matrix against Pure-FTPd 1.0.50 in +05:30 (LIST in local time,
 * MLSD in UTC), over explicit FTPS, and the case of one state directory
 * used first with LIST (`--no-mlsd`) and then with MLSD under `--time-shift auto`.
 */
import assert from "node:assert/strict";
import { startPureFtpd } from "../peers/pureftpd.ts";
import { peerTest } from "../peers/skip.ts";
import type { FtpPeer } from "../peers/types.ts";
import { ferryOk, mirrorRoundTrip, recentMinute, type Remote, twoWaySync } from "./_cells.ts";
import { caFile, explain, smallTree, withTempDir, writeTree } from "./_matrix.ts";

async function remote(peer: FtpPeer, work: string, flags: string[] = []): Promise<Remote> {
  return {
    url: `${peer.caPem ? "ftpes" : "ftp"}://127.0.0.1:${peer.port}/tree`,
    dir: `${peer.root}/tree`,
    user: peer.user,
    password: peer.password,
    ca: peer.caPem ? await caFile(work, peer.caPem) : undefined,
    flags,
    log: peer.log,
  };
}

peerTest("interop Pure-FTPd: FTPS explicit in +05:30: mirror up and down keep bytes and mtimes", [
  "pureftpd",
  "openssl",
], async () => {
  await using peer = await startPureFtpd({ tls: "explicit", tz: "Asia/Kolkata" });
  await withTempDir(async (work) => {
    const r = await remote(peer, work, ["--time-shift", "auto"]);
    await mirrorRoundTrip(r, work, { mtimeToleranceSec: 1 });
  });
});

peerTest("interop Pure-FTPd: FTPS explicit in +05:30: two-way sync", [
  "pureftpd",
  "openssl",
], async () => {
  await using peer = await startPureFtpd({ tls: "explicit", tz: "Asia/Kolkata" });
  await withTempDir(async (work) => {
    await twoWaySync(await remote(peer, work, ["--time-shift", "auto"]), work);
  });
});

peerTest("interop Pure-FTPd in +05:30: one state dir, LIST then MLSD, auto shift: real mtimes", [
  "pureftpd",
], async () => {
  await using peer = await startPureFtpd({ tz: "Asia/Kolkata" });
  await withTempDir(async (work) => {
    const r = await remote(peer, work, ["--time-shift", "auto"]);
    // Paths with spaces have a cell of their own (below): this one is about times.
    const tree = Object.fromEntries(
      Object.entries(smallTree(10)).filter(([p]) => !p.includes(" ")),
    );
    const mtime = recentMinute();
    await writeTree(`${work}/src`, tree, mtime);
    const mirror = ["mirror", `${work}/src`, r.url, "-P", "4"];
    await ferryOk(r, [...mirror, "--no-mlsd"], "mirror up over LIST", work);
    const listAgain = await ferryOk(r, [...mirror, "--no-mlsd"], "again over LIST", work);
    assert.equal(listAgain.transferred, 0, `LIST re-run: ${explain(listAgain)}`);
    const mlsdAgain = await ferryOk(r, mirror, "again over MLSD, same state dir", work);
    assert.equal(mlsdAgain.transferred, 0, `MLSD re-run: ${explain(mlsdAgain)}`);
    for (const path of Object.keys(tree)) {
      const served = (await Deno.stat(`${r.dir}/${path}`)).mtime!.getTime() / 1000;
      assert.equal(served, mtime, `${path}: the server's mtime`);
    }
  });
});

peerTest("interop Pure-FTPd: LIST only (--no-mlsd): mirror up and down, a directory with a space", [
  "pureftpd",
], async () => {
  await using peer = await startPureFtpd({ tz: "Asia/Kolkata" });
  await withTempDir(async (work) => {
    const r = await remote(peer, work, ["--no-mlsd", "--time-shift", "auto"]);
    await mirrorRoundTrip(r, work, { mtimeToleranceSec: 60 });
  });
});
