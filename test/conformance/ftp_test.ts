/**
 * The conformance suite on FtpEndpoint against real servers: pyftpdlib with
 * MLSD (second precision), pyftpdlib with LIST only (minute precision, links
 * visible), vsftpd (LIST, MDTM-write), and the stricter servers users meet:
 * ProFTPD (MLSD, LIST, explicit FTPS with TLS session reuse required) and
 * Pure-FTPd (plain and explicit FTPS; it renames names with leading or
 * trailing spaces, which must fail clearly). A missing peer skips its cases
 * with the reason (fails them under FERRY_REQUIRE_PEERS=1).
 */
import type { Endpoint } from "../../endpoint/types.ts";
import { FtpEndpoint } from "../../endpoint/ftp/endpoint.ts";
import { runConformance } from "./suite.ts";
import { startPyftpdlib } from "../peers/pyftpdlib.ts";
import { startVsftpd } from "../peers/vsftpd.ts";
import { startProftpd } from "../peers/proftpd.ts";
import { startPureFtpd } from "../peers/pureftpd.ts";
import type { FtpPeer } from "../peers/types.ts";

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
 * One server for every case of the fixtures given it (ProFTPD takes ~0.7 s to
 * start), each case below a directory of its own; the last test stops it (at
 * exit as well, if that test was filtered out). Its cases run without Deno's
 * sanitizers (as s3's do): the server outlives each of them.
 */
function sharedPeer(start: () => Promise<FtpPeer>) {
  let peer: Promise<FtpPeer> | undefined;
  let n = 0;
  return {
    async fixture(
      options: Record<string, unknown> | ((peer: FtpPeer) => Record<string, unknown>) = {},
    ) {
      peer ??= start().then((p) => {
        globalThis.addEventListener("unload", () => void p.stop());
        return p;
      });
      const p = await peer;
      const extra = typeof options === "function" ? options(p) : options;
      const { endpoint } = await fixture(p, `case${++n}`, extra, false);
      return { endpoint, cleanup: () => Promise.resolve() };
    },
    async stop() {
      if (peer) await (await peer).stop();
    },
  };
}

const shared = { sanitizeResources: false, sanitizeOps: false };

const proftpd = sharedPeer(() => startProftpd());
runConformance("ftp (proftpd, MLSD)", () => proftpd.fixture(), {
  needs: ["proftpd"],
  symlink: plantSymlink,
  ...shared,
});
runConformance(
  "ftp (proftpd, LIST only)",
  () => proftpd.fixture({ options: { useMlsd: false } }),
  { needs: ["proftpd"], symlink: plantSymlink, ...shared },
);

// ProFTPD's default TLSOptions: each data connection must resume its control
// connection's TLS session (the strictest FTPS server we can run).
const proftpdTls = sharedPeer(() => startProftpd({ tls: "explicit" }));
runConformance(
  "ftp (proftpd, explicit FTPS, session reuse required)",
  () => proftpdTls.fixture((p) => ({ tls: { mode: "require", ca: p.caPem } })),
  { needs: ["proftpd", "openssl"], symlink: plantSymlink, ...shared },
);

Deno.test({
  name: "ftp conformance: stop the shared ProFTPD servers",
  ...shared,
  async fn() {
    await proftpd.stop();
    await proftpdTls.stop();
  },
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
