/**
 * Fuzzed commands against `ferry serve` (bench/server_run.ts) with its RSS
 * sampled as they go (issue 17 item 3: RSS flat, within 10 %, over the last
 * half of 1,000,000 commands). Clients send one command at a time and wait
 * for its final reply: every verb the server knows plus unknown ones, with
 * arguments that are paths (`..`, absolute, deep, long, non-ASCII), numbers,
 * junk bytes, telnet IAC sequences and over-long lines; most sessions log in,
 * some do not, some send HTTP verbs or QUIT and reconnect. The server runs
 * with `authFailedDelayMs: 1` and `dataConnectTimeoutMs: 20`, so a wrong
 * password or a transfer after PASV with no data connection costs little.
 *
 *   deno run -A bench/server_fuzz.ts [--commands 1000000] [--clients 32] [--seed 1]
 *       [--deno-flags "--v8-flags=..."]
 *
 * Prints RSS at each tenth of the run and the verdict: growth from the half
 * to the end, and the largest RSS of the last half against the half.
 * @module
 */
import { parseArgs } from "node:util";
import { RawFtp } from "./raw_ftp.ts";

const { values: args } = parseArgs({
  options: {
    commands: { type: "string", default: "1000000" },
    clients: { type: "string", default: "32" },
    seed: { type: "string", default: "1" },
    "deno-flags": { type: "string", default: "" },
  },
});
const TOTAL = Number(args.commands);
const HERE = new URL(".", import.meta.url).pathname;
const pin = (core: number, cmd: string[]) =>
  navigator.hardwareConcurrency >= 2 ? ["taskset", "-c", String(core), ...cmd] : cmd;

// A small deterministic generator (mulberry32), so that a run can be repeated.
let seed = Number(args.seed) >>> 0;
function rand(): number {
  seed = (seed + 0x6d2b79f5) >>> 0;
  let t = seed;
  t = Math.imul(t ^ (t >>> 15), t | 1);
  t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
  return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
}
const pick = <T>(xs: readonly T[]): T => xs[Math.floor(rand() * xs.length)];

const VERBS = [
  "ABOR",
  "ALLO",
  "APPE",
  "CDUP",
  "CWD",
  "DELE",
  "EPRT",
  "EPSV",
  "FEAT",
  "HASH",
  "HELP",
  "LIST",
  "MDTM",
  "MFMT",
  "MKD",
  "MLSD",
  "MLST",
  "MODE",
  "NLST",
  "NOOP",
  "OPTS",
  "PASV",
  "PORT",
  "PWD",
  "REIN",
  "REST",
  "RETR",
  "RMD",
  "RNFR",
  "RNTO",
  "SITE",
  "SIZE",
  "STAT",
  "STOR",
  "STOU",
  "STRU",
  "SYST",
  "TYPE",
  "XCUP",
  "XCWD",
  "XMKD",
  "XPWD",
  "XRMD",
  "PBSZ",
  "PROT",
  "AUTH",
  "CCC",
  "USER",
  "PASS",
  "ACCT",
  "SMNT",
  "XYZZY",
  "",
  "MLS",
]; // deno-fmt-ignore
const PATHS = [
  "", "/", ".", "..", "../..", "../../../etc/passwd", "/etc/passwd", "a", "a/b/c", "dir", "dir/",
  "dir/f.txt", "f.txt", "nosuch", "//x//y", "\u00e9t\u00e9.txt", "\u65e5\u672c", "*", "-la",
  "-la dir", "a b", "x".repeat(300), "~", "\\..\\..", "%2e%2e", "f.txt\u0000x",
]; // deno-fmt-ignore
const ARGS = [
  "I", "A", "L 8", "E", "S", "F", "P", "C", "TLS", "SSL", "0", "1", "-1", "99999999999999999999",
  "UTF8 ON", "MLST type;size;", "HASH SHA-1", "CHMOD 755 f.txt", "HELP", "EXEC ls", "127,0,0,1,0,0",
  "8,8,8,8,0,80", "|1|127.0.0.1|1|", "|2|::1|21|", "|1|8.8.8.8|80|", "20200101000000 f.txt",
]; // deno-fmt-ignore

/** One fuzzed command line (without CRLF). */
function fuzzLine(): string {
  const r = rand();
  if (r < 0.01) return pick(["GET / HTTP/1.1", "POST /x HTTP/1.0", "QUIT"]);
  if (r < 0.03) return "A".repeat(Math.floor(rand() * 6000)); // over-long: 500, dropped
  if (r < 0.05) {
    // Junk bytes, IAC sequences, control characters (never CR/LF: one line each).
    const n = 1 + Math.floor(rand() * 40);
    return Array.from({ length: n }, () => {
      const c = Math.floor(rand() * 256);
      return c === 10 || c === 13 ? "?" : String.fromCharCode(c);
    }).join("");
  }
  const verb = pick(VERBS);
  const arg = rand() < 0.6 ? pick(PATHS) : rand() < 0.7 ? pick(ARGS) : "";
  const cased = rand() < 0.2 ? verb.toLowerCase() : verb;
  return arg ? `${cased} ${arg}` : cased;
}

const enc = new TextEncoder();

function freePort(): number {
  const l = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const port = (l.addr as Deno.NetAddr).port;
  l.close();
  return port;
}

function rss(pid: number): number {
  return Number(/VmRSS:\s+(\d+)/.exec(Deno.readTextFileSync(`/proc/${pid}/status`))![1]);
}

const dir = await Deno.makeTempDir({ prefix: "ferry-fuzz-" });
await Deno.mkdir(`${dir}/dir`);
await Deno.writeTextFile(`${dir}/dir/f.txt`, "hello\n");
await Deno.writeTextFile(`${dir}/f.txt`, "hello\n");
const port = freePort();
const cmd = pin(0, [
  "deno",
  "run",
  "-A",
  ...args["deno-flags"].split(" ").filter(Boolean),
  `${HERE}server_run.ts`,
  String(port),
  dir,
  "--options",
  JSON.stringify({ authFailedDelayMs: 1, dataConnectTimeoutMs: 20, maxLoginAttempts: 1000 }),
]);
const child = new Deno.Command(cmd[0], {
  args: cmd.slice(1),
  stdin: "null",
  stdout: "piped",
  stderr: "null",
}).spawn();
const out = child.stdout.pipeThrough(new TextDecoderStream()).getReader();
while (!(await out.read()).value?.includes("READY")) { /* wait for the server */ }

let sent = 0;
let sessions = 0;
let closedByServer = 0;
const unanswered: string[] = [];
const samples: { at: number; rss: number }[] = [];
const sampler = setInterval(() => samples.push({ at: sent, rss: rss(child.pid) }), 250);
console.log(`# server_fuzz ${new Date().toISOString()} commands=${TOTAL} clients=${args.clients}`);
console.log(`loadavg at start: ${Deno.readTextFileSync("/proc/loadavg").trim()}`);
const base = rss(child.pid);
const t0 = performance.now();

async function client() {
  while (sent < TOTAL) {
    let c: RawFtp;
    try {
      c = await RawFtp.connect(port);
    } catch {
      continue;
    }
    sessions++;
    try {
      if (rand() < 0.9) await c.login("bench", "pw");
      while (sent < TOTAL && !c.closed) {
        const line = fuzzLine();
        await c.send(enc.encode(line + "\r\n"));
        sent++;
        // Preliminary 1xx replies come before the final one.
        const final = (async () => {
          let r = await c.reply();
          while (r.code >= 100 && r.code < 200) r = await c.reply();
          return r;
        })();
        let timer: ReturnType<typeof setTimeout> | undefined;
        const r = await Promise.race([
          final,
          new Promise<undefined>((res) => timer = setTimeout(() => res(undefined), 10_000)),
        ]);
        clearTimeout(timer);
        if (!r) {
          // No reply in 10 s: a finding (every command must be answered).
          if (unanswered.length < 20) unanswered.push(JSON.stringify(line.slice(0, 80)));
          else unanswered.length++;
          break;
        }
        if (r.code === 0) closedByServer++;
      }
    } catch {
      // A reset or a refused login: start a new session.
    } finally {
      c.close();
    }
  }
}

try {
  await Promise.all(Array.from({ length: Number(args.clients) }, client));
} finally {
  clearInterval(sampler);
}
const secs = (performance.now() - t0) / 1000;
samples.push({ at: sent, rss: rss(child.pid) });
child.kill("SIGTERM");
await child.status;
await Deno.remove(dir, { recursive: true });

const atFraction = (f: number) => samples.find((s) => s.at >= f * TOTAL) ?? samples.at(-1)!;
console.log(`loadavg at end: ${Deno.readTextFileSync("/proc/loadavg").trim()}`);
console.log(
  `${sent} commands in ${secs.toFixed(1)} s (${
    (sent / secs).toFixed(0)
  }/s), ${sessions} sessions, ` +
    `${closedByServer} closed by the server; RSS at start ${base} KiB`,
);
console.log(
  "RSS (KiB) by tenth of the run: " +
    Array.from({ length: 10 }, (_, i) => atFraction((i + 1) / 10).rss).join(", "),
);
console.log(
  `commands never answered (10 s): ${unanswered.length}` +
    (unanswered.length ? ` (${unanswered.slice(0, 20).join(", ")})` : ""),
);
const half = atFraction(0.5).rss;
const lastHalf = samples.filter((s) => s.at >= TOTAL / 2).map((s) => s.rss);
const end = samples.at(-1)!.rss;
const maxLast = Math.max(...lastHalf);
console.log(
  `half ${half} KiB, end ${end} KiB (${(100 * (end / half - 1)).toFixed(1)} %), ` +
    `largest in the last half ${maxLast} KiB (${(100 * (maxLast / half - 1)).toFixed(1)} %)`,
);
