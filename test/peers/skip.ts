/**
 * Tests that need a real peer register through {@link peerTest}: when the peer is
 * missing the test shows up as ignored with the reason in its name, or, under
 * `FERRY_REQUIRE_PEERS=1` (CI, which installs every peer), as a failure.
 *
 * Detection is synchronous (stat, one `python3 -c`), done once per process and
 * cached, because `Deno.test` registration happens synchronously at module load.
 * @module
 */
import { PeerError } from "./errors.ts";
import {
  PROFTPD_BINARY,
  PROFTPD_MODULES,
  PUREFTPD_BINARY,
  SYSTEM_PYTHON,
  UFTPD_DIR,
  VSFTPD_BINARY,
  VSFTPD_USER,
} from "./constants.ts";

/** A real program a test can need. */
export type Peer =
  | "vsftpd"
  | "proftpd"
  | "pureftpd"
  | "uftpd"
  | "pyftpdlib"
  | "ftputil"
  | "lftp"
  | "curl"
  | "rclone"
  | "wget"
  | "tmux"
  | "openssl"
  | "redis-server"
  | "python3";

const ON_PATH = new Set<Peer>([
  "lftp",
  "curl",
  "rclone",
  "wget",
  "tmux",
  "openssl",
  "redis-server",
]);
const reasons = new Map<Peer, string | null>();
let pythonModules: Set<string> | undefined;

/**
 * Why `peer` cannot be used here, or `null` when it can. Cached per process.
 *
 * @example
 * ```ts
 * missingReason("vsftpd"); // null, or "vsftpd not installed"
 * ```
 */
export function missingReason(peer: Peer): string | null {
  if (!reasons.has(peer)) reasons.set(peer, detect(peer));
  return reasons.get(peer)!;
}

/**
 * Whether `peer` is usable here.
 *
 * @example
 * ```ts
 * if (await hasPeer("curl")) console.log("curl interop tests will run");
 * ```
 */
export function hasPeer(peer: Peer): Promise<boolean> {
  return Promise.resolve(missingReason(peer) === null);
}

/** Per-test sanitizer switches passed through to `Deno.test`. */
export interface PeerTestOptions {
  sanitizeOps?: boolean;
  sanitizeResources?: boolean;
}

/**
 * Registers a `Deno.test` that needs real peers. If one is missing, the test is
 * registered ignored as `"<name> (skipped: <peer> not installed)"`; with
 * `FERRY_REQUIRE_PEERS=1` it is registered and fails with "required peer missing: <peer>".
 *
 * @example
 * ```ts
 * peerTest("lists a vsftpd dir", ["vsftpd", "curl"], async () => {
 *   await using peer = await startVsftpd();
 *   // ...
 * });
 * ```
 */
export function peerTest(
  name: string,
  needs: Peer[] | { peers: Peer[] },
  fn: (t: Deno.TestContext) => Promise<void>,
  options: PeerTestOptions = {},
): void {
  const peers = Array.isArray(needs) ? needs : needs.peers;
  const missing = peers.find((p) => missingReason(p) !== null);
  if (missing === undefined) {
    Deno.test({ name, fn, ...options });
  } else if (requirePeers()) {
    Deno.test({
      name,
      ...options,
      fn() {
        throw new PeerError(`required peer missing: ${missing} (${missingReason(missing)})`, {
          peer: missing,
          code: "EPEERMISSING",
        });
      },
    });
  } else {
    Deno.test({ name: `${name} (skipped: ${missingReason(missing)})`, ignore: true, fn });
  }
}

function requirePeers(): boolean {
  try {
    return Deno.env.get("FERRY_REQUIRE_PEERS") === "1";
  } catch {
    return false; // no --allow-env: cannot have been asked for
  }
}

function detect(peer: Peer): string | null {
  const missing = `${peer} not installed`;
  try {
    if (ON_PATH.has(peer)) return onPath(peer) ? null : missing;
    switch (peer) {
      case "python3":
        return isFile(SYSTEM_PYTHON) ? null : `${peer} not installed (${SYSTEM_PYTHON})`;
      case "pyftpdlib":
      case "ftputil":
        return systemPythonModules().has(peer) ? null : missing;
      case "proftpd":
        if (!isFile(PROFTPD_BINARY)) return `${missing} (${PROFTPD_BINARY})`;
        if (!isFile(`${PROFTPD_MODULES}/mod_tls.so`)) {
          return `proftpd's mod_tls missing (${PROFTPD_MODULES}/mod_tls.so)`;
        }
        return needsRoot(peer);
      case "pureftpd":
        return isFile(PUREFTPD_BINARY) ? needsRoot(peer) : `${missing} (${PUREFTPD_BINARY})`;
      case "uftpd":
        if (!isFile(`${UFTPD_DIR}/lib/UFTPD.py`)) return `${missing} (${UFTPD_DIR})`;
        if (!systemPythonModules().has("Cryptodome")) {
          return "uftpd needs python3-pycryptodome (Cryptodome) for /usr/bin/python3";
        }
        return needsRoot(peer);
      case "vsftpd":
        if (!isFile(VSFTPD_BINARY)) return missing;
        // It serves one local system user; without root it cannot be created.
        if (Deno.uid() !== 0 && !userExists(VSFTPD_USER)) {
          return `vsftpd not usable (not root and user ${VSFTPD_USER} missing)`;
        }
        return null;
    }
  } catch (e) {
    return `${peer} not detectable (${(e as Error).message})`;
  }
  return missing;
}

/** ProFTPD, Pure-FTPd and the UFTPD switch to a test account: that takes root. */
function needsRoot(peer: Peer): string | null {
  return Deno.uid() === 0 ? null : `${peer} not usable (needs root to switch users)`;
}

function isFile(path: string): boolean {
  try {
    return Deno.statSync(path).isFile;
  } catch {
    return false;
  }
}

function onPath(command: string): boolean {
  const dirs = (Deno.env.get("PATH") ?? "").split(":").filter(Boolean);
  return dirs.some((dir) => isFile(`${dir}/${command}`));
}

function systemPythonModules(): Set<string> {
  if (pythonModules) return pythonModules;
  pythonModules = new Set();
  if (!isFile(SYSTEM_PYTHON)) return pythonModules;
  const out = new Deno.Command(SYSTEM_PYTHON, {
    args: [
      "-c",
      "import importlib.util as u\n" +
      "print(' '.join(m for m in ('pyftpdlib', 'ftputil', 'Cryptodome') if u.find_spec(m)))",
    ],
    stdout: "piped",
    stderr: "null",
  }).outputSync();
  for (const name of new TextDecoder().decode(out.stdout).trim().split(/\s+/)) {
    if (name) pythonModules.add(name);
  }
  return pythonModules;
}

function userExists(name: string): boolean {
  try {
    return Deno.readTextFileSync("/etc/passwd").split("\n").some((l) => l.startsWith(`${name}:`));
  } catch {
    return false;
  }
}
