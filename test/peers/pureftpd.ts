/**
 * Starts a real Pure-FTPd 1.0.50 (Debian's pure-ftpd, unpacked under PEERS_DIR) in
 * the foreground on 127.0.0.1: one virtual user from a PureDB made with `pure-pw`,
 * mapped onto the local account the vsftpd peer uses and chrooted to its root.
 *
 * Pure-FTPd has no config file (only flags) and logs through syslog; `log()` has
 * what it prints plus its transfer log (`-O clf:`).
 * @module
 */
import { testCertificates } from "../fixtures/certs.ts";
import { PURE_PW_BINARY, PUREFTPD_BINARY } from "./constants.ts";
import { cryptPassword } from "./crypt.ts";
import { PeerError } from "./errors.ts";
import { spawnPeer } from "./process.ts";
import { startOnFreePort } from "./ready.ts";
import type { FtpPeer } from "./types.ts";
import { chownForVsftpd, ensureTraversable, ensureVsftpdUser } from "./vsftpd_user.ts";

/** Options of {@link startPureFtpd}. */
export interface PureFtpdOptions {
  /** Directory to serve as "/"; default a new temp dir. It is chowned to the served uid. */
  root?: string;
  /** Default "ferry". */
  user?: string;
  /** Default "ferry-pw". */
  password?: string;
  /** Explicit FTPS (AUTH TLS), cleartext logins refused (`-Y 2`); default off. */
  tls?: false | "explicit";
  /** The server process's TZ, e.g. "Asia/Kolkata": LIST shows it, MLSD stays UTC. */
  tz?: string;
  /** Inclusive passive port range (`-p`); default any port. */
  passivePorts?: [number, number];
  /** `-D`: list dot files too (Pure-FTPd hides them by default, ferry's `.x.ferry.part` included). */
  displayDotFiles?: boolean;
  /** More command-line flags, after the generated ones. */
  extraArgs?: string[];
}

/**
 * Starts Pure-FTPd and resolves once it has answered a connection.
 *
 * @example
 * ```ts
 * await using peer = await startPureFtpd({ tz: "Asia/Kolkata" });
 * await using ftp = await RawFtp.connect(peer.host, peer.port);
 * ```
 */
export async function startPureFtpd(options: PureFtpdOptions = {}): Promise<FtpPeer> {
  const account = await ensureVsftpdUser();
  const dir = await Deno.makeTempDir({ prefix: "ferry-pureftpd-" });
  const cleanup = () => Deno.remove(dir, { recursive: true }).catch(() => {});
  try {
    const root = options.root ?? `${dir}/root`;
    if (!options.root) await Deno.mkdir(root);
    await chownForVsftpd(root);
    await ensureTraversable(root);
    const user = options.user ?? "ferry";
    const password = options.password ?? "ferry-pw";
    const pdb = `${dir}/pureftpd.pdb`;
    await addVirtualUser(dir, pdb, { user, password, root, ...account });
    const args = [
      "-l",
      `puredb:${pdb}`,
      "-E", // no anonymous logins
      "-4",
      "-H", // no reverse DNS
      "-A", // chroot everyone
      "-O",
      `clf:${dir}/transfer.log`,
    ];
    if (options.displayDotFiles) args.push("-D");
    if (options.passivePorts) args.push("-p", options.passivePorts.join(":"));
    let caPem: string | undefined;
    if (options.tls) {
      const certs = await testCertificates();
      caPem = certs.caPem;
      // 1.0.50 wants key and certificate in one PEM file.
      const pem = `${dir}/server.pem`;
      await Deno.writeTextFile(pem, certs.good.key + certs.good.cert, { mode: 0o600 });
      args.push("-Y", "2", "-2", pem);
    }
    args.push(...(options.extraArgs ?? []));
    const { port, stop, log } = await startOnFreePort({
      peer: "pureftpd",
      program: "pure-ftpd",
      spawn: (port) =>
        Promise.resolve(spawnPeer(PUREFTPD_BINARY, ["-S", `127.0.0.1,${port}`, ...args], {
          peer: "pureftpd",
          env: options.tz ? { TZ: options.tz } : {},
        })),
      logs: [`${dir}/transfer.log`],
      implicit: false,
      busy: /already in use/i,
      cleanup,
    });
    return {
      kind: "pureftpd",
      host: "127.0.0.1",
      port,
      user,
      password,
      root,
      caPem,
      stop,
      log,
      [Symbol.asyncDispose]: stop,
    };
  } catch (e) {
    await cleanup();
    if (e instanceof PeerError) throw e;
    throw new PeerError(`cannot start pure-ftpd: ${(e as Error).message}`, {
      peer: "pureftpd",
      cause: e,
    });
  }
}

/**
 * The passwd line `pure-pw useradd` would write, with a cheap hash instead of its
 * argon2id (seconds of CPU per login), then `pure-pw mkdb` for the PureDB the server reads.
 */
async function addVirtualUser(
  dir: string,
  pdb: string,
  u: { user: string; password: string; root: string; uid: number; gid: number },
): Promise<void> {
  const passwd = `${dir}/pureftpd.passwd`;
  // "/./" ends the chroot part of the home directory.
  const line = [u.user, await cryptPassword(u.password), u.uid, u.gid, "", `${u.root}/./`];
  await Deno.writeTextFile(passwd, line.join(":") + ":".repeat(12) + "\n", { mode: 0o600 });
  const out = await new Deno.Command(PURE_PW_BINARY, {
    args: ["mkdb", pdb, "-f", passwd],
    stdin: "null",
    stdout: "piped",
    stderr: "piped",
  }).output();
  if (!out.success) {
    const text = new TextDecoder();
    throw new PeerError("pure-pw mkdb failed", {
      peer: "pureftpd",
      log: text.decode(out.stdout) + text.decode(out.stderr),
    });
  }
}
