/**
 * Logins at quick-start speed (issue 11 item 3), whole processes in one run:
 * 300 clients log in at once against `ferry serve -u/-P` and pyftpdlib's
 * quick start (`python3 -m pyftpdlib -u -P`), and against `ferry serve
 * --credentials` with scrypt hashes after each user's first login (the
 * verified-login cache). Alternating rounds, medians. Beside them, the
 * runtime's floor: bench/login_floor.ts, a bare node:net responder under Deno
 * (what ferry's control connections are built on). The client is Python's
 * ftplib with one thread per login, started together behind a barrier; the
 * time runs from the barrier until every client got its 230.
 *
 *   deno run -A bench/login_speed.ts [--rounds 5] [--clients 300] [--users 30]
 * @module
 */
import { parseArgs } from "node:util";
import { hashPassword } from "../server.ts";

const { values: args } = parseArgs({
  options: {
    rounds: { type: "string", default: "5" },
    clients: { type: "string", default: "300" },
    users: { type: "string", default: "30" },
  },
});
const ROUNDS = Number(args.rounds);
const CLIENTS = Number(args.clients);
const USERS = Number(args.users);
const ROOT = new URL("..", import.meta.url).pathname;
const PY = "/usr/bin/python3";
const pin = (core: number, cmd: string[]) =>
  navigator.hardwareConcurrency >= 2 ? ["taskset", "-c", String(core), ...cmd] : cmd;

const CLIENT = `
import ftplib, sys, threading, time, json
port, n, users = int(sys.argv[1]), int(sys.argv[2]), sys.argv[3].split(",")
barrier = threading.Barrier(n + 1)
errors, held = [], []
def one(i):
    barrier.wait()
    try:
        f = ftplib.FTP(); f.connect("127.0.0.1", port, timeout=120)
        f.login(users[i % len(users)], "pw"); held.append(f)
    except Exception as e:
        errors.append(repr(e))
ts = [threading.Thread(target=one, args=(i,)) for i in range(n)]
for t in ts: t.start()
barrier.wait(); t0 = time.perf_counter()
for t in ts: t.join()
took = time.perf_counter() - t0
for f in held:
    try: f.quit()
    except Exception: pass
print(json.dumps({"s": round(took, 4), "errors": len(errors)}))
`;

// pyftpdlib's quick start (python3 -m pyftpdlib -u bench -P pw: a DummyAuthorizer
// user with a clear-text password), written out to raise its listen backlog
// from 100 and lift max_cons: with the defaults, 300 SYNs at once overflow
// the backlog and the lost ones wait for the client's SYN retries (one run
// measured 121 s, 70 logins failed), which says nothing about login speed.
const PYFTPD = `
import sys
from pyftpdlib.authorizers import DummyAuthorizer
from pyftpdlib.handlers import FTPHandler
from pyftpdlib.servers import FTPServer
port, root = int(sys.argv[1]), sys.argv[2]
a = DummyAuthorizer(); a.add_user("bench", "pw", root, perm="elradfmwMT")
h = FTPHandler; h.authorizer = a
s = FTPServer(("127.0.0.1", port), h, backlog=1024); s.max_cons = 0; s.max_cons_per_ip = 0
s.serve_forever()
`;

function freePort(): number {
  const l = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const port = (l.addr as Deno.NetAddr).port;
  l.close();
  return port;
}

async function waitBanner(port: number) {
  for (let i = 0; i < 400; i++) {
    try {
      const c = await Deno.connect({ hostname: "127.0.0.1", port });
      const buf = new Uint8Array(256);
      const n = await c.read(buf);
      c.close();
      if (n && new TextDecoder().decode(buf.subarray(0, n)).startsWith("220")) return;
    } catch { /* not yet */ }
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error(`no server on ${port}`);
}

async function client(port: number, users: string[]): Promise<{ s: number; errors: number }> {
  const out = await new Deno.Command(pin(1, [PY])[0], {
    args: [...pin(1, [PY]).slice(1), "-c", CLIENT, String(port), String(CLIENTS), users.join(",")],
    stderr: "inherit",
  }).output();
  return JSON.parse(new TextDecoder().decode(out.stdout));
}

async function measure(
  cmd: string[],
  port: number,
  users: string[],
  warm: boolean,
): Promise<{ s: number; errors: number }> {
  const child = new Deno.Command(cmd[0], {
    args: cmd.slice(1),
    stdout: "null",
    stderr: "null",
    cwd: ROOT,
  }).spawn();
  try {
    await waitBanner(port);
    if (warm) {
      // Each user's first login pays the full scrypt check.
      await new Deno.Command(PY, {
        args: ["-c", CLIENT, String(port), String(users.length), users.join(",")],
        stdout: "null",
      }).output();
    }
    return await client(port, users);
  } finally {
    try {
      child.kill("SIGTERM");
    } catch { /* already gone */ }
    await child.status;
  }
}

const dir = await Deno.makeTempDir();
const users = Array.from({ length: USERS }, (_, i) => `bench${i}`);
const hashes = await Promise.all(users.map(() => hashPassword("pw")));
const creds = `${dir}/users.txt`;
await Deno.writeTextFile(
  creds,
  users.map((u, i) => `${u};${hashes[i]};/;elr;;`).join("\n") + "\n",
);
const ferry = (port: number, extra: string[]) =>
  pin(0, [
    "deno",
    "run",
    "-A",
    "cli/main.ts",
    "serve",
    "-i",
    "127.0.0.1",
    "-p",
    String(port),
    ...extra,
    dir,
  ]);
const kinds: Record<string, (port: number) => [string[], string[], boolean]> = {
  "ferry serve -u/-P": (p) => [ferry(p, ["-u", "bench", "-P", "pw"]), ["bench"], false],
  "pyftpdlib -u/-P (quick start)": (
    p,
  ) => [pin(0, [PY, "-c", PYFTPD, String(p), dir]), ["bench"], false],
  "Deno node:net floor (fixed replies)": (p) => [
    pin(0, ["deno", "run", "-A", "bench/login_floor.ts", String(p)]),
    ["bench"],
    false,
  ],
  [`ferry serve --credentials (scrypt ln=15, ${USERS} users, warm)`]: (p) => [
    ferry(p, ["--credentials", creds]),
    users,
    true,
  ],
};
const results: Record<string, number[]> = {};
const errors: Record<string, number[]> = {};
for (let r = 0; r < ROUNDS; r++) {
  for (const [name, make] of Object.entries(kinds)) {
    const port = freePort();
    const [cmd, who, warm] = make(port);
    const m = await measure(cmd, port, who, warm);
    (results[name] ??= []).push(m.s);
    (errors[name] ??= []).push(m.errors);
  }
}
await Deno.remove(dir, { recursive: true });
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const base = median(results["pyftpdlib -u/-P (quick start)"]);
console.log(
  `${CLIENTS} logins at once, medians of ${ROUNDS} alternating rounds (${
    new Date().toISOString().slice(0, 10)
  })\n`,
);
console.log("| server | median (s) | x pyftpdlib | rounds (s) | failed logins |");
console.log("| --- | --- | --- | --- | --- |");
for (const [name, xs] of Object.entries(results)) {
  console.log(
    `| ${name} | ${median(xs).toFixed(3)} | ${(median(xs) / base).toFixed(2)} | ${
      xs.map((x) => x.toFixed(3)).join(" ")
    } | ${errors[name].join(" ")} |`,
  );
}
