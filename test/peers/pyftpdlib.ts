/**
 * Starts a real pyftpdlib 1.5.7 server (Debian's python3-pyftpdlib, for
 * /usr/bin/python3) on 127.0.0.1. Python binds port 0 itself and prints the port
 * it got, so there is no race for a port and readiness is that line.
 * @module
 */
import { testCertificates } from "../fixtures/certs.ts";
import { PeerError } from "./errors.ts";
import { SYSTEM_PYTHON } from "./constants.ts";
import { spawnPeer } from "./process.ts";
import type { FtpPeer } from "./types.ts";
import { chownForVsftpd, ensureTraversable, ensureVsftpdUser } from "./vsftpd_user.ts";

/** Options of {@link startPyftpdlib}. Defaults mirror pyftpdlib's own unless noted. */
export interface PyftpdlibOptions {
  /** Directory to serve; default: a new temp dir, removed by stop(). */
  root?: string;
  /** Default "ferry". */
  user?: string;
  /** Default "ferry-pw". */
  password?: string;
  /** Also accept anonymous logins (read-only, pyftpdlib's "elr"). */
  anonymous?: boolean;
  /** The user's pyftpdlib permission letters; default all: "elradfmwMT". */
  perm?: string;
  /** Explicit (AUTH TLS) or implicit FTPS; default off. */
  tls?: false | "explicit" | "implicit";
  /** Server certificate (chain) file; default: test/fixtures/certs.ts's `good` leaf. */
  certFile?: string;
  keyFile?: string;
  /** USER/PASS refused (550) before AUTH TLS. */
  tlsControlRequired?: boolean;
  /** PASV/PORT refused (550) before PROT P. */
  tlsDataRequired?: boolean;
  /** Listing and MDTM times in UTC (pyftpdlib's default, true) or the server's TZ. */
  useGmtTimes?: boolean;
  /** The server process's TZ, e.g. "Asia/Kolkata". */
  tz?: string;
  /** Inclusive passive port range; default: any port the kernel gives. */
  passivePorts?: [number, number];
  /** Address announced in PASV replies. */
  masqueradeAddress?: string;
  /** false removes MLSD/MLST, so clients must fall back to LIST. Default true. */
  mlsd?: boolean;
  /**
   * `LIST -a` read as Unix servers read it (pyftpdlib's own reads `-a` as a
   * path: 550), and a plain LIST hiding dot files, as ProFTPD's and
   * Pure-FTPd's does. Default false.
   */
  unixListAll?: boolean;
  /**
   * Serve as the vsftpd account (ferrytest) instead of the test's user: the
   * root is chowned to it and Python drops root before it serves, so file
   * modes (chmod 000) stop it as they stop the other servers. Needs root.
   */
  asServerUser?: boolean;
  /**
   * Python run just before the server starts, with `Handler` (the handler class)
   * and `authorizer` in scope, e.g. `"Handler.banner = 'hi'"`.
   */
  extraPython?: string;
}

/**
 * Starts pyftpdlib and resolves once it listens.
 *
 * @example
 * ```ts
 * await using peer = await startPyftpdlib({ tls: "explicit", mlsd: false });
 * await using ftp = await RawFtp.connect(peer.host, peer.port);
 * ```
 */
export async function startPyftpdlib(options: PyftpdlibOptions = {}): Promise<FtpPeer> {
  const dir = await Deno.makeTempDir({ prefix: "ferry-pyftpdlib-" });
  const cleanup = () => Deno.remove(dir, { recursive: true }).catch(() => {});
  try {
    const root = options.root ?? `${dir}/root`;
    if (!options.root) await Deno.mkdir(root);
    let runAs: [number, number] | null = null;
    if (options.asServerUser) {
      const { uid, gid } = await ensureVsftpdUser();
      await chownForVsftpd(root);
      await ensureTraversable(root);
      runAs = [uid, gid];
    }
    const user = options.user ?? "ferry";
    const password = options.password ?? "ferry-pw";
    let certFile = options.certFile, keyFile = options.keyFile, caPem: string | undefined;
    if (options.tls && !certFile) {
      const certs = await testCertificates();
      ({ certFile, keyFile } = certs.good);
      caPem = certs.caPem;
    }
    const config = {
      root,
      user,
      password,
      perm: options.perm ?? "elradfmwMT",
      anonymous: options.anonymous ?? false,
      tls: options.tls || null,
      certFile: certFile ?? null,
      keyFile: keyFile ?? null,
      tlsControlRequired: options.tlsControlRequired ?? false,
      tlsDataRequired: options.tlsDataRequired ?? false,
      useGmtTimes: options.useGmtTimes ?? true,
      passivePorts: options.passivePorts ?? null,
      masqueradeAddress: options.masqueradeAddress ?? null,
      mlsd: options.mlsd ?? true,
      unixListAll: options.unixListAll ?? false,
      runAs,
      extraPython: options.extraPython ?? "",
    };
    await Deno.writeTextFile(`${dir}/config.json`, JSON.stringify(config));
    await Deno.writeTextFile(`${dir}/server.py`, SERVER_PY);
    const env: Record<string, string> = { PYTHONUNBUFFERED: "1", PYTHONDONTWRITEBYTECODE: "1" };
    if (options.tz) env.TZ = options.tz;
    const proc = spawnPeer(SYSTEM_PYTHON, [`${dir}/server.py`, `${dir}/config.json`], {
      peer: "pyftpdlib",
      env,
    });
    let port: number;
    try {
      port = Number((await proc.waitForOutput(/^FERRY_PYFTPDLIB_READY (\d+)$/m))[1]);
    } catch (e) {
      await proc.stop();
      throw e;
    }
    let stopping: Promise<void> | undefined;
    const stop = () => stopping ??= proc.stop().finally(cleanup);
    return {
      kind: "pyftpdlib",
      host: "127.0.0.1",
      port,
      user,
      password,
      root,
      caPem,
      stop,
      log: proc.log,
      [Symbol.asyncDispose]: stop,
    };
  } catch (e) {
    await cleanup();
    if (e instanceof PeerError) throw e;
    throw new PeerError(`cannot start pyftpdlib: ${(e as Error).message}`, {
      peer: "pyftpdlib",
      cause: e,
    });
  }
}

/** The server program; its settings come from the JSON file named by argv[1]. */
const SERVER_PY = String.raw`
import json, logging, os, sys
cfg = json.load(open(sys.argv[1]))
logging.basicConfig(level=logging.INFO, stream=sys.stderr,
                    format="[pyftpdlib %(asctime)s] %(message)s")
from pyftpdlib.authorizers import DummyAuthorizer
from pyftpdlib.servers import FTPServer
from pyftpdlib import handlers

authorizer = DummyAuthorizer()
authorizer.add_user(cfg["user"], cfg["password"], cfg["root"], perm=cfg["perm"])
if cfg["anonymous"]:
    authorizer.add_anonymous(cfg["root"])

Base = handlers.FTPHandler
if cfg["tls"]:
    if not hasattr(handlers, "TLS_FTPHandler"):
        sys.exit("FERRY_PYFTPDLIB_ERROR TLS_FTPHandler missing: install python3-openssl")
    Base = handlers.TLS_FTPHandler

class Handler(Base):
    if cfg["tls"] == "implicit":
        # pyftpdlib has no implicit FTPS (issue #160): start the handshake before
        # the banner; the banner waits in the send buffer until TLS is up.
        def __init__(self, conn, server, ioloop=None):
            super().__init__(conn, server, ioloop)
            if self.connected:
                self.secure_connection(self.ssl_context)
                self._pbsz = True
                self._prot = True  # implicit FTPS protects data by default

Handler.authorizer = authorizer
Handler.proto_cmds = dict(Base.proto_cmds)  # our own copy: edits must not leak into Base
if not cfg["mlsd"]:
    for cmd in ("MLSD", "MLST"):
        Handler.proto_cmds.pop(cmd, None)
if cfg["tls"]:
    Handler.certfile = cfg["certFile"]
    Handler.keyfile = cfg["keyFile"]
    Handler.tls_control_required = cfg["tlsControlRequired"]
    Handler.tls_data_required = cfg["tlsDataRequired"]
    Handler.get_ssl_context()  # a bad cert or key fails now, not at the first connection
Handler.use_gmt_times = cfg["useGmtTimes"]
if cfg["passivePorts"]:
    Handler.passive_ports = list(range(cfg["passivePorts"][0], cfg["passivePorts"][1] + 1))
if cfg["masqueradeAddress"]:
    Handler.masquerade_address = cfg["masqueradeAddress"]
if cfg["unixListAll"]:
    from pyftpdlib.filesystems import AbstractedFS
    _pre_process = Handler.pre_process_command
    def _list_all(self, line, cmd, arg):
        if cmd == "LIST":
            self.list_all = arg == "-a" or arg.startswith("-a ")
            if self.list_all:
                arg = arg[2:].lstrip()
        return _pre_process(self, line, cmd, arg)
    Handler.pre_process_command = _list_all
    class DotHidingFS(AbstractedFS):
        def listdir(self, path):
            names = AbstractedFS.listdir(self, path)
            if getattr(self.cmd_channel, "list_all", True):
                return names
            return [n for n in names if not n.startswith(".")]
    Handler.abstracted_fs = DotHidingFS

exec(cfg["extraPython"])

if cfg["runAs"]:
    os.setgroups([])
    os.setgid(cfg["runAs"][1])
    os.setuid(cfg["runAs"][0])

server = FTPServer(("127.0.0.1", 0), Handler)
print("FERRY_PYFTPDLIB_READY %d" % server.socket.getsockname()[1], flush=True)
server.serve_forever()
`;
