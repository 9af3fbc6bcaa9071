/**
 * The interop matrix against the real UNICORE UFTPD (behind ferry's own auth
 * service): mirror up and down with `--delete -P 4` (many small files: the
 * stat-cache race of parallel uploads), a two-way sync, and uploads and downloads
 * whose data connection is cut once mid-file, with one stream and with four.
 * This UFTPD answers every SIZE with 500, so a resume has to learn the partial's
 * size elsewhere; and it cannot set the mtime of a path with a space (MFMT fails),
 * so the round trip does not check mtimes.
 */
import assert from "node:assert/strict";
import { peerTest } from "../peers/skip.ts";
import { type RealUftpSite, startRealUftpd } from "../peers/uftpd.ts";
import { cutTree, mirrorAcrossCut, mirrorRoundTrip, type Remote, twoWaySync } from "./_cells.ts";
import { caFile, withTempDir } from "./_matrix.ts";

const MIB = 1 << 20;

async function remote(site: RealUftpSite, work: string): Promise<Remote> {
  return {
    url: `${site.dataUrl}/tree`,
    dir: `${site.root}/data/tree`,
    user: site.user,
    password: site.password,
    ca: await caFile(work, site.ca),
    log: site.log,
  };
}

peerTest("interop UFTPD: mirror up and down, --delete -P 4, 60 files", [
  "uftpd",
  "openssl",
], async () => {
  await using site = await startRealUftpd();
  await withTempDir(async (work) => {
    await mirrorRoundTrip(await remote(site, work), work, { files: 60, idempotent: false });
  });
});

peerTest("interop UFTPD: two-way sync", ["uftpd", "openssl"], async () => {
  await using site = await startRealUftpd();
  await withTempDir(async (work) => {
    await twoWaySync(await remote(site, work), work);
  });
});

peerTest("interop UFTPD: an upload's data connection cut once at 16 MiB of 64", [
  "uftpd",
  "openssl",
], async () => {
  await using site = await startRealUftpd({ proxy: { afterBytes: 16 * MIB } });
  await withTempDir(async (work) => {
    await mirrorAcrossCut(await remote(site, work), site.proxy!, work, "up", cutTree(64 * MIB));
  });
});

peerTest("interop UFTPD: a download's data connection cut once at 16 MiB of 64", [
  "uftpd",
  "openssl",
], async () => {
  await using site = await startRealUftpd({ proxy: { afterBytes: 16 * MIB } });
  await withTempDir(async (work) => {
    await mirrorAcrossCut(await remote(site, work), site.proxy!, work, "down", cutTree(64 * MIB));
  });
});

peerTest("interop UFTPD: a 4-stream upload with one stream cut once at 4 MiB", [
  "uftpd",
  "openssl",
], async () => {
  await using site = await startRealUftpd({ proxy: { afterBytes: 4 * MIB } });
  await withTempDir(async (work) => {
    const r = await remote(site, work);
    await mirrorAcrossCut(r, site.proxy!, work, "up", cutTree(64 * MIB), { streams: 4 });
    assert.match(site.log(), /Opening parallel data connector with <4> streams/);
  });
});

peerTest("interop UFTPD: a 4-stream download with one stream cut once at 4 MiB", [
  "uftpd",
  "openssl",
], async () => {
  await using site = await startRealUftpd({ proxy: { afterBytes: 4 * MIB } });
  await withTempDir(async (work) => {
    const r = await remote(site, work);
    await mirrorAcrossCut(r, site.proxy!, work, "down", cutTree(64 * MIB), { streams: 4 });
    assert.match(site.log(), /Opening parallel data connector with <4> streams/);
  });
});
