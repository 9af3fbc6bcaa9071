/**
 * Benchmark (not a test): mirror of many small files from vsftpd over an
 * emulated WAN (bench/wan_proxy.ts in front of it), at several round-trip
 * times, whole processes side by side: `ferry mirror --parallel N
 * --connections N`, `lftp mirror --parallel=N` and `rclone sync --transfers N`,
 * each a full mirror into an empty directory and the no-change re-run. Every
 * result is checked (files, sizes, the bytes of every 50th file; ferry never had
 * more than N sessions open) and every mtime is compared with the source's to
 * the second (a difference is printed beside the tool's figures).
 *
 * Beside them it prints the floor: the least time the link allows with N
 * connections, counted in round trips (see {@link floorRoundTrips}).
 *
 *   deno run -A bench/wan_mirror.ts [--rtts 0,10,40,100] [--files 2000] [--dirs 40]
 *        [--runs 3] [--parallel 8] [--tools ferry,lftp,rclone] [--dir /dev/shm]
 *        [--rate-per-connection 100Mbit] [--rate-link 1Gbit] [--json]
 *        [--delay-fin]   (the proxy delays FINs too: see WanProxyOptions.delayFin)
 *        [--ferry cli/main.ts] [--ferry-base /other/checkout/cli/main.ts]   (tool "base")
 *        tools queue1, queue2, queue4 (queueN): `ferry mirror --queue` on a Redis of
 *        its own (loopback) with N `ferry worker` processes (started before the
 *        timed run, not counted), the same flags as tool ferry
 *        [--worker-concurrency N]   (the workers' --concurrency; default theirs)
 *        tools floor-deno, floor-deno-stat: bench/mirror_floor.ts as a whole process (the
 *        least a Deno program does for the same mirror; -stat lists with `STAT <dir>`);
 *        not tools anyone should use, yardsticks: it sets the LIST's time (a minute) as
 *        mtime, so its line says WRONG MTIMES
 *
 * Every tool pays a whole process (ferry: Deno's start and module loading,
 * ~0.3 s here). Targets go to /dev/shm (see bench/mirror.ts for why). The
 * tools take turns in a new order each round (the first of one round is the
 * last of the next).
 * @module
 */
import { parseArgs } from "node:util";
import { fileURLToPath } from "node:url";
import { startVsftpd } from "../test/peers/vsftpd.ts";
import { chownForVsftpd } from "../test/peers/vsftpd_user.ts";
import { output, run, sec, timed } from "./process.ts";
import { makeTree, median, type TreeSummary, verifyTree } from "./mirror_tree.ts";
import { parseRate, startWanProxy, type WanProxy } from "./wan_proxy.ts";
import { Proc, startRedis } from "../test/queue/harness.ts";

const { values } = parseArgs({
  args: Deno.args,
  options: {
    rtts: { type: "string", default: "0,10,40,100" },
    files: { type: "string", default: "2000" },
    dirs: { type: "string", default: "40" },
    runs: { type: "string", default: "3" },
    parallel: { type: "string", default: "8" },
    tools: { type: "string", default: "ferry,lftp,rclone" },
    dir: { type: "string", default: "/dev/shm" },
    "rate-per-connection": { type: "string" },
    "rate-link": { type: "string" },
    ferry: { type: "string", default: fileURLToPath(new URL("../cli/main.ts", import.meta.url)) },
    "ferry-base": { type: "string" },
    "worker-concurrency": { type: "string" },
    json: { type: "boolean", default: false },
    "delay-fin": { type: "boolean", default: false },
  },
});
const rtts = values.rtts.split(",").map(Number);
const files = Number(values.files);
const dirs = Number(values.dirs);
const runs = Number(values.runs);
const parallel = Number(values.parallel);
const tools = values.tools.split(",").map((t) => t.trim()).filter(Boolean);

/**
 * The least round trips a mirror of `files` files in `dirs` directories (3
 * levels deep, as makeTree builds them) needs over `connections` sessions:
 * connect and log in (TCP handshake and banner 2, USER+PASS sent together 1),
 * the listings (each LIST like a file: 2 round trips once its commands are
 * queued, the directories shared among the sessions but no level listed
 * before its parent), and the files shared among the sessions at 3 round
 * trips each: EPSV+RETR queued behind the previous transfer (its 229 comes
 * with the previous 226), the data connection's handshake until the server's
 * first byte (2), and its close (`closeRoundTrips`, default 1: vsftpd closes
 * the data connection lingering, and sends its 226, and reads the next
 * command, only once its FIN is acknowledged: 1 round trip over a link and
 * through bench/wan_proxy.ts with `--delay-fin`; 0.5 through the proxy
 * without it, where the downloading client's FIN, which carries that ACK,
 * passes at once); the bytes themselves are small. No-change: the same
 * without the files.
 *
 * @example
 * ```ts
 * floorRoundTrips({ files: 2000, dirs: 40, connections: 8, full: true }); // 3 + 12 + 750
 * floorRoundTrips({ files: 2000, dirs: 40, connections: 8, full: true, closeRoundTrips: 0.5 }); // 3 + 12 + 625
 * ```
 */
export function floorRoundTrips(
  o: { files: number; dirs: number; connections: number; full: boolean; closeRoundTrips?: number },
): number {
  const levels = Math.min(3, o.dirs + 1);
  const listRounds = Math.max(levels, Math.ceil((o.dirs + 1) / o.connections));
  const perFile = 2 + (o.closeRoundTrips ?? 1);
  return 3 + 2 * listRounds + (o.full ? perFile * Math.ceil(o.files / o.connections) : 0);
}

/** Seconds per run, and the most sessions open at once in each round. */
type Times = { full: number[]; again: number[]; sessions: number[] };

interface Tool {
  /** Made ready before the timed run (not counted). */
  prepare?(): Promise<void>;
  run(url: string, dst: string): Promise<void>;
}

// Workers on one machine all come from 127.0.0.1: vsftpd's per-address limit (50 sessions) would
// refuse what a cluster of machines, each with its own address, is allowed.
const perAddress: Record<string, string> = tools.some((t) => t.startsWith("queue"))
  ? { max_per_ip: "0" }
  : {};
const peer = await startVsftpd({
  lockUploadFiles: false,
  extraConfig: { log_ftp_protocol: "NO", ...perAddress },
});
const scratch = await Deno.makeTempDir({ dir: values.dir, prefix: "ferry-bench-wan-" });
let wan: WanProxy | undefined;
let redis: { url: string; proc: Proc } | undefined;
const workers: Proc[] = [];
try {
  const src = `${peer.root}/src`;
  const expected = await makeTree(src, { files, dirs, seed: 12 });
  await chownForVsftpd(src);
  const rcloneConfig = `${scratch}/rclone.conf`;
  await Deno.writeTextFile(rcloneConfig, "");
  const obscured = (await output("rclone", ["obscure", peer.password])).trim();
  const env = { FERRY_BENCH_PASSWORD: peer.password };

  const ferryMirror = (main: string, url: string, dst: string, extra: string[] = []) =>
    run(Deno.execPath(), [
      "run",
      "-A",
      "--no-check",
      main,
      "mirror",
      ...extra,
      "-q",
      "--parallel",
      String(parallel),
      "--connections",
      String(parallel),
      "-u",
      peer.user,
      "--password-env",
      "FERRY_BENCH_PASSWORD",
      `${url}/src`,
      dst,
    ], env);
  /** Exactly `n` workers on the bench's Redis (started or stopped as needed). */
  const workersFor = async (n: number) => {
    redis ??= await startRedis(scratch);
    while (workers.length < n) {
      const w = new Proc(`worker ${workers.length + 1}`, Deno.execPath(), [
        "run",
        "-A",
        "--no-check",
        values.ferry,
        "worker",
        "--queue",
        redis.url,
        ...(values["worker-concurrency"] ? ["--concurrency", values["worker-concurrency"]] : []),
      ], env);
      workers.push(w);
      await w.waitFor(/worker on/);
    }
    while (workers.length > n) await workers.pop()!.stop();
  };
  const queued = (n: number): Tool => ({
    prepare: () => workersFor(n),
    run: (url, dst) => ferryMirror(values.ferry, url, dst, ["--queue", redis!.url]),
  });
  const floorDeno = (url: string, dst: string, extra: string[] = []) =>
    run(Deno.execPath(), [
      "run",
      "-A",
      "--no-check",
      fileURLToPath(new URL("./mirror_floor.ts", import.meta.url)),
      `ftp://${peer.user}@${new URL(url).host}/src`,
      dst,
      "--parallel",
      String(parallel),
      ...extra,
    ], env);
  const all: Record<string, Tool> = {
    ferry: { run: (url, dst) => ferryMirror(values.ferry, url, dst) },
    "floor-deno": { run: (url, dst) => floorDeno(url, dst) },
    "floor-deno-stat": { run: (url, dst) => floorDeno(url, dst, ["--stat"]) },
    queue1: queued(1),
    queue2: queued(2),
    queue4: queued(4),
    // The same CLI from another checkout (an A/B of two versions in one run).
    base: { run: (url, dst) => ferryMirror(values["ferry-base"] ?? "", url, dst) },
    lftp: {
      run: (url, dst) =>
        run("lftp", [
          "-c",
          [
            "set ftp:ssl-allow no",
            "set net:max-retries 1",
            `open -u ${peer.user},${peer.password} ${url}`,
            `mirror --parallel=${parallel} src ${dst}`,
          ].join("; "),
        ]),
    },
    rclone: {
      run: (url, dst) => {
        const u = new URL(url);
        return run("rclone", [
          "sync",
          "--config",
          rcloneConfig,
          "--transfers",
          String(parallel),
          "--ftp-host",
          u.hostname,
          "--ftp-port",
          u.port,
          "--ftp-user",
          peer.user,
          "--ftp-pass",
          obscured,
          ":ftp:src",
          dst,
        ]);
      },
    },
  };

  /** A tool whose copies do not carry the source's mtimes (to the second): the first such file. */
  const mtimeProblems: Record<string, string> = {};
  const results: Record<string, Record<string, Times>> = {};
  console.log(
    `${files} files, ${(expected.bytes / 1e6).toFixed(1)} MB in ${dirs} directories, ` +
      `parallel ${parallel}, ${runs} runs (after one untimed), vsftpd behind bench/wan_proxy.ts` +
      (values["rate-per-connection"] ? `, ${values["rate-per-connection"]}/connection` : "") +
      (values["rate-link"] ? `, link ${values["rate-link"]}` : "") +
      (values["delay-fin"] ? ", FINs delayed" : "") +
      `, targets in ${values.dir}, ${new Date().toISOString()}`,
  );
  for (const rtt of rtts) {
    wan = startWanProxy({
      target: { hostname: peer.host, port: peer.port },
      delayMs: rtt / 2,
      ratePerConnection: values["rate-per-connection"]
        ? parseRate(values["rate-per-connection"])
        : undefined,
      rateLink: values["rate-link"] ? parseRate(values["rate-link"]) : undefined,
      delayFin: values["delay-fin"],
    });
    const url = `ftp://${wan.hostname}:${wan.port}`;
    const times: Record<string, Times> = {};
    for (const name of tools) times[name] = { full: [], again: [], sessions: [] };
    for (let round = 0; round <= runs; round++) {
      // Each round starts with the next tool: what a run leaves behind (the server's
      // sessions still closing, the proxy's sockets in TIME_WAIT, the machine's other
      // work at that moment) does not fall on the same tool every time.
      const order = tools.map((_, i) => tools[(i + round) % tools.length]);
      for (const name of order) {
        const tool = all[name];
        if (!tool) throw new Error(`unknown tool ${name}`);
        const dst = `${scratch}/${name}-${rtt}-${round}`;
        await tool.prepare?.();
        wan.resetStats();
        const full = await timed(() => tool.run(url, dst));
        const sessions = wan.stats.controlMaxOpen;
        await check(name, dst, expected);
        const mtimes = await checkMtimes(src, dst, expected);
        if (mtimes) mtimeProblems[name] = mtimes;
        wan.resetStats();
        const again = await timed(() => tool.run(url, dst));
        const sessionsAgain = wan.stats.controlMaxOpen;
        await check(name, dst, expected);
        await Deno.remove(dst, { recursive: true });
        if (round === 0) continue;
        times[name].full.push(full);
        times[name].again.push(again);
        times[name].sessions.push(Math.max(sessions, sessionsAgain));
      }
    }
    await wan.close();
    wan = undefined;
    results[rtt] = times;
    report(rtt, times, mtimeProblems);
  }
  if (values.json) console.log(JSON.stringify({ files, dirs, bytes: expected.bytes, results }));
} finally {
  for (const w of workers) await w.stop();
  if (redis) {
    redis.proc.kill();
    await redis.proc.done;
  }
  await wan?.close();
  await peer.stop();
  await Deno.remove(scratch, { recursive: true });
}

/** Prints one round-trip time's figures. */
function report(
  rtt: number,
  times: Record<string, Times>,
  mtimeProblems: Record<string, string>,
): void {
  const floor = (full: boolean) =>
    floorRoundTrips({
      files,
      dirs,
      connections: parallel,
      full,
      closeRoundTrips: values["delay-fin"] ? 1 : 0.5,
    }) * rtt / 1000;
  console.log(
    `rtt ${rtt} ms: floor full ${sec(floor(true))} s, no-change ${sec(floor(false))} s`,
  );
  for (const name of tools) {
    const t = times[name];
    console.log(
      `  ${name.padEnd(15)} full ${sec(median(t.full))} s [${t.full.map(sec).join(" ")}]` +
        `   no-change ${sec(median(t.again))} s [${t.again.map(sec).join(" ")}]` +
        `   sessions <= ${Math.max(...t.sessions)}` +
        (name === "ferry" && Math.max(...t.sessions) > parallel ? " (MORE THAN ALLOWED)" : "") +
        (mtimeProblems[name] ? `   WRONG MTIMES (${mtimeProblems[name]})` : ""),
    );
  }
  for (const name of tools.filter((t) => t.startsWith("queue") && times.ferry)) {
    console.log(
      `  ${name} / ferry in-process: full ${
        (median(times[name].full) / median(times.ferry.full)).toFixed(2)
      }   no-change ${(median(times[name].again) / median(times.ferry.again)).toFixed(2)}`,
    );
  }
  const peers = ["lftp", "rclone"].filter((p) => times[p]);
  if (times.ferry && peers.length) {
    const best = (k: "full" | "again") => Math.min(...peers.map((p) => median(times[p][k])));
    console.log(
      `  ferry / faster of ${peers.join(", ")}: full ${
        (median(times.ferry.full) / best("full")).toFixed(2)
      }   no-change ${(median(times.ferry.again) / best("again")).toFixed(2)}`,
    );
  }
}

/** Every file's mtime equal to its source's, to the second. */
async function checkMtimes(
  src: string,
  dst: string,
  expected: TreeSummary,
): Promise<string | undefined> {
  for (const path of expected.sizes.keys()) {
    const [a, b] = await Promise.all([Deno.stat(`${src}/${path}`), Deno.stat(`${dst}/${path}`)]);
    const sa = Math.floor(a.mtime!.getTime() / 1000), sb = Math.floor(b.mtime!.getTime() / 1000);
    if (sa !== sb) {
      return `${path}: mtime ${b.mtime!.toISOString()}, source ${a.mtime!.toISOString()}`;
    }
  }
  return undefined;
}

async function check(name: string, dst: string, expected: TreeSummary) {
  const problem = await verifyTree(dst, expected);
  if (problem) throw new Error(`${name} left a wrong mirror in ${dst}: ${problem}`);
}
