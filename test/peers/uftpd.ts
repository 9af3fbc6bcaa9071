/**
 * Starts the real UNICORE UFTPD (Python, from {@link UFTPD_DIR}) on 127.0.0.1 with
 * ferry's own auth service in front of it: the auth service checks the test user's
 * password and sends the job (Unix login, base directory, one-time secret) to the
 * UFTPD's command port, exactly as UNICORE's auth server does.
 *
 * Unlike ferry's built-in UFTPD (test/uftp/_site.ts), the real one serves the real
 * file system as a real Unix account: it runs as root and switches to the vsftpd
 * test account for each session, so the served tree belongs to that account, and
 * paths in `uftp://` URLs are absolute OS paths (`site.dataUrl` is ready made).
 * @module
 */
import { startAuthService } from "../../plugins/uftp/mod.ts";
import { testCertificates } from "../fixtures/certs.ts";
import { type ControlCut, type CutOptions, type CutProxy, startCutProxy } from "./cut_proxy.ts";
import { SYSTEM_PYTHON, UFTPD_DIR, VSFTPD_USER } from "./constants.ts";
import { PeerError } from "./errors.ts";
import { soleListener } from "./owner.ts";
import { reserveSharedPorts } from "./ports.ts";
import { type PeerProcess, spawnPeer } from "./process.ts";
import { chownForVsftpd, ensureTraversable, ensureVsftpdUser } from "./vsftpd_user.ts";

/** Options of {@link startRealUftpd}. */
export interface RealUftpdOptions {
  /** Directory that holds the served tree; default a new temp dir. `<root>/data` is made. */
  root?: string;
  /** The auth service's user; default "ferry". */
  user?: string;
  /** Default "ferry-pw". */
  password?: string;
  /** `MAX_STREAMS` (the UFTPD's default 4): the cap of multi-stream transfers. */
  maxStreams?: number;
  /**
   * `MAX_CONNECTIONS` (the UFTPD's default 16): sessions per user. A finished session
   * counts until the UFTPD's cleanup pass (every 5 s), so benchmarks raise it.
   */
  maxConnections?: number;
  /** `PORT_RANGE` of data connections, inclusive; default any port. */
  passivePorts?: [number, number];
  /** The UFTPD process's TZ. */
  tz?: string;
  /**
   * Put a cut proxy (cut_proxy.ts) in front of the UFTPD's FTP port, and send clients
   * there: `true` for a counting proxy, or the cut to make. `site.proxy` is it.
   */
  proxy?: boolean | CutOptions;
  /** A control connection to cut at a command (cut_proxy.ts); puts the proxy in front too. */
  controlCut?: ControlCut;
}

/** A running real UFTPD with its auth service, shaped like test/uftp/_site.ts's TestSite. */
export interface RealUftpSite extends AsyncDisposable {
  /** `uftp://127.0.0.1:PORT/rest/auth/TEST:` (append an absolute base directory). */
  uftpUrl: string;
  /** `uftpUrl` + the absolute path of `<root>/data`: a session based on the data directory. */
  dataUrl: string;
  /** `https://127.0.0.1:PORT/rest/auth/TEST`. */
  authUrl: string;
  /** The directory that holds `data` (owned by the Unix account the sessions run as). */
  root: string;
  /** PEM of the CA that signed the auth service's certificate. */
  ca: string;
  user: string;
  password: string;
  /** The Unix account the UFTPD switches to. */
  unixUser: string;
  /** The UFTPD's own FTP port (sessions are opened through the auth service first). */
  ftpPort: number;
  /** The proxy clients are sent to, when `proxy` was asked for. */
  proxy?: CutProxy;
  /** Ends the UFTPD, its session processes and the auth service; removes temp dirs. Idempotent. */
  stop(): Promise<void>;
  /** What the UFTPD printed (LOG_VERBOSE, on the console). */
  log(): string;
}

/**
 * Starts the UFTPD and the auth service; resolves once both listen.
 *
 * @example
 * ```ts
 * await using site = await startRealUftpd();
 * const ep = await UftpEndpoint.open(site.dataUrl, {
 *   tls: { ca: site.ca },
 *   credentials: { user: site.user, password: site.password },
 * });
 * ```
 */
export async function startRealUftpd(options: RealUftpdOptions = {}): Promise<RealUftpSite> {
  await ensureVsftpdUser();
  const dir = await Deno.makeTempDir({ prefix: "ferry-realuftpd-" });
  const cleanup = () => Deno.remove(dir, { recursive: true }).catch(() => {});
  let proc: PeerProcess | undefined;
  try {
    const root = options.root ?? `${dir}/root`;
    await Deno.mkdir(`${root}/data`, { recursive: true });
    await chownForVsftpd(root);
    await ensureTraversable(root);
    const shim = await cryptoShim(dir);
    await Deno.writeTextFile(`${dir}/uftpd.acl`, "");
    let ports: { cmd: number; ftp: number } | undefined;
    // The UFTPD binds both ports with SO_REUSEPORT, so a port it is handed can be
    // shared silently (by its own other socket when the two are equal, or by another
    // UFTPD) and the kernel then spreads connections over both. The ports are held
    // (distinct, with SO_REUSEPORT, which only the UFTPD as the same user can join)
    // until it listens, and then each must have exactly one listener: the UFTPD's.
    for (let attempt = 1; !ports; attempt++) {
      const held = await reserveSharedPorts(2);
      const [cmd, ftp] = held.ports;
      proc = spawnPeer(SYSTEM_PYTHON, [`${UFTPD_DIR}/lib/UFTPD.py`], {
        peer: "uftpd",
        cwd: dir,
        env: {
          PYTHONPATH: `${shim}:${UFTPD_DIR}/lib`,
          PYTHONUNBUFFERED: "1",
          // The source dir is shared and not ours: no __pycache__ in it.
          PYTHONDONTWRITEBYTECODE: "1",
          CMD_HOST: "127.0.0.1",
          CMD_PORT: String(cmd),
          SERVER_HOST: "127.0.0.1",
          SERVER_PORT: String(ftp),
          ACL: `${dir}/uftpd.acl`,
          LOG_SYSLOG: "false",
          LOG_VERBOSE: "true",
          DISABLE_IPv6: "true",
          MAX_STREAMS: String(options.maxStreams ?? 4),
          ...(options.maxConnections ? { MAX_CONNECTIONS: String(options.maxConnections) } : {}),
          ...(options.passivePorts ? { PORT_RANGE: options.passivePorts.join(":") } : {}),
          ...(options.tz ? { TZ: options.tz } : {}),
        },
      });
      // Both sockets are bound before the listener thread says it started.
      const failure = await proc.waitForOutput(/Started FTP listener thread/)
        .then(() => "", (e: Error) => e.message)
        .finally(held.release)
        .then((f) =>
          f || [cmd, ftp].filter((p) => soleListener(proc!.pid, p) === false)
            .map((p) => `port ${p} is not the UFTPD's alone`).join("; ")
        );
      if (!failure) {
        ports = { cmd, ftp };
        break;
      }
      await proc.stop();
      if (
        attempt < 3 && /Address already in use|not the UFTPD's alone/.test(failure + proc.log())
      ) {
        continue;
      }
      throw new PeerError(`the UFTPD did not start: ${failure}`, {
        peer: "uftpd",
        log: proc.log(),
      });
    }
    const uftpd = proc!;
    const certs = await testCertificates();
    const proxy = options.proxy || options.controlCut
      ? await startCutProxy({
        targetPort: ports.ftp,
        cut: options.proxy === true || !options.proxy ? undefined : options.proxy,
        controlCut: options.controlCut,
      })
      : undefined;
    const user = options.user ?? "ferry";
    const password = options.password ?? "ferry-pw";
    const auth = await startAuthService({
      users: { [user]: { password, uid: VSFTPD_USER } },
      servers: {
        TEST: {
          host: "127.0.0.1",
          port: proxy?.port,
          commandHost: "127.0.0.1",
          commandPort: ports.cmd,
        },
      },
      cert: certs.good.cert,
      key: certs.good.key,
      hostname: "127.0.0.1",
    }).catch(async (e) => {
      await uftpd.stop();
      throw e;
    });
    let stopping: Promise<void> | undefined;
    const stop = () => stopping ??= auth.close().finally(() => uftpd.stop()).finally(cleanup);
    const authUrl = `${auth.url}/TEST`;
    const uftpUrl = `${authUrl.replace(/^https:/, "uftp:")}:`;
    return {
      uftpUrl,
      dataUrl: `${uftpUrl}${await Deno.realPath(`${root}/data`)}`,
      authUrl,
      root,
      ca: certs.caPem,
      user,
      password,
      unixUser: VSFTPD_USER,
      ftpPort: ports.ftp,
      proxy,
      stop,
      log: uftpd.log,
      [Symbol.asyncDispose]: stop,
    };
  } catch (e) {
    await proc?.stop();
    await cleanup();
    if (e instanceof PeerError) throw e;
    throw new PeerError(`cannot start the UFTPD: ${(e as Error).message}`, {
      peer: "uftpd",
      cause: e,
      log: proc?.log(),
    });
  }
}

/**
 * The UFTPD imports pycryptodome as `Crypto`; Debian's python3-pycryptodome is
 * `Cryptodome`. A directory with a `Crypto` link to it goes first on PYTHONPATH.
 */
async function cryptoShim(dir: string): Promise<string> {
  const out = await new Deno.Command(SYSTEM_PYTHON, {
    args: ["-c", "import Cryptodome, os; print(os.path.dirname(Cryptodome.__file__))"],
    stdout: "piped",
    stderr: "piped",
  }).output();
  const text = new TextDecoder();
  if (!out.success) {
    throw new PeerError("the UFTPD needs pycryptodome: install python3-pycryptodome", {
      peer: "uftpd",
      log: text.decode(out.stderr),
    });
  }
  const shim = `${dir}/pyshim`;
  await Deno.mkdir(shim);
  await Deno.symlink(text.decode(out.stdout).trim(), `${shim}/Crypto`);
  return shim;
}
