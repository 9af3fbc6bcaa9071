/**
 * Failed logins timed for an existing and a missing user name (issue 17: user
 * names must not be told apart by timing), ferry serve beside pyftpdlib in one
 * run. Each round logs in once with a wrong password as the existing user and
 * once as a missing one, in alternating order, each on a fresh connection;
 * the time is from PASS sent to the 530 (the failure delay, 3 s by default on
 * both servers, included). Prints the medians per server and path.
 *
 *   deno run -A bench/login_timing.ts [--rounds 8] [--servers ferry-uP,ferry-md5,pyftpdlib]
 *
 * ferry-uP: `ferry serve -u bob -P ...` (scrypt ln=12); ferry-md5: `--credentials` with an
 * FsTPy MD5 hash; pyftpdlib: DummyAuthorizer (clear text).
 * @module
 */
import net from "node:net";
import { parseArgs } from "node:util";
import { md5Password } from "../server.ts";

const args = parseArgs({
  args: Deno.args,
  options: {
    rounds: { type: "string", default: "8" },
    servers: { type: "string", default: "ferry-uP,ferry-md5,pyftpdlib" },
  },
}).values;
const ROUNDS = Number(args.rounds);
const ROOT = new URL("..", import.meta.url).pathname;

const PYFTPD = `
import sys
from pyftpdlib.authorizers import DummyAuthorizer
from pyftpdlib.handlers import FTPHandler
from pyftpdlib.servers import FTPServer
a = DummyAuthorizer(); a.add_user("bob", "secret", sys.argv[2])
h = FTPHandler; h.authorizer = a
s = FTPServer(("127.0.0.1", int(sys.argv[1])), h); print("ready", flush=True); s.serve_forever()
`;

function freePort(): Promise<number> {
  return new Promise((resolve) => {
    const s = net.createServer().listen(0, "127.0.0.1", () => {
      const port = (s.address() as net.AddressInfo).port;
      s.close(() => resolve(port));
    });
  });
}

async function start(kind: string, port: number, dir: string): Promise<Deno.ChildProcess> {
  let cmd: string[];
  if (kind === "pyftpdlib") cmd = ["/usr/bin/python3", "-c", PYFTPD, String(port), dir];
  else {
    const creds = `${dir}/../users.txt`;
    await Deno.writeTextFile(creds, `bob;${md5Password("secret")};${dir};elr;;\n`);
    const auth = kind === "ferry-uP" ? ["-u", "bob", "-P", "secret"] : ["--credentials", creds];
    cmd = ["deno", "run", "-A", `${ROOT}cli/main.ts`, "serve", "-p", String(port), ...auth, dir];
  }
  const child = new Deno.Command(cmd[0], { args: cmd.slice(1), stdout: "piped", stderr: "null" })
    .spawn();
  const reader = child.stdout.pipeThrough(new TextDecoderStream()).getReader();
  let seen = "";
  while (!/ready|ferry serve: ftp/.test(seen)) {
    const { value, done } = await reader.read();
    if (done) throw new Error(`${kind} did not start`);
    seen += value;
  }
  reader.releaseLock();
  child.stdout.cancel().catch(() => {});
  return child;
}

/** ms from PASS to the 530 for one failed login on a fresh connection. */
async function failedLogin(port: number, user: string): Promise<number> {
  const conn = await Deno.connect({ hostname: "127.0.0.1", port });
  const buf = new Uint8Array(4096);
  const readReply = async () => {
    let text = "";
    while (!/^\d{3} .*\r?\n/m.test(text)) {
      const n = await conn.read(buf);
      if (n === null) break;
      text += new TextDecoder().decode(buf.subarray(0, n));
    }
    return text;
  };
  await readReply();
  await conn.write(new TextEncoder().encode(`USER ${user}\r\n`));
  await readReply();
  const t0 = performance.now();
  await conn.write(new TextEncoder().encode("PASS wrong-password\r\n"));
  const reply = await readReply();
  const ms = performance.now() - t0;
  conn.close();
  if (!reply.startsWith("530")) throw new Error(`expected 530, got ${reply}`);
  return ms;
}

const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
};

const tmp = await Deno.makeTempDir();
await Deno.mkdir(`${tmp}/root`);
console.log(`| server | existing user (median ms) | missing user (median ms) | difference |`);
console.log(`| --- | --- | --- | --- |`);
try {
  for (const kind of args.servers.split(",")) {
    const port = await freePort();
    const child = await start(kind, port, `${tmp}/root`);
    try {
      const known: number[] = [];
      const unknown: number[] = [];
      await failedLogin(port, "warm-up"); // the first stand-in/hash is not part of the figures
      for (let r = 0; r < ROUNDS; r++) {
        // Alternate which path goes first, so drift does not favour one.
        if (r % 2) unknown.push(await failedLogin(port, "nobody"));
        known.push(await failedLogin(port, "bob"));
        if (!(r % 2)) unknown.push(await failedLogin(port, "nobody"));
      }
      const k = median(known);
      const u = median(unknown);
      console.log(`| ${kind} | ${k.toFixed(1)} | ${u.toFixed(1)} | ${(u - k).toFixed(1)} |`);
    } finally {
      child.kill();
      await child.status;
    }
  }
} finally {
  await Deno.remove(tmp, { recursive: true });
}
