/**
 * The conformance suite on FtpEndpoint against real servers: pyftpdlib with
 * MLSD (second precision), pyftpdlib with LIST only (minute precision, links
 * visible), and vsftpd (LIST, MDTM-write) when its harness is available.
 */
import type { Endpoint } from "../../endpoint/types.ts";
import { FtpEndpoint } from "../../endpoint/ftp/endpoint.ts";
import { runConformance } from "./suite.ts";
import { missingReason } from "../peers/skip.ts";
import { startPyftpdlib } from "../peers/pyftpdlib.ts";
import { startVsftpd } from "../peers/vsftpd.ts";
import type { FtpPeer } from "../peers/types.ts";

/** The local directory behind each endpoint, to plant symlinks the server will list. */
const localRoots = new WeakMap<Endpoint, string>();

async function fixture(peer: FtpPeer, sub: string, options: Record<string, unknown> = {}) {
  const local = sub ? `${peer.root}/${sub}` : peer.root;
  await Deno.mkdir(local, { recursive: true });
  try {
    const endpoint = await FtpEndpoint.open(`ftp://${peer.host}:${peer.port}/${sub}`, {
      credentials: { user: peer.user, password: peer.password },
      timeout: 10,
      ...options,
    });
    localRoots.set(endpoint, local);
    return { endpoint, cleanup: () => peer.stop() };
  } catch (error) {
    await peer.stop();
    throw error;
  }
}

async function plantSymlink(ep: Endpoint, target: string, path: string): Promise<void> {
  await Deno.symlink(target, `${localRoots.get(ep)}/${path}`);
  (ep as FtpEndpoint).host.statCache.clear();
}

function skip(peer: "pyftpdlib" | "vsftpd"): boolean {
  return missingReason(peer) !== null && Deno.env.get("FERRY_REQUIRE_PEERS") !== "1";
}

runConformance(
  "ftp (pyftpdlib, MLSD, endpoint below the login dir)",
  async () => fixture(await startPyftpdlib(), "ep"),
  { ignore: skip("pyftpdlib") },
);

runConformance(
  "ftp (pyftpdlib, LIST only, server root)",
  async () => fixture(await startPyftpdlib({ mlsd: false }), ""),
  { ignore: skip("pyftpdlib"), symlink: plantSymlink },
);

runConformance(
  "ftp (vsftpd, LIST, MDTM-write)",
  async () => fixture(await startVsftpd({ lockUploadFiles: false }), ""),
  { ignore: skip("vsftpd"), symlink: plantSymlink },
);
