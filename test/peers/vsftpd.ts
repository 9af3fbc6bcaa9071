/**
 * Starts a real vsftpd 3.0.3 in the foreground on 127.0.0.1, serving the local
 * account ferrytest chrooted to a directory, with its own generated config.
 *
 * vsftpd prints its fatal errors ("500 OOPS: ...") to file descriptor 0, as if
 * talking to an inetd client; it is started as `sh -c 'exec vsftpd conf 0>&1'` so
 * those words land in the captured output and in the thrown error.
 * @module
 */
import { testCertificates } from "../fixtures/certs.ts";
import { VSFTPD_BINARY, VSFTPD_PASSWORD, VSFTPD_USER } from "./constants.ts";
import { PeerError } from "./errors.ts";
import { spawnPeer } from "./process.ts";
import { startOnFreePort } from "./ready.ts";
import type { FtpPeer } from "./types.ts";
import { chownForVsftpd, ensureTraversable, ensureVsftpdUser } from "./vsftpd_user.ts";

/** Options of {@link startVsftpd}. */
export interface VsftpdOptions {
  /** Directory to serve as "/"; default a new temp dir. It is chowned to ferrytest. */
  root?: string;
  /** Explicit (AUTH TLS) or implicit FTPS; default off. */
  tls?: false | "explicit" | "implicit";
  /** Server certificate (chain) file; default: test/fixtures/certs.ts's `good` leaf. */
  certFile?: string;
  keyFile?: string;
  /** Data connections must resume the control TLS session; default true (vsftpd's default). */
  requireSslReuse?: boolean;
  /** force_local_logins_ssl and force_local_data_ssl; default false (plain still allowed). */
  forceTls?: boolean;
  /** Inclusive passive port range; default: any port. */
  passivePorts?: [number, number];
  /** use_localtime: LIST and MDTM times in the server's TZ (vsftpd's own quirk). Default false. */
  useLocaltime?: boolean;
  /** The server process's TZ, e.g. "Asia/Kolkata". */
  tz?: string;
  /** lock_upload_files (vsftpd default true): concurrent STORs of one name wait on each other. */
  lockUploadFiles?: boolean;
  /** More vsftpd.conf settings; they override the generated ones. */
  extraConfig?: Record<string, string>;
}

const SECURE_CHROOT_DIR = "/var/run/vsftpd/empty";
const yesNo = (b: boolean) => (b ? "YES" : "NO");

/**
 * Starts vsftpd and resolves once it has answered a connection.
 *
 * @example
 * ```ts
 * await using peer = await startVsftpd({ tls: "explicit", useLocaltime: true, tz: "Asia/Kolkata" });
 * await using ftp = await RawFtp.connect(peer.host, peer.port);
 * ```
 */
export async function startVsftpd(options: VsftpdOptions = {}): Promise<FtpPeer> {
  await ensureVsftpdUser();
  await ensureSecureChrootDir();
  const dir = await Deno.makeTempDir({ prefix: "ferry-vsftpd-" });
  const cleanup = () => Deno.remove(dir, { recursive: true }).catch(() => {});
  try {
    const root = options.root ?? `${dir}/root`;
    if (!options.root) await Deno.mkdir(root);
    await chownForVsftpd(root);
    // The session drops to ferrytest before it enters its root: let it pass through.
    await ensureTraversable(root);
    let certFile = options.certFile, keyFile = options.keyFile, caPem: string | undefined;
    if (options.tls && !certFile) {
      const certs = await testCertificates();
      ({ certFile, keyFile } = certs.good);
      caPem = certs.caPem;
    }
    const logFile = `${dir}/vsftpd.log`;
    const conf = `${dir}/vsftpd.conf`;
    const { port, stop, log } = await startOnFreePort({
      peer: "vsftpd",
      program: "vsftpd",
      async spawn(port) {
        await Deno.writeTextFile(conf, config(options, { port, root, logFile, certFile, keyFile }));
        return spawnPeer("/bin/sh", ["-c", 'exec "$0" "$1" 0>&1', VSFTPD_BINARY, conf], {
          peer: "vsftpd",
          env: options.tz ? { TZ: options.tz } : {},
        });
      },
      logs: [logFile],
      implicit: options.tls === "implicit",
      busy: /could not bind/,
      cleanup,
    });
    return {
      kind: "vsftpd",
      host: "127.0.0.1",
      port,
      user: VSFTPD_USER,
      password: VSFTPD_PASSWORD,
      root,
      caPem,
      stop,
      log,
      [Symbol.asyncDispose]: stop,
    };
  } catch (e) {
    await cleanup();
    if (e instanceof PeerError) throw e;
    throw new PeerError(`cannot start vsftpd: ${(e as Error).message}`, {
      peer: "vsftpd",
      cause: e,
    });
  }
}

function config(
  o: VsftpdOptions,
  at: { port: number; root: string; logFile: string; certFile?: string; keyFile?: string },
): string {
  const settings: Record<string, string> = {
    listen: "YES",
    listen_ipv6: "NO",
    listen_address: "127.0.0.1",
    listen_port: String(at.port),
    background: "NO",
    seccomp_sandbox: "NO",
    secure_chroot_dir: SECURE_CHROOT_DIR,
    anonymous_enable: "NO",
    local_enable: "YES",
    write_enable: "YES",
    local_umask: "022",
    file_open_mode: "0644",
    pam_service_name: "vsftpd",
    userlist_enable: "NO",
    chroot_local_user: "YES",
    allow_writeable_chroot: "YES",
    local_root: at.root,
    mdtm_write: "YES",
    use_localtime: yesNo(o.useLocaltime ?? false),
    lock_upload_files: yesNo(o.lockUploadFiles ?? true),
    syslog_enable: "NO",
    xferlog_enable: "YES",
    log_ftp_protocol: "YES",
    vsftpd_log_file: at.logFile,
  };
  if (o.passivePorts) {
    settings.pasv_min_port = String(o.passivePorts[0]);
    settings.pasv_max_port = String(o.passivePorts[1]);
  }
  if (o.tls) {
    Object.assign(settings, {
      ssl_enable: "YES",
      rsa_cert_file: at.certFile!,
      rsa_private_key_file: at.keyFile ?? at.certFile!,
      require_ssl_reuse: yesNo(o.requireSslReuse ?? true),
      implicit_ssl: yesNo(o.tls === "implicit"),
      force_local_logins_ssl: yesNo(o.forceTls ?? false),
      force_local_data_ssl: yesNo(o.forceTls ?? false),
      // 3.0.3's default list is DES-CBC3-SHA alone, which TLS 1.2 clients refuse.
      ssl_ciphers: "HIGH",
    });
  }
  Object.assign(settings, o.extraConfig ?? {});
  return Object.entries(settings).map(([k, v]) => `${k}=${v}`).join("\n") + "\n";
}

async function ensureSecureChrootDir(): Promise<void> {
  try {
    await Deno.mkdir(SECURE_CHROOT_DIR, { recursive: true });
  } catch (e) {
    throw new PeerError(`cannot create vsftpd's secure_chroot_dir ${SECURE_CHROOT_DIR}`, {
      peer: "vsftpd",
      cause: e,
    });
  }
}
