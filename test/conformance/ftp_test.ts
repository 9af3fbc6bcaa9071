/**
 * The conformance suite on FtpEndpoint against real servers: pyftpdlib with
 * MLSD (second precision), pyftpdlib with LIST only (minute precision, links
 * visible), vsftpd (LIST, MDTM-write), and the stricter servers users meet:
 * ProFTPD (MLSD, LIST, explicit FTPS with TLS session reuse required) and
 * Pure-FTPd (plain and explicit FTPS; it renames names with leading or
 * trailing spaces, which must fail clearly). A missing peer skips its cases
 * with the reason (fails them under FERRY_REQUIRE_PEERS=1).
 */
import { dirname } from "node:path";
import type { Endpoint } from "../../endpoint/types.ts";
import { FtpEndpoint } from "../../endpoint/ftp/endpoint.ts";
import { runConformance } from "./suite.ts";
import { startPyftpdlib } from "../peers/pyftpdlib.ts";
import { startVsftpd } from "../peers/vsftpd.ts";
import { startProftpd } from "../peers/proftpd.ts";
import { startPureFtpd } from "../peers/pureftpd.ts";
import type { FtpPeer } from "../peers/types.ts";
import { missingReason, type Peer } from "../peers/skip.ts";

/** The local directory behind each endpoint, to plant symlinks the server will list. */
const localRoots = new WeakMap<Endpoint, string>();

async function fixture(
  peer: FtpPeer,
  sub: string,
  options: Record<string, unknown> = {},
  ownsPeer = true,
) {
  const local = sub ? `${peer.root}/${sub}` : peer.root;
  await Deno.mkdir(local, { recursive: true });
  // Servers that switch to a user (ProFTPD, Pure-FTPd, vsftpd) must own what they serve.
  const owner = await Deno.stat(peer.root);
  await Deno.chown(local, owner.uid, owner.gid);
  try {
    const endpoint = await FtpEndpoint.open(`ftp://${peer.host}:${peer.port}/${sub}`, {
      credentials: { user: peer.user, password: peer.password },
      timeout: 10,
      ...options,
    });
    localRoots.set(endpoint, local);
    return { endpoint, cleanup: () => peer.stop() };
  } catch (error) {
    if (ownsPeer) await peer.stop();
    throw error;
  }
}

async function plantSymlink(ep: Endpoint, target: string, path: string): Promise<void> {
  await Deno.symlink(target, `${localRoots.get(ep)}/${path}`);
  (ep as FtpEndpoint).host.statCache.clear();
}

runConformance(
  "ftp (pyftpdlib, MLSD, endpoint below the login dir)",
  async () => fixture(await startPyftpdlib(), "ep"),
  { needs: ["pyftpdlib"] },
);

runConformance(
  "ftp (pyftpdlib, LIST only, server root)",
  async () => fixture(await startPyftpdlib({ mlsd: false }), ""),
  { needs: ["pyftpdlib"], symlink: plantSymlink },
);

runConformance(
  "ftp (vsftpd, LIST, MDTM-write)",
  async () => fixture(await startVsftpd({ lockUploadFiles: false }), ""),
  { needs: ["vsftpd"], symlink: plantSymlink },
);

/**
 * One server for every case of the fixtures given it, each case below a
 * directory of its own. Started as the module loads (when the peer is there),
 * outside any test, so that each case still runs under Deno's sanitizers; the
 * last test stops it, and it is killed at exit if that test was filtered out.
 */
async function sharedPeer(peers: Peer[], start: () => Promise<FtpPeer>) {
  if (peers.some((p) => missingReason(p) !== null)) return undefined;
  const peer = await start();
  globalThis.addEventListener("unload", () => {
    // stop()'s kill goes at once; its temp dir (the root's parent) is removed here.
    void peer.stop();
    try {
      Deno.removeSync(dirname(peer.root), { recursive: true });
    } catch { /* removed by the last test's stop() */ }
  });
  let n = 0;
  return {
    peer,
    async fixture(options: Record<string, unknown> = {}) {
      const { endpoint } = await fixture(peer, `case${++n}`, options, false);
      return { endpoint, cleanup: () => Promise.resolve() };
    },
  };
}

const proftpd = await sharedPeer(["proftpd"], () => startProftpd());
runConformance("ftp (proftpd, MLSD)", () => proftpd!.fixture(), {
  needs: ["proftpd"],
  symlink: plantSymlink,
});
runConformance(
  "ftp (proftpd, LIST only)",
  () => proftpd!.fixture({ options: { useMlsd: false } }),
  { needs: ["proftpd"], symlink: plantSymlink },
);

// ProFTPD's default TLSOptions: each data connection must resume its control
// connection's TLS session (the strictest FTPS server we can run).
const proftpdTls = await sharedPeer(
  ["proftpd", "openssl"],
  () => startProftpd({ tls: "explicit" }),
);
runConformance(
  "ftp (proftpd, explicit FTPS, session reuse required)",
  () => proftpdTls!.fixture({ tls: { mode: "require", ca: proftpdTls!.peer.caPem } }),
  { needs: ["proftpd", "openssl"], symlink: plantSymlink },
);

Deno.test("ftp conformance: stop the shared ProFTPD servers", async () => {
  await proftpd?.peer.stop();
  await proftpdTls?.peer.stop();
});

runConformance(
  "ftp (pure-ftpd, MLSD)",
  async () => fixture(await startPureFtpd(), "ep"),
  { needs: ["pureftpd"], symlink: plantSymlink, editsEdgeSpaces: true },
);

runConformance(
  "ftp (pure-ftpd, explicit FTPS)",
  async () => {
    const peer = await startPureFtpd({ tls: "explicit" });
    return fixture(peer, "ep", { tls: { mode: "require", ca: peer.caPem } });
  },
  { needs: ["pureftpd", "openssl"], symlink: plantSymlink, editsEdgeSpaces: true },
);
