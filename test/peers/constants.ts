/**
 * Where the real peers live on Debian and who vsftpd serves: shared by detection
 * (skip.ts) and the starters without pulling the starters into every test.
 * @module
 */

/** The system Python: Debian's pyftpdlib/ftputil are installed for it, not for a pyenv python3. */
export const SYSTEM_PYTHON = "/usr/bin/python3";

/** Debian's vsftpd binary. */
export const VSFTPD_BINARY = "/usr/sbin/vsftpd";

/** The one local system user every vsftpd peer serves (vsftpd logs local users in via PAM). */
export const VSFTPD_USER = "ferrytest";

/** Its fixed password: a throwaway account on test machines only. */
export const VSFTPD_PASSWORD = "ferrytest-pw";

/**
 * Where CI unpacks the peers that conflict with vsftpd as packages (ProFTPD, Pure-FTPd):
 * `$FERRY_PEERS_DIR`, default /opt/ftp-peers (`dpkg -x` of Debian's .debs, see .ci/run).
 */
export const PEERS_DIR = envOr("FERRY_PEERS_DIR", "/opt/ftp-peers");

/** ProFTPD 1.3.8: the unpacked one, else an installed one. */
export const PROFTPD_BINARY = firstFile(`${PEERS_DIR}/usr/sbin/proftpd`, "/usr/sbin/proftpd");

/** ProFTPD's DSO modules (mod_tls.so comes from proftpd-mod-crypto), beside the binary used. */
export const PROFTPD_MODULES = PROFTPD_BINARY.startsWith(`${PEERS_DIR}/`)
  ? `${PEERS_DIR}/usr/lib/proftpd`
  : "/usr/lib/proftpd";

/** Pure-FTPd 1.0.50: the unpacked one, else an installed one. */
export const PUREFTPD_BINARY = firstFile(`${PEERS_DIR}/usr/sbin/pure-ftpd`, "/usr/sbin/pure-ftpd");

/**
 * The real UNICORE UFTPD (Python source, run in place): `$FERRY_UFTPD_DIR`, else
 * `shared/peers/uftpd` beside the checkout (../shared) or beside its parent (a git
 * worktree one level deeper, ../../shared).
 */
export const UFTPD_DIR = envOr(
  "FERRY_UFTPD_DIR",
  firstFile(
    ...["../../../", "../../../../"].map((up) =>
      new URL(`${up}shared/peers/uftpd/lib/UFTPD.py`, import.meta.url).pathname
    ),
  ).replace(/\/lib\/UFTPD\.py$/, ""),
);

function envOr(name: string, fallback: string): string {
  try {
    return Deno.env.get(name) || fallback;
  } catch {
    return fallback; // no --allow-env: the default place
  }
}

function firstFile(...paths: string[]): string {
  for (const path of paths) {
    try {
      if (Deno.statSync(path).isFile) return path;
    } catch {
      // try the next one
    }
  }
  return paths[0];
}

/** pure-pw (builds the virtual-user database), from the same unpacked pure-ftpd-common. */
export const PURE_PW_BINARY = firstFile(`${PEERS_DIR}/usr/bin/pure-pw`, "/usr/bin/pure-pw");
