/**
 * Starts a real ProFTPD 1.3.8 (Debian's proftpd-core + proftpd-mod-crypto, unpacked
 * under {@link PEERS_DIR}) in the foreground on 127.0.0.1 with a generated config:
 * one virtual user from an AuthUserFile, mapped onto the local account the vsftpd
 * peer uses (so files it writes belong to a real uid), chrooted to its root.
 *
 * TLS is mod_tls with ProFTPD's *default* TLSOptions unless asked otherwise: every
 * data connection must resume its own control connection's TLS session, the strict
 * behaviour that FileZilla Server and IIS also offer.
 * @module
 */
import { testCertificates } from "../fixtures/certs.ts";
import { PROFTPD_BINARY, PROFTPD_MODULES } from "./constants.ts";
import { PeerError } from "./errors.ts";
import { spawnPeer } from "./process.ts";
import { cryptPassword } from "./crypt.ts";
import { startOnFreePort } from "./ready.ts";
import type { FtpPeer } from "./types.ts";
import { chownForVsftpd, ensureTraversable, ensureVsftpdUser } from "./vsftpd_user.ts";

/** Options of {@link startProftpd}. */
export interface ProftpdOptions {
  /** Directory to serve as "/"; default a new temp dir. It is chowned to the served uid. */
  root?: string;
  /** Default "ferry". */
  user?: string;
  /** Default "ferry-pw". */
  password?: string;
  /** Explicit (AUTH TLS) or implicit FTPS, both with `TLSRequired on`; default off. */
  tls?: false | "explicit" | "implicit";
  /**
   * Data connections must resume the control connection's TLS session (ProFTPD's
   * default, true); false adds `NoSessionReuseRequired`.
   */
  sessionReuseRequired?: boolean;
  /** `TLSProtocol`; default "TLSv1.2 TLSv1.3". */
  tlsProtocols?: string;
  /** `<Limit MLSD MLST> DenyAll`: MLSD answers 550 while FEAT still lists MLST. */
  denyMlsd?: boolean;
  /** `TimesGMT` (default true); false makes LIST show the process's local time (MLSD stays UTC). */
  timesGmt?: boolean;
  /** The server process's TZ, e.g. "Asia/Kolkata". */
  tz?: string;
  /** `MaxClientsPerHost` and `MaxClients`: logins beyond it are refused. */
  maxClients?: number;
  /** Inclusive `PassivePorts` range; default any port. */
  passivePorts?: [number, number];
  /** More config lines, appended after the generated ones. */
  extraConfig?: string;
}

/**
 * Starts ProFTPD and resolves once it has answered a connection.
 *
 * @example
 * ```ts
 * await using peer = await startProftpd({ tls: "explicit", denyMlsd: true });
 * await using ftp = await RawFtp.connect(peer.host, peer.port);
 * ```
 */
export async function startProftpd(options: ProftpdOptions = {}): Promise<FtpPeer> {
  const account = await ensureVsftpdUser();
  const dir = await Deno.makeTempDir({ prefix: "ferry-proftpd-" });
  const cleanup = () => Deno.remove(dir, { recursive: true }).catch(() => {});
  try {
    const root = options.root ?? `${dir}/root`;
    if (!options.root) await Deno.mkdir(root);
    await chownForVsftpd(root);
    await ensureTraversable(root);
    const user = options.user ?? "ferry";
    const password = options.password ?? "ferry-pw";
    const passwd = `${dir}/passwd`;
    const hash = await cryptPassword(password);
    await Deno.writeTextFile(
      passwd,
      `${user}:${hash}:${account.uid}:${account.gid}::${root}:/bin/sh\n`,
      { mode: 0o600 },
    );
    let caPem: string | undefined, cert: { certFile: string; keyFile: string } | undefined;
    if (options.tls) {
      const certs = await testCertificates();
      cert = certs.good;
      caPem = certs.caPem;
    }
    const conf = `${dir}/proftpd.conf`;
    const { port, stop, log } = await startOnFreePort({
      peer: "proftpd",
      program: "proftpd",
      async spawn(port) {
        await Deno.writeTextFile(conf, config(options, { port, dir, passwd, cert }));
        return spawnPeer(PROFTPD_BINARY, ["-n", "-c", conf], {
          peer: "proftpd",
          env: options.tz ? { TZ: options.tz } : {},
          // It takes ~370 ms to exit on SIGTERM (10 ms on SIGKILL), once per test
          // that starts one; its logs are written line by line, its files are ours.
          stopSignal: "SIGKILL",
        });
      },
      logs: ["system.log", "tls.log", "extended.log"].map((name) => `${dir}/${name}`),
      implicit: options.tls === "implicit",
      busy: /Address already in use/,
      cleanup,
    });
    return {
      kind: "proftpd",
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
    throw new PeerError(`cannot start proftpd: ${(e as Error).message}`, {
      peer: "proftpd",
      cause: e,
    });
  }
}

function config(
  o: ProftpdOptions,
  at: {
    port: number;
    dir: string;
    passwd: string;
    cert?: { certFile: string; keyFile: string };
  },
): string {
  const lines = [
    `ServerType standalone`,
    `ServerName "ferry test ProFTPD"`,
    `DefaultAddress 127.0.0.1`,
    `SocketBindTight on`,
    `UseIPv6 off`,
    `Port ${at.port}`,
    // Any account will do for the master; sessions switch to the virtual user's uid.
    `User nobody`,
    `Group nogroup`,
    `ScoreboardFile ${at.dir}/scoreboard`,
    `PidFile ${at.dir}/proftpd.pid`,
    `DelayTable none`,
    `DelayEngine off`, // no deliberate delay on failed (or any) logins
    `WtmpLog off`,
    `UseReverseDNS off`,
    `SystemLog ${at.dir}/system.log`,
    `ExtendedLog ${at.dir}/extended.log ALL`,
    `AuthOrder mod_auth_file.c`,
    `AuthUserFile ${at.passwd}`,
    `RequireValidShell off`,
    `UseFtpUsers off`,
    `DefaultRoot ~`,
    `Umask 022`,
    `AllowOverwrite on`,
    `AllowStoreRestart on`,
    `AllowRetrieveRestart on`,
    `DeleteAbortedStores off`,
    `TimesGMT ${o.timesGmt === false ? "off" : "on"}`,
    `MaxInstances 100`,
  ];
  if (o.passivePorts) lines.push(`PassivePorts ${o.passivePorts[0]} ${o.passivePorts[1]}`);
  if (o.maxClients !== undefined) {
    lines.push(
      `MaxClientsPerHost ${o.maxClients} "Too many connections from your host"`,
      `MaxClients ${o.maxClients} "Too many connections"`,
    );
  }
  if (o.denyMlsd) lines.push(`<Limit MLSD MLST>`, `  DenyAll`, `</Limit>`);
  if (o.tls && at.cert) {
    const tlsOptions = [
      ...(o.tls === "implicit" ? ["UseImplicitSSL"] : []),
      ...(o.sessionReuseRequired === false ? ["NoSessionReuseRequired"] : []),
    ];
    lines.push(
      `ModulePath ${PROFTPD_MODULES}`,
      `LoadModule mod_tls.c`,
      `TLSEngine on`,
      `TLSLog ${at.dir}/tls.log`,
      `TLSProtocol ${o.tlsProtocols ?? "TLSv1.2 TLSv1.3"}`,
      `TLSRSACertificateFile ${at.cert.certFile}`,
      `TLSRSACertificateKeyFile ${at.cert.keyFile}`,
      `TLSVerifyClient off`,
      `TLSRequired on`,
      ...(tlsOptions.length ? [`TLSOptions ${tlsOptions.join(" ")}`] : []),
    );
  }
  if (o.extraConfig) lines.push(o.extraConfig);
  return lines.join("\n") + "\n";
}
