/**
 * The site bench/uftp_transfer.ts measures against: the real UNICORE UFTPD
 * (Python, ../shared/peers/uftpd) with ferry's own auth service in front of
 * it, so ferry authenticates as users do and curl can be handed a one-time
 * secret. Runs as root: UFTPD switches to the Unix user named in the
 * request, created here if missing ({@link BENCH_USER}).
 *
 *   await using site = await startBenchSite();
 * @module
 */
import { join } from "node:path";
import { startAuthService } from "../plugins/uftp/mod.ts";
import { testCertificates } from "../test/fixtures/certs.ts";
import { freePort, freePortRange } from "../test/peers/ports.ts";
import { spawnPeer } from "../test/peers/process.ts";

/** The Unix user the UFTPD acts as (files on the server side belong to it). */
export const BENCH_USER = "ferrybench";
const PASSWORD = "bench-pw";

/** UFTPD.py: `$FERRY_UFTPD_DIR/lib`, else `shared/peers/uftpd/lib` in the nearest folder above that has it. */
function findUftpd(): string {
  const given = Deno.env.get("FERRY_UFTPD_DIR");
  if (given) return join(given, "lib", "UFTPD.py");
  for (let dir = new URL(".", import.meta.url).pathname; dir !== "/"; dir = join(dir, "..")) {
    const candidate = join(dir, "shared", "peers", "uftpd", "lib", "UFTPD.py");
    try {
      Deno.statSync(candidate);
      return candidate;
    } catch { /* look further up */ }
  }
  throw new Error("the UNICORE UFTPD was not found (set FERRY_UFTPD_DIR)");
}

/** A running site. */
export interface BenchSite extends AsyncDisposable {
  /** `https://127.0.0.1:PORT/rest/auth/TEST` */
  authUrl: string;
  /** `uftp://USER:PASSWORD@127.0.0.1:PORT/rest/auth/TEST:` + the served directory. */
  uftpUrl: string;
  /** The served directory (absolute on the server, as UFTPD paths are). */
  dir: string;
  /** The auth service's CA (PEM file). */
  caFile: string;
  user: string;
  password: string;
  /** Gives a file in `dir` to the UFTPD's user. */
  chown(path: string): Promise<void>;
  stop(): Promise<void>;
}

async function run(cmd: string, args: string[]): Promise<Deno.CommandOutput> {
  return await new Deno.Command(cmd, { args, stdout: "piped", stderr: "piped" }).output();
}

/**
 * Starts the UFTPD and the auth service, serving a fresh directory under `parent`.
 *
 * @example
 * ```ts
 * const site = await startBenchSite("/var/tmp");
 * ```
 */
export async function startBenchSite(parent = "/var/tmp"): Promise<BenchSite> {
  if (!(await run("id", [BENCH_USER])).success) {
    const made = await run("useradd", ["-M", "-s", "/usr/sbin/nologin", BENCH_USER]);
    if (!made.success) {
      throw new Error(`useradd ${BENCH_USER}: ${new TextDecoder().decode(made.stderr)}`);
    }
  }
  const dir = await Deno.makeTempDir({ dir: parent, prefix: "ferry-uftp-bench-" });
  await Deno.chmod(dir, 0o755);
  const chown = async (path: string) => {
    const out = await run("chown", ["-R", `${BENCH_USER}:${BENCH_USER}`, path]);
    if (!out.success) throw new Error(`chown ${path}: ${new TextDecoder().decode(out.stderr)}`);
  };
  await chown(dir);
  // Debian's pycryptodome is `Cryptodome`; UFTPD imports `Crypto`.
  const shim = await Deno.makeTempDir({ prefix: "ferry-uftpd-shim-" });
  await Deno.symlink("/usr/lib/python3/dist-packages/Cryptodome", join(shim, "Crypto"));
  const acl = join(shim, "uftpd.acl");
  await Deno.writeTextFile(acl, "");
  const cmdPort = await freePort();
  const ftpPort = await freePort();
  const [lo, hi] = await freePortRange(20);
  const UFTPD = findUftpd();
  const uftpd = spawnPeer("/usr/bin/python3", [UFTPD], {
    peer: "uftpd",
    env: {
      PYTHONPATH: `${shim}:${join(UFTPD, "..")}`,
      CMD_HOST: "127.0.0.1",
      CMD_PORT: String(cmdPort),
      SERVER_HOST: "127.0.0.1",
      SERVER_PORT: String(ftpPort),
      PORT_RANGE: `${lo}:${hi}`,
      ACL: acl,
      LOG_SYSLOG: "false",
      LOG_VERBOSE: "false",
      DISABLE_IPv6: "true",
    },
  });
  const cleanup = async () => {
    await uftpd.stop();
    await Deno.remove(shim, { recursive: true });
    await Deno.remove(dir, { recursive: true });
  };
  try {
    // Its own log line, not a probe connection: a connect and close without a
    // request makes UFTPD's command thread spin on EOF for good.
    await uftpd.waitForOutput(/Started FTP listener thread/, 20_000);
    const certs = await testCertificates();
    const caFile = join(shim, "ca.pem");
    await Deno.writeTextFile(caFile, certs.caPem);
    const auth = await startAuthService({
      users: { [BENCH_USER]: { password: PASSWORD } },
      servers: { TEST: { host: "127.0.0.1", commandHost: "127.0.0.1", commandPort: cmdPort } },
      cert: certs.good.cert,
      key: certs.good.key,
    });
    const stop = async () => {
      await auth.close();
      await cleanup();
    };
    return {
      authUrl: `${auth.url}/TEST`,
      uftpUrl: `uftp://${BENCH_USER}:${PASSWORD}@127.0.0.1:${auth.port}/rest/auth/TEST:${dir}`,
      dir,
      caFile,
      user: BENCH_USER,
      password: PASSWORD,
      chown,
      stop,
      [Symbol.asyncDispose]: stop,
    };
  } catch (error) {
    await cleanup();
    throw error;
  }
}
