/**
 * The interop matrix against ProFTPD 1.3.8 in the configurations users meet:
 * FTPS (explicit and implicit) with its default TLS options, which make every data
 * connection resume its own control connection's TLS session; MLSD refused; LIST
 * in local time (TimesGMT off) in +05:30; and a data connection cut once mid-file.
 */
import assert from "node:assert/strict";
import { startCutProxy } from "../peers/cut_proxy.ts";
import { startProftpd } from "../peers/proftpd.ts";
import { peerTest } from "../peers/skip.ts";
import type { FtpPeer } from "../peers/types.ts";
import { cutTree, mirrorAcrossCut, mirrorRoundTrip, type Remote, twoWaySync } from "./_cells.ts";
import { caFile, withTempDir } from "./_matrix.ts";

const MIB = 1 << 20;

async function remote(
  peer: FtpPeer,
  scheme: "ftp" | "ftpes" | "ftps",
  work: string,
  flags: string[] = [],
  port = peer.port,
): Promise<Remote> {
  return {
    url: `${scheme}://127.0.0.1:${port}/tree`,
    dir: `${peer.root}/tree`,
    user: peer.user,
    password: peer.password,
    ca: peer.caPem ? await caFile(work, peer.caPem) : undefined,
    flags,
    log: peer.log,
  };
}

peerTest("interop ProFTPD: FTPS explicit, session reuse required: mirror up and down", [
  "proftpd",
  "openssl",
], async () => {
  await using peer = await startProftpd({ tls: "explicit" });
  await withTempDir(async (work) => {
    await mirrorRoundTrip(await remote(peer, "ftpes", work), work, { mtimeToleranceSec: 1 });
  });
});

peerTest("interop ProFTPD: FTPS implicit, session reuse required: mirror up and down", [
  "proftpd",
  "openssl",
], async () => {
  await using peer = await startProftpd({ tls: "implicit" });
  await withTempDir(async (work) => {
    await mirrorRoundTrip(await remote(peer, "ftps", work), work, { mtimeToleranceSec: 1 });
  });
});

peerTest("interop ProFTPD: FTPS explicit, session reuse required, TLS 1.2 only: two-way sync", [
  "proftpd",
  "openssl",
], async () => {
  await using peer = await startProftpd({ tls: "explicit", tlsProtocols: "TLSv1.2" });
  await withTempDir(async (work) => {
    await twoWaySync(await remote(peer, "ftpes", work), work);
  });
});

peerTest("interop ProFTPD: FTPS explicit, session reuse required, TLS 1.2+1.3: two-way sync", [
  "proftpd",
  "openssl",
], async () => {
  await using peer = await startProftpd({ tls: "explicit" });
  await withTempDir(async (work) => {
    await twoWaySync(await remote(peer, "ftpes", work), work);
  });
});

peerTest("interop ProFTPD: MLSD denied (LIST only): mirror up and down", ["proftpd"], async () => {
  await using peer = await startProftpd({ denyMlsd: true });
  await withTempDir(async (work) => {
    await mirrorRoundTrip(await remote(peer, "ftp", work), work, { mtimeToleranceSec: 60 });
  });
});

peerTest("interop ProFTPD: TimesGMT off in +05:30, MLSD: mirror keeps mtimes, re-run is a no-op", [
  "proftpd",
], async () => {
  await using peer = await startProftpd({ timesGmt: false, tz: "Asia/Kolkata" });
  await withTempDir(async (work) => {
    const r = await remote(peer, "ftp", work, ["--time-shift", "auto"]);
    await mirrorRoundTrip(r, work, { mtimeToleranceSec: 1 });
  });
});

peerTest("interop ProFTPD: TimesGMT off in +05:30, MLSD denied: LIST times shifted back", [
  "proftpd",
], async () => {
  await using peer = await startProftpd({ timesGmt: false, tz: "Asia/Kolkata", denyMlsd: true });
  await withTempDir(async (work) => {
    const r = await remote(peer, "ftp", work, ["--time-shift", "auto"]);
    await mirrorRoundTrip(r, work, { mtimeToleranceSec: 60 });
  });
});

peerTest("interop ProFTPD: an upload's data connection cut once at 16 MiB of 64", [
  "proftpd",
], async () => {
  await using peer = await startProftpd();
  await using proxy = await startCutProxy({ targetPort: peer.port, cut: { afterBytes: 16 * MIB } });
  await withTempDir(async (work) => {
    const r = await remote(peer, "ftp", work, [], proxy.port);
    await mirrorAcrossCut(r, proxy, work, "up", cutTree(64 * MIB));
  });
});

peerTest("interop ProFTPD: a download's data connection cut once at 16 MiB of 64", [
  "proftpd",
], async () => {
  await using peer = await startProftpd();
  await using proxy = await startCutProxy({ targetPort: peer.port, cut: { afterBytes: 16 * MIB } });
  await withTempDir(async (work) => {
    const r = await remote(peer, "ftp", work, [], proxy.port);
    await mirrorAcrossCut(r, proxy, work, "down", cutTree(64 * MIB));
  });
});

peerTest("interop ProFTPD: MaxClients 2 against -P 4: the pool shrinks, nothing fails", [
  "proftpd",
], async () => {
  await using peer = await startProftpd({ maxClients: 2 });
  await withTempDir(async (work) => {
    await mirrorRoundTrip(await remote(peer, "ftp", work), work, { mtimeToleranceSec: 1 });
  });
  // The cell tested something only if the server did refuse logins.
  assert.match(peer.log(), /Connection refused \(MaxClientsPerHost 2\)/);
});
