/**
 * Memory per session of `ferry serve` (issue 17 item 3) beside pyftpdlib 1.5.7
 * and the runtime's floor (bench/server_floor.ts: bare Deno sockets), in one
 * run, whole server processes, RSS from /proc:
 *
 * - `idle`: N sessions logged in and doing nothing;
 * - `retr`: N downloads of a 32 MiB file whose client never reads the data
 *   connection (the server fills the socket buffers, then holds what it read);
 * - `stor`: N uploads that send 64 KiB, then stall;
 * - `concurrent`: N clients at once each STOR a file, RETR it back, QUIT: wall
 *   time, server CPU time and peak RSS;
 * - `stream` (not run by default): one client STORs and RETRs 512 MiB: the
 *   server's CPU time per MiB, steadier than MiB/s on a shared machine.
 *
 * Each scenario starts a fresh server, warms it up (a few whole transfers),
 * takes the idle baseline, runs, and measures again after every session
 * closed. Growth per session = (RSS with N sessions - baseline) / N. Deno
 * servers also report `Deno.memoryUsage()` (SIGUSR2): V8 heap against
 * external (ArrayBuffer) memory, to tell garbage from held buffers.
 *
 *   deno run -A bench/server_memory.ts [--sessions 300] [--rounds 1]
 *       [--servers floor,pyftpdlib,cli] [--scenarios idle,retr,stor,concurrent]
 *       [--size-mb 2] [--deno-flags "--v8-flags=..."] [--ferry-args "..."] [--ferry-env "K=V"]
 *       [--base DIR] [--warm-bursts 0] [--dir DIR]
 *
 * Servers: floor (Deno.listen control connections), floor-node (node:net
 * control connections, as ferry's), floor-files (the floor with real file
 * I/O: STOR to disk, RETR from it; the CPU/wall floor of `concurrent`), pyftpdlib, ferry (bench/server_run.ts, which
 * answers SIGUSR2 with Deno.memoryUsage(); V8's and glibc's defaults), `ferry@BYTES`
 * (with that transferChunkSize), cli (the real `ferry serve -u bench -P pw
 * --max-cons 0`: what a user runs, restarting itself with its V8 and malloc
 * settings, plugins/server/relaunch.ts), `cli@BYTES`, base (`base@BYTES`), base-cli
 * (`ferry serve` of the `--base` checkout), cli-mem (the same command through
 * bench/serve_mem.ts, which answers SIGUSR2: the real command's V8 heap; give
 * it `+serve`, the restart does not run under another main module).
 * With the floor in the run, each per-session figure is also printed as what
 * it costs above the floor: targets below the floor are out of the runtime's reach.
 * Suffixes for an A/B in one run: `KIND+v8=FLAG` (`--v8-flags=FLAG`;
 * `cli+v8=none`: without the V8 flags ferry serve adds), `KIND+env=K=V`
 * (`cli+env=FERRY_SERVE_RESTART=0`: ferry serve without its restart),
 * `KIND+alt` (`--alt-flags`), `KIND+serve` (the V8 flags and malloc setting
 * ferry serve restarts itself with, plugins/server/relaunch.ts: a floor
 * measured as ferry serve runs; `floor+serve` is the idle floor to hold
 * ferry serve's idle figure against).
 * Memory rows give RSS per session and, for servers that answer SIGUSR2, the
 * V8 heap and external (ArrayBuffer) memory per session: live (after a full
 * GC, with `--expose-gc`, e.g. `+serve`) with N sessions open against after
 * they closed.
 * `--linger S` waits S seconds after every session closed and reads RSS again.
 * `--stderr` shows every server's stderr (their session logs; why one died).
 * Rounds alternate the servers' order (odd rounds run them backwards), so a
 * load that rises or falls through a round weighs on every server alike; the
 * `concurrent` table also gives each server's wall and CPU against
 * pyftpdlib's of the same round (the median of those ratios, and their
 * range): servers run one after the other, so two of one round saw nearly
 * the same machine, where the medians of the two columns may come from
 * different minutes. `--warm-bursts N` runs N whole bursts of the
 * `concurrent` scenario in each server, after its resting RSS was taken,
 * before the measured one: a long-running server's steady state instead of
 * a fresh one's first sessions (ferry serve's user CPU per burst of 300
 * falls by ~0.15 s from its first burst to its third, where it meets the
 * file floor's, while V8 optimizes the code each session runs once; a
 * Python server has no such start). The baseline stays the fresh server's,
 * so "after close" keeps its meaning. `--dir DIR`: where the servers' files
 * go (default: the system's temporary directory). On this machine's ext4
 * (no journal) an inode create walks past every inode freed in the last
 * minutes, and the bench frees hundreds between servers, so a server's
 * CPU there depends on what ran before it; /dev/shm has no such walk.
 * `--deno-flags` go to every Deno server (ferry, base, floor). `--ferry-env "K=V ..."`
 * sets environment variables for ferry (e.g. glibc's MALLOC_MMAP_THRESHOLD_).
 * `--ferry-args` go to bench/server_run.ts (e.g. `--chunk 65536`, `--profile FILE`:
 * write `--ferry-args=--profile FILE`); `--base DIR` adds the server "base",
 * bench/server_run.ts of another checkout (A/B).
 * Server on core 0, clients on core 1 when there are two.
 * @module
 */
import { parseArgs } from "node:util";
import { drain, RawFtp } from "./raw_ftp.ts";
import { SERVE_MMAP_THRESHOLD, SERVE_V8_FLAGS } from "../plugins/server/relaunch.ts";

const { values: args } = parseArgs({
  options: {
    sessions: { type: "string", default: "300" },
    rounds: { type: "string", default: "1" },
    servers: { type: "string", default: "floor,pyftpdlib,cli" },
    scenarios: { type: "string", default: "idle,retr,stor,concurrent" },
    "size-mb": { type: "string", default: "2" },
    "deno-flags": { type: "string", default: "" },
    "alt-flags": { type: "string", default: "--v8-flags=--max-semi-space-size=1" },
    "ferry-args": { type: "string", default: "" },
    "ferry-env": { type: "string", default: "" },
    linger: { type: "string", default: "0" },
    base: { type: "string" },
    stderr: { type: "boolean", default: false },
    "warm-bursts": { type: "string", default: "0" },
    dir: { type: "string" },
  },
});
const N = Number(args.sessions);
const SIZE = Number(args["size-mb"]) * 1048576;
const BIG = 32 * 1048576;
const STREAM = 512 * 1048576;
const HERE = new URL(".", import.meta.url).pathname;
const split = (s: string) => s.split(" ").filter(Boolean);
const pin = (core: number, cmd: string[]) =>
  navigator.hardwareConcurrency >= 2 ? ["taskset", "-c", String(core), ...cmd] : cmd;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

const PYFTPD = `
import sys
from pyftpdlib.authorizers import DummyAuthorizer
from pyftpdlib.handlers import FTPHandler
from pyftpdlib.servers import FTPServer
port, root = int(sys.argv[1]), sys.argv[2]
a = DummyAuthorizer(); a.add_user("bench", "pw", root, perm="elradfmwMT")
h = FTPHandler; h.authorizer = a
s = FTPServer(("127.0.0.1", port), h, backlog=1024); s.max_cons = 0; s.max_cons_per_ip = 0
print("READY", port, flush=True)
s.serve_forever()
`;

/** Deno.memoryUsage(), and the same after a full GC when the server exposes gc. */
type Memory = Deno.MemoryUsage & { gc?: Deno.MemoryUsage };
const mib = (b: number) => (b / 1048576).toFixed(1);

interface Server {
  pid: number;
  port: number;
  /** How the process ended (exit code or signal), once it has. */
  exited: Promise<string>;
  /** Deno.memoryUsage() of a Deno server, undefined for others. */
  mem(): Promise<Memory | undefined>;
  stop(): Promise<void>;
}

function freePort(): number {
  const l = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const port = (l.addr as Deno.NetAddr).port;
  l.close();
  return port;
}

/** Starts a server; again on another port if it died first (another job took the port). */
async function startServer(kind: string, dir: string): Promise<Server> {
  for (let attempt = 1;; attempt++) {
    try {
      return await startOnce(kind, dir);
    } catch (e) {
      if (attempt === 3) throw e;
      console.log(`${kind}: ${(e as Error).message}; again`);
    }
  }
}

/** A `ferry serve --config` file that sets transferChunkSize. */
async function chunkConfig(bytes: number): Promise<string> {
  const f = await Deno.makeTempFile({ prefix: "ferry-mem-", suffix: ".yaml" });
  configs.push(f);
  await Deno.writeTextFile(f, `transferChunkSize: ${bytes}\n`);
  return f;
}
/** Config files made by {@link chunkConfig}, removed at the end. */
const configs: string[] = [];

async function startOnce(named: string, dir: string): Promise<Server> {
  // Suffixes for an A/B in one run: `+alt` adds --alt-flags to KIND's Deno flags,
  // `+v8=FLAG` adds --v8-flags=FLAG (`+v8=none`: ferry serve without the V8 flags
  // it restarts itself with), `+env=K=V` sets an environment variable.
  const [kind, ...mods] = named.split("+");
  const alt = mods.includes("alt");
  const v8 = mods.find((m) => m.startsWith("v8="))?.slice(3);
  const denoFlags = [
    ...split(args["deno-flags"]),
    ...(alt ? split(args["alt-flags"]) : []),
    ...(v8 && v8 !== "none" ? [`--v8-flags=${v8}`] : []),
  ];
  const ferry = kind.startsWith("ferry") || kind.startsWith("cli") || kind.startsWith("base");
  const env: Record<string, string> = ferry
    ? Object.fromEntries(split(args["ferry-env"]).map((kv) => kv.split("=", 2)))
    : {};
  for (const m of mods.filter((m) => m.startsWith("env="))) {
    const kv = m.slice(4);
    env[kv.slice(0, kv.indexOf("="))] = kv.slice(kv.indexOf("=") + 1);
  }
  if (v8 === "none") env.FERRY_SERVE_V8_FLAGS = "";
  if (mods.includes("serve")) {
    // What ferry serve's restart sets (plugins/server/relaunch.ts), for any Deno server.
    env.DENO_V8_FLAGS = SERVE_V8_FLAGS.join(",");
    env.MALLOC_MMAP_THRESHOLD_ = SERVE_MMAP_THRESHOLD;
  }
  const port = freePort();
  const cmd = kind === "pyftpdlib"
    ? ["/usr/bin/python3", "-c", PYFTPD, String(port), dir]
    : kind.startsWith("cli") || kind.startsWith("base-cli")
    ? [
      "deno",
      "run",
      "-A",
      ...denoFlags,
      kind.startsWith("base")
        ? `${args.base}/cli/main.ts`
        : kind.startsWith("cli-mem")
        ? `${HERE}serve_mem.ts`
        : `${HERE}../cli/main.ts`,
      "serve",
      "-i",
      "127.0.0.1",
      "-p",
      String(port),
      "-u",
      "bench",
      "-P",
      "pw",
      "--max-cons",
      "0",
      ...(kind.startsWith("cli@") ? ["--config", await chunkConfig(Number(kind.slice(4)))] : []),
      dir,
    ]
    : kind === "floor" || kind === "floor-node" || kind === "floor-files"
    ? [
      "deno",
      "run",
      "-A",
      ...denoFlags,
      `${HERE}server_floor.ts`,
      String(port),
      ...(kind === "floor-node" ? ["--control", "node"] : []),
      ...(kind === "floor-files" ? ["--files", dir] : []),
    ]
    : [
      "deno",
      "run",
      "-A",
      ...denoFlags,
      `${kind.startsWith("base") ? `${args.base}/bench/` : HERE}server_run.ts`,
      String(port),
      dir,
      ...(kind.startsWith("base") ? [] : split(args["ferry-args"])),
      ...(kind.includes("@") ? ["--chunk", kind.slice(kind.indexOf("@") + 1)] : []),
    ];
  const full = pin(0, cmd);
  const child = new Deno.Command(full[0], {
    args: full.slice(1),
    stdin: "null",
    env,
    stdout: "piped",
    // Both servers log every session: shown only with --stderr (a crash's message).
    stderr: kind.startsWith("floor") || args.stderr ? "inherit" : "null",
  }).spawn();
  const lines = child.stdout.pipeThrough(new TextDecoderStream()).getReader();
  let pending = "";
  const waiters: ((line: string) => void)[] = [];
  let ready!: () => void;
  const isReady = new Promise<void>((r) => ready = r);
  (async () => {
    while (true) {
      const { value, done } = await lines.read();
      if (done) break;
      pending += value;
      let nl: number;
      while ((nl = pending.indexOf("\n")) >= 0) {
        const line = pending.slice(0, nl);
        pending = pending.slice(nl + 1);
        if (line.startsWith("READY") || line.startsWith("ferry serve: ftp://")) ready();
        if (line.startsWith("MEM ")) waiters.shift()?.(line.slice(4));
      }
    }
  })();
  const exited = child.status.then((st) => {
    throw new Error(`${kind} exited (${st.code}) before READY`);
  });
  await Promise.race([
    isReady,
    exited,
    sleep(30_000).then(() => Promise.reject(new Error("no READY"))),
  ]);
  // Only this checkout's Deno servers answer SIGUSR2 (an older base may not).
  const deno = kind.startsWith("floor") || kind.startsWith("ferry") ||
    kind.startsWith("cli-mem");
  return {
    pid: child.pid,
    port,
    exited: child.status.then((st) =>
      st.signal ? `killed by ${st.signal}` : `exit code ${st.code}`
    ),
    mem: async () => {
      if (!deno) return undefined;
      const got = new Promise<string>((r) => waiters.push(r));
      child.kill("SIGUSR2");
      return JSON.parse(await got);
    },
    stop: async () => {
      try {
        child.kill("SIGTERM");
      } catch { /* gone */ }
      const t = setTimeout(() => {
        try {
          child.kill("SIGKILL");
        } catch { /* gone */ }
      }, 5000);
      await child.status;
      clearTimeout(t);
    },
  };
}

/** CPU seconds (user + system) a process used so far. */
function cpuSeconds(pid: number): number {
  const f = Deno.readTextFileSync(`/proc/${pid}/stat`).split(") ")[1].split(" ");
  return (Number(f[11]) + Number(f[12])) / 100; // utime, stime in clock ticks (USER_HZ 100)
}

/** VmRSS of a process in KiB. The `taskset` in front execs, so the pid is the server's. */
function rss(pid: number): number {
  const s = Deno.readTextFileSync(`/proc/${pid}/status`);
  return Number(/VmRSS:\s+(\d+)/.exec(s)![1]);
}

/** Waits until RSS moved less than 64 KiB for a second (at most `maxMs`). */
async function settle(pid: number, maxMs = 15_000): Promise<number> {
  let prev = rss(pid);
  let still = 0;
  const until = Date.now() + maxMs;
  while (Date.now() < until && still < 5) {
    await sleep(200);
    const now = rss(pid);
    still = Math.abs(now - prev) < 64 ? still + 1 : 0;
    prev = now;
  }
  return prev;
}

/** Runs `f(i)` for i < n, at most `width` at a time. */
async function pool<T>(n: number, width: number, f: (i: number) => Promise<T>): Promise<T[]> {
  const out: T[] = new Array(n);
  let next = 0;
  await Promise.all(
    Array.from({ length: Math.min(width, n) }, async () => {
      while (next < n) {
        const i = next++;
        out[i] = await f(i);
      }
    }),
  );
  return out;
}

const payload = new Uint8Array(1048576).fill(120);

async function writeAll(conn: Deno.Conn, bytes: number) {
  let left = bytes;
  while (left > 0) {
    const n = await conn.write(payload.subarray(0, Math.min(left, payload.length)));
    left -= n;
  }
}

/** One whole STOR then RETR of `name`; checks the size that came back. */
async function storRetr(port: number, name: string, bytes: number): Promise<void> {
  const c = await RawFtp.connect(port);
  try {
    await c.login("bench", "pw");
    let data = await c.epsv();
    await c.expect(`STOR ${name}`, 1);
    await writeAll(data, bytes);
    data.close();
    await c.reply().then((r) => {
      if (r.code !== 226) throw new Error(`STOR: ${r.code} ${r.text}`);
    });
    data = await c.epsv();
    await c.expect(`RETR ${name}`, 1);
    const got = await drain(data);
    const r = await c.reply();
    if (r.code !== 226 || got !== bytes) throw new Error(`RETR: ${r.code}, ${got} of ${bytes}`);
    await c.cmd("QUIT");
  } finally {
    c.close();
  }
}

interface Held {
  ctl: RawFtp;
  data?: Deno.Conn;
}

async function openIdle(port: number): Promise<Held> {
  const ctl = await RawFtp.connect(port);
  await ctl.login("bench", "pw");
  return { ctl };
}

async function openStalledRetr(port: number): Promise<Held> {
  const ctl = await RawFtp.connect(port);
  await ctl.login("bench", "pw");
  const data = await ctl.epsv();
  await ctl.expect("RETR big.bin", 1);
  return { ctl, data };
}

async function openStalledStor(port: number, i: number): Promise<Held> {
  const ctl = await RawFtp.connect(port);
  await ctl.login("bench", "pw");
  const data = await ctl.epsv();
  await ctl.expect(`STOR stall_${i}.bin`, 1);
  await writeAll(data, 64 * 1024);
  return { ctl, data };
}

function closeAll(held: Held[]) {
  for (const h of held) {
    try {
      h.data?.close();
    } catch { /* closed */ }
    h.ctl.close();
  }
}

interface Row {
  base: number;
  perSession?: number;
  peak?: number;
  wall?: number;
  /** Server CPU seconds for the scenario's transfers. */
  cpu?: number;
  after: number;
  mem?: Memory;
  memAfter?: Memory;
  /** RSS `--linger` seconds after `after`. */
  lingered?: number;
  /** RSS after the full GC the memory report ran (servers started with --expose-gc). */
  afterGc?: number;
  /** RSS with the N sessions open, after the same full GC and malloc_trim. */
  held?: number;
  /** Idle: growth per session after the sessions sat idle 3 s more. */
  quiet?: number;
}

async function scenario(kind: string, name: string, dir: string): Promise<Row> {
  const srv = await startServer(kind, dir);
  try {
    for (let i = 0; i < 4; i++) await storRetr(srv.port, `warm_${i}.bin`, SIZE);
    const base = await settle(srv.pid);
    const row: Row = { base, after: 0 };
    if (name === "concurrent" && Number(args["warm-bursts"]) > 0) {
      // After the resting RSS (the baseline stays a fresh server's): JIT and heap warm.
      for (let b = 0; b < Number(args["warm-bursts"]); b++) {
        await pool(N, N, (i) => storRetr(srv.port, `warm_${b}_${i}.bin`, SIZE));
      }
      for (const f of Deno.readDirSync(dir)) {
        if (f.name.startsWith("warm_")) Deno.removeSync(`${dir}/${f.name}`);
      }
      await settle(srv.pid);
    }
    if (name === "stream") {
      // One client, one large file up and down: the server's CPU per byte
      // (steadier than MiB/s on a shared machine).
      const t0 = performance.now();
      const c0 = cpuSeconds(srv.pid);
      await storRetr(srv.port, "stream.bin", STREAM);
      row.wall = (performance.now() - t0) / 1000;
      row.cpu = cpuSeconds(srv.pid) - c0;
      row.peak = rss(srv.pid);
    } else if (name === "concurrent") {
      let peak = base;
      let sampling = true;
      const sampler = (async () => {
        while (sampling) {
          try {
            peak = Math.max(peak, rss(srv.pid));
          } catch {
            return; // gone: the run fails, and says how the server ended
          }
          await sleep(20);
        }
      })();
      const t0 = performance.now();
      const c0 = cpuSeconds(srv.pid);
      await pool(N, N, (i) => storRetr(srv.port, `c_${i}.bin`, SIZE));
      row.wall = (performance.now() - t0) / 1000;
      row.cpu = cpuSeconds(srv.pid) - c0;
      sampling = false;
      await sampler;
      row.peak = peak;
      row.mem = await srv.mem();
    } else {
      const open = name === "idle"
        ? () => openIdle(srv.port)
        : name === "retr"
        ? () => openStalledRetr(srv.port)
        : (i: number) => openStalledStor(srv.port, i);
      const held = await pool(N, 50, open);
      const with_ = await settle(srv.pid);
      row.perSession = (with_ - base) / N;
      row.peak = with_;
      if (name === "idle") {
        // The same sessions once they sat idle a while (ferry serve's idle release
        // runs 2 s after connections stop coming).
        await sleep(3000);
        row.quiet = (await settle(srv.pid) - base) / N;
      }
      row.mem = await srv.mem();
      // After the report's full (last-resort) GC and malloc_trim: what N sessions hold.
      if (row.mem?.gc) row.held = await settle(srv.pid);
      closeAll(held);
    }
    row.after = await settle(srv.pid);
    if (Number(args.linger) > 0) {
      // V8's memory reducer collects on its own some seconds after activity stops.
      await sleep(Number(args.linger) * 1000);
      row.lingered = rss(srv.pid);
    }
    row.memAfter = await srv.mem();
    if (row.memAfter?.gc) row.afterGc = await settle(srv.pid);
    return row;
  } catch (e) {
    // A server that died mid-run: say how (a signal from outside, or its own exit).
    const how = await Promise.race([srv.exited, sleep(2000).then(() => "still running")]);
    throw new Error(`${name} ${kind}: ${(e as Error).message} (server: ${how})`, { cause: e });
  } finally {
    await srv.stop();
  }
}

const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
};
const loadavg = () => Deno.readTextFileSync("/proc/loadavg").trim();

const dir = await Deno.makeTempDir({ prefix: "ferry-mem-", dir: args.dir });
await Deno.writeFile(`${dir}/big.bin`, new Uint8Array(0));
await Deno.truncate(`${dir}/big.bin`, BIG);
const servers = args.servers.split(",");
if (args.base && !servers.some((k) => k.startsWith("base"))) servers.push("base");
const scenarios = args.scenarios.split(",");
const results: Record<string, Record<string, Row[]>> = {};
console.log(`# server_memory ${new Date().toISOString()} sessions=${N} size=${SIZE}`);
console.log(`loadavg at start: ${loadavg()}`);
try {
  for (let round = 0; round < Number(args.rounds); round++) {
    // Odd rounds backwards: a load that drifts through a round hits every server alike.
    const order = round % 2 ? [...servers].reverse() : servers;
    for (const name of scenarios) {
      for (const kind of order) {
        const row = await scenario(kind, name, dir);
        ((results[name] ??= {})[kind] ??= []).push(row);
        const m = row.mem;
        console.log(
          `${name} ${kind}: base ${row.base} KiB` +
            (row.perSession !== undefined ? `, +${row.perSession.toFixed(1)} KiB/session` : "") +
            (row.quiet !== undefined ? ` (${row.quiet.toFixed(1)} after 3 s idle)` : "") +
            (row.wall !== undefined ? `, wall ${row.wall.toFixed(2)} s` : "") +
            (row.cpu !== undefined ? `, server CPU ${row.cpu.toFixed(2)} s` : "") +
            `, peak ${row.peak} KiB, after close ${row.after} KiB (${
              (100 * row.after / row.base).toFixed(0)
            } % of base)` +
            (row.lingered ? `, ${args.linger} s later ${row.lingered} KiB` : "") +
            (m
              ? `; heapUsed ${mib(m.heapUsed)} of ${mib(m.heapTotal)} MiB${
                m.gc ? ` (${mib(m.gc.heapUsed)} after a full GC)` : ""
              }, external ${mib(m.external)} MiB, after close ${mib(row.memAfter!.heapUsed)} / ${
                mib(row.memAfter!.external)
              } MiB` +
                (row.memAfter!.gc
                  ? `; after a full GC ${mib(row.memAfter!.gc.heapUsed)} / ${
                    mib(row.memAfter!.gc.external)
                  } MiB, RSS ${row.afterGc} KiB`
                  : "")
              : ""),
        );
        for (const f of Deno.readDirSync(dir)) {
          if (f.name !== "big.bin") Deno.removeSync(`${dir}/${f.name}`);
        }
      }
    }
  }
} finally {
  await Deno.remove(dir, { recursive: true });
  for (const f of configs) await Deno.remove(f).catch(() => {});
}
console.log(`loadavg at end: ${loadavg()}`);

const ref = "pyftpdlib";
console.log("\n| scenario | figure | " + servers.join(" | ") + " |");
console.log("| --- | --- | " + servers.map(() => "---").join(" | ") + " |");
const cell = (name: string, kind: string, f: (r: Row) => number, digits = 1) => {
  const rows = results[name]?.[kind];
  if (!rows) return "-";
  const v = median(rows.map(f));
  const r = results[name][ref] ? median(results[name][ref].map(f)) : undefined;
  return kind !== ref && r ? `${v.toFixed(digits)} (${(v / r).toFixed(2)} x)` : v.toFixed(digits);
};
for (const name of scenarios) {
  if (name === "stream") {
    console.log(
      `| stream | server CPU ms per MiB | ${
        servers.map((k) => cell(name, k, (r) => 1000 * r.cpu! / (2 * STREAM / 1048576), 2))
          .join(" | ")
      } |`,
    );
    console.log(
      `| stream | MiB/s (STOR + RETR) | ${
        servers.map((k) => cell(name, k, (r) => 2 * STREAM / 1048576 / r.wall!, 0)).join(" | ")
      } |`,
    );
    continue;
  }
  if (name === "concurrent") {
    console.log(
      `| concurrent | server CPU (s) | ${
        servers.map((k) => cell(name, k, (r) => r.cpu!, 2)).join(" | ")
      } |`,
    );
    console.log(
      `| concurrent | wall (s) | ${
        servers.map((k) => cell(name, k, (r) => r.wall!, 2)).join(" | ")
      } |`,
    );
    // Each round's ratio to pyftpdlib's of the same round (adjacent runs saw the
    // same machine): their median, and the range over the rounds.
    const paired = (k: string, f: (r: Row) => number) => {
      const rows = results[name]?.[k];
      const refs = results[name]?.[ref];
      if (!rows || !refs || k === ref) return "-";
      const ratios = rows.map((r, i) => f(r) / f(refs[i]));
      return `${median(ratios).toFixed(2)} x (${Math.min(...ratios).toFixed(2)}-${
        Math.max(...ratios).toFixed(2)
      })`;
    };
    console.log(
      `| concurrent | server CPU, per round against ${ref} | ${
        servers.map((k) => paired(k, (r) => r.cpu!)).join(" | ")
      } |`,
    );
    console.log(
      `| concurrent | wall, per round against ${ref} | ${
        servers.map((k) => paired(k, (r) => r.wall!)).join(" | ")
      } |`,
    );
    console.log(
      `| concurrent | peak RSS (MiB) | ${
        servers.map((k) => cell(name, k, (r) => r.peak! / 1024)).join(" | ")
      } |`,
    );
  } else {
    console.log(
      `| ${name} | KiB per session | ${
        servers.map((k) => cell(name, k, (r) => r.perSession!)).join(" | ")
      } |`,
    );
    if (name === "idle") {
      console.log(
        `| idle | KiB per session, after 3 s idle | ${
          servers.map((k) => cell(name, k, (r) => r.quiet!)).join(" | ")
        } |`,
      );
    }
    // The V8 heap and ArrayBuffer memory a session holds (servers that answer SIGUSR2):
    // with N sessions open against after they closed, both after a full GC when exposed.
    const held = (k: string, f: (m: Deno.MemoryUsage) => number) => {
      const rows = results[name]?.[k]?.filter((r) => r.mem && r.memAfter);
      if (!rows?.length) return "-";
      const live = (m: Memory) => f(m.gc ?? m);
      return median(rows.map((r) => (live(r.mem!) - live(r.memAfter!)) / N / 1024)).toFixed(1);
    };
    if (servers.some((k) => held(k, (m) => m.heapUsed) !== "-")) {
      // RSS both times after a last-resort GC and malloc_trim (bench/mem_report.ts):
      // garbage and pages kept for later left out, what the sessions hold left in.
      const rssHeld = (k: string) => {
        const rows = results[name]?.[k]?.filter((r) => r.held && r.afterGc);
        return rows?.length ? median(rows.map((r) => (r.held! - r.afterGc!) / N)).toFixed(1) : "-";
      };
      console.log(
        `| ${name} | RSS held per session, after a full GC (KiB) | ${
          servers.map(rssHeld).join(" | ")
        } |`,
      );
      console.log(
        `| ${name} | V8 heap per session (KiB) | ${
          servers.map((k) => held(k, (m) => m.heapUsed)).join(" | ")
        } |`,
      );
      console.log(
        `| ${name} | external per session (KiB) | ${
          servers.map((k) => held(k, (m) => m.external)).join(" | ")
        } |`,
      );
    }
    // What the runtime itself costs per session, beside each server's figure:
    // a target below the floor is out of reach on this runtime.
    // (ferry serve's settings, `floor+serve`, when in the run: measured as ferry serve runs).
    const floorKind = results[name]?.["floor+serve"] ? "floor+serve" : "floor";
    const floor = results[name]?.[floorKind];
    if (floor) {
      const f = median(floor.map((r) => r.perSession!));
      console.log(
        `| ${name} | above the Deno floor (${floorKind}, ${f.toFixed(1)} KiB) | ${
          servers.map((k) =>
            results[name]?.[k] && k !== "pyftpdlib"
              ? (median(results[name][k].map((r) => r.perSession!)) - f).toFixed(1)
              : "-"
          ).join(" | ")
        } |`,
      );
    }
  }
  console.log(
    `| ${name} | after close (% of base) | ${
      servers.map((k) => cell(name, k, (r) => 100 * r.after / r.base, 0)).join(" | ")
    } |`,
  );
  // ferry serve gives memory back once it is idle (2 s without a session or transfer):
  // `after close` is read as soon as RSS holds still for a second, often before that.
  if (Number(args.linger) > 0) {
    console.log(
      `| ${name} | ${args.linger} s later (% of base) | ${
        servers.map((k) => cell(name, k, (r) => 100 * r.lingered! / r.base, 0)).join(" | ")
      } |`,
    );
  }
}
