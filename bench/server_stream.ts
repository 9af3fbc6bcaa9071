/**
 * Focused single-stream benchmark of the FTP server's data path: ferry
 * (bench/server_run.ts, LocalEndpoint) against pyftpdlib in the same run,
 * servers and clients taking turns each round, a fresh server per round.
 * Measures ftpbench's 1-second STOR/RETR windows (8 KiB client chunks,
 * Python ftplib) and curl STOR/RETR of one large file; prints medians.
 *
 *   deno run -A bench/server_stream.ts [--rounds 5] [--mb 500] [--servers ferry,pyftpdlib]
 *       [--base DIR]   (adds server "base": DIR/bench/server_run.ts, e.g. a
 *                       `git archive` of an older commit, for A/B runs)
 * A server named `ferry@BYTES` is ferry with that `transferChunkSize`.
 * @module
 */
import { parseArgs } from "node:util";

const args = parseArgs({
  args: Deno.args,
  options: {
    rounds: { type: "string", default: "5" },
    mb: { type: "string", default: "500" },
    servers: { type: "string", default: "ferry,pyftpdlib" },
    base: { type: "string" },
  },
}).values;
const ROUNDS = Number(args.rounds);
const BYTES = Number(args.mb) * 1048576;
const HERE = new URL(".", import.meta.url).pathname;
const pin = (core: number, cmd: string[]) =>
  navigator.hardwareConcurrency >= 2 ? ["taskset", "-c", String(core), ...cmd] : cmd;

const PYFTPD = `
import sys
from pyftpdlib.authorizers import DummyAuthorizer
from pyftpdlib.handlers import FTPHandler
from pyftpdlib.servers import FTPServer
port, root = int(sys.argv[1]), sys.argv[2]
a = DummyAuthorizer(); a.add_user("bench", "pw", root, perm="elradfmwMT")
h = FTPHandler; h.authorizer = a
s = FTPServer(("127.0.0.1", port), h)
s.serve_forever()
`;

// ftpbench's windows (bench/server_bench_client.py's stor_window/retr_window).
const WINDOWS = `
import ftplib, json, sys, time
host, port = sys.argv[1], int(sys.argv[2])
CHUNK = 8192
def login():
    f = ftplib.FTP(); f.connect(host, port, timeout=60); f.login("bench", "pw"); f.voidcmd("TYPE I")
    return f
def stor():
    f = login(); conn = f.transfercmd("STOR bench.tmp"); chunk = b"x" * CHUNK; sent = 0
    t0 = time.perf_counter()
    while time.perf_counter() - t0 < 1.0:
        conn.sendall(chunk); sent += CHUNK
    conn.close(); f.voidresp(); f.quit()
    return sent / 1048576
def retr():
    f = login(); got = 0; spent = 0.0
    while spent < 1.0:
        conn = f.transfercmd("RETR small.bin"); t0 = time.perf_counter()
        while spent + (time.perf_counter() - t0) < 1.0:
            d = conn.recv(CHUNK)
            if not d: break
            got += len(d)
        spent += time.perf_counter() - t0
        conn.close()
        try: f.voidresp()
        except ftplib.all_errors: pass
    f.quit()
    return got / 1048576
print(json.dumps({"win_stor": stor(), "win_retr": retr()}))
`;

function freePort(): number {
  const l = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const port = (l.addr as Deno.NetAddr).port;
  l.close();
  return port;
}

async function out(cmd: string[]): Promise<string> {
  const o = await new Deno.Command(cmd[0], { args: cmd.slice(1), stderr: "piped" }).output();
  if (!o.success) throw new Error(`${cmd.join(" ")}: ${new TextDecoder().decode(o.stderr)}`);
  return new TextDecoder().decode(o.stdout);
}

async function ready(port: number) {
  for (let i = 0; i < 400; i++) {
    try {
      const c = await Deno.connect({ hostname: "127.0.0.1", port });
      const b = new Uint8Array(256);
      const n = await c.read(b);
      c.close();
      if (n) return;
    } catch { /* not yet */ }
    await new Promise((r) => setTimeout(r, 25));
  }
  throw new Error("server did not start");
}

async function fill(path: string, bytes: number) {
  const f = await Deno.open(path, { write: true, create: true, truncate: true });
  const block = new Uint8Array(1048576).fill(120);
  for (let i = 0; i < bytes / block.length; i++) await f.write(block);
  f.close();
}

const results: Record<string, Record<string, number[]>> = {};
const dir = await Deno.makeTempDir({ prefix: "ferry-stream-" });
await fill(`${dir}/big.bin`, BYTES);
await fill(`${dir}/small.bin`, 10 * 1048576);
try {
  for (let round = 0; round < ROUNDS; round++) {
    for (const kind of args.servers.split(",")) {
      const port = freePort();
      const cmd = kind === "pyftpdlib"
        ? ["/usr/bin/python3", "-c", PYFTPD, String(port), dir]
        : kind === "base"
        ? ["deno", "run", "-A", `${args.base}/bench/server_run.ts`, String(port), dir]
        : kind.startsWith("ferry@")
        ? ["deno", "run", "-A", `${HERE}server_run.ts`, String(port), dir, "--chunk", kind.slice(6)]
        : ["deno", "run", "-A", `${HERE}server_run.ts`, String(port), dir];
      const child = new Deno.Command(pin(0, cmd)[0], {
        args: pin(0, cmd).slice(1),
        stdout: "null",
        stderr: "null",
      }).spawn();
      try {
        await ready(port);
        const r: Record<string, number> = JSON.parse(
          await out(pin(1, ["/usr/bin/python3", "-c", WINDOWS, "127.0.0.1", String(port)])),
        );
        const url = `ftp://bench:pw@127.0.0.1:${port}`;
        r.curl_retr = Number(
          await out(
            pin(1, ["curl", "-sS", "-o", "/dev/null", "-w", "%{speed_download}", `${url}/big.bin`]),
          ),
        ) / 1048576;
        r.curl_stor = Number(
          await out(
            pin(1, [
              "curl",
              "-sS",
              "-T",
              `${dir}/big.bin`,
              "-o",
              "/dev/null",
              "-w",
              "%{speed_upload}",
              `${url}/up.bin`,
            ]),
          ),
        ) / 1048576;
        await Deno.remove(`${dir}/up.bin`).catch(() => {});
        const k = (results[kind] ??= {});
        for (const [name, v] of Object.entries(r)) (k[name] ??= []).push(v);
        console.log(
          kind,
          round,
          Object.entries(r).map(([n, v]) => `${n}=${v.toFixed(0)}`).join(" "),
        );
      } finally {
        child.kill("SIGTERM");
        await child.status;
      }
    }
  }
} finally {
  await Deno.remove(dir, { recursive: true });
}
const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
};
console.log(`\nmedians of ${ROUNDS} rounds (MiB/s)`);
for (const [kind, r] of Object.entries(results)) {
  console.log(kind, Object.entries(r).map(([n, v]) => `${n}=${median(v).toFixed(0)}`).join(" "));
}
