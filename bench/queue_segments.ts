/**
 * Benchmark (not a test): one large file mirrored from vsftpd over an
 * emulated WAN (bench/wan_proxy.ts: `--rtt` ms round trip, each connection
 * capped at `--rate-per-connection`), in process (segments within one
 * process) and on a BullMQ queue with 1, 2 and 4 worker processes (segment
 * tasks spread over the workers), whole processes, interleaved round by round.
 *
 * - `ferry`: `ferry mirror URL DIR --parallel 8 --connections 8`;
 * - `queueN`: the same with `--queue`, N workers (each `--concurrency
 *   --worker-concurrency`) on their own Redis database, started before the
 *   timed runs. With a worker concurrency below the segment count, one worker
 *   holds only that many segments at once: more workers, more at once.
 *
 * Every result is checked (SHA-256 and mtime against the source); the proxy
 * counts the sessions open at once. Medians, ratios to in-process, load before/after.
 *
 *   deno run -A bench/queue_segments.ts [--size-mib 128] [--rtt 40]
 *        [--rate-per-connection 100Mbit] [--runs 3] [--worker-concurrency 8]
 *        [--tools ferry,queue1,queue2,queue4] [--dir /dev/shm]
 * @module
 */
import { parseArgs } from "node:util";
import { fileURLToPath } from "node:url";
import { startVsftpd } from "../test/peers/vsftpd.ts";
import { chownForVsftpd } from "../test/peers/vsftpd_user.ts";
import { Proc, startRedis } from "../test/queue/harness.ts";
import { median } from "./mirror_tree.ts";
import { run, sec, timed, writeRandomFile } from "./process.ts";
import { parseRate, startWanProxy } from "./wan_proxy.ts";

const { values } = parseArgs({
  args: Deno.args,
  options: {
    "size-mib": { type: "string", default: "128" },
    rtt: { type: "string", default: "40" },
    "rate-per-connection": { type: "string", default: "100Mbit" },
    runs: { type: "string", default: "3" },
    "worker-concurrency": { type: "string", default: "8" },
    tools: { type: "string", default: "ferry,queue1,queue2,queue4" },
    dir: { type: "string", default: "/dev/shm" },
    ferry: { type: "string", default: fileURLToPath(new URL("../cli/main.ts", import.meta.url)) },
  },
});
const size = Number(values["size-mib"]) * 1024 * 1024;
const rtt = Number(values.rtt);
const runs = Number(values.runs);
const tools = values.tools.split(",").map((t) => t.trim()).filter(Boolean);

async function sha256(path: string): Promise<string> {
  const digest = await crypto.subtle.digest("SHA-256", await Deno.readFile(path));
  return Array.from(new Uint8Array(digest), (b) => b.toString(16).padStart(2, "0")).join("");
}

const loadavg = () => Deno.readTextFileSync("/proc/loadavg").split(" ").slice(0, 3).join(" ");

// Workers on one machine all come from 127.0.0.1 (see bench/wan_mirror.ts).
const peer = await startVsftpd({
  lockUploadFiles: false,
  extraConfig: { log_ftp_protocol: "NO", max_per_ip: "0" },
});
const wan = startWanProxy({
  target: { hostname: peer.host, port: peer.port },
  delayMs: rtt / 2,
  ratePerConnection: parseRate(values["rate-per-connection"]),
});
const work = await Deno.makeTempDir({ dir: values.dir, prefix: "ferry-qseg-" });
const procs: Proc[] = [];
try {
  await Deno.mkdir(`${peer.root}/src`);
  const source = `${peer.root}/src/big.bin`;
  await writeRandomFile(source, size);
  const mtime = new Date("2026-01-02T03:04:05Z");
  await Deno.utime(source, mtime, mtime);
  await chownForVsftpd(`${peer.root}/src`);
  await chownForVsftpd(source);
  const want = await sha256(source);
  const url = `ftp://127.0.0.1:${wan.port}/src`;
  const env = { FERRY_BENCH_PASSWORD: peer.password };
  const redis = await startRedis(work);
  procs.push(redis.proc);
  const mirror = (dst: string, extra: string[] = []) =>
    run(Deno.execPath(), [
      "run",
      "-A",
      "--no-check",
      values.ferry,
      "mirror",
      "-q",
      "--parallel",
      "8",
      "--connections",
      "8",
      "-u",
      peer.user,
      "--password-env",
      "FERRY_BENCH_PASSWORD",
      ...extra,
      url,
      dst,
    ], env);
  // Each queueN has its own Redis database and its N workers, started before the timed runs.
  const all: Record<string, (dst: string) => Promise<void>> = { ferry: (dst) => mirror(dst) };
  for (const n of [1, 2, 4]) {
    if (!tools.includes(`queue${n}`)) continue;
    const queue = `${redis.url}/${n}`;
    for (let i = 0; i < n; i++) {
      const c = values["worker-concurrency"];
      const args = ["run", "-A", "--no-check", values.ferry, "worker", "--queue", queue];
      const w = new Proc(`worker ${n}.${i}`, Deno.execPath(), [...args, "--concurrency", c], env);
      procs.push(w);
      await w.waitFor(/worker on/);
    }
    all[`queue${n}`] = (dst) => mirror(dst, ["--queue", queue]);
  }
  for (const t of tools) if (!all[t]) throw new Error(`unknown tool ${t}`);
  console.log(
    `${values["size-mib"]} MiB at ${rtt} ms, ${values["rate-per-connection"]} per connection, ` +
      `worker concurrency ${values["worker-concurrency"]}, ${runs} runs; load ${loadavg()}`,
  );
  const times: Record<string, number[]> = {};
  const sessions: Record<string, number[]> = {};
  for (let r = 0; r < runs; r++) {
    const order = tools.map((_, i) => tools[(i + r) % tools.length]);
    for (const tool of order) {
      const dst = `${work}/${tool}`;
      await Deno.remove(dst, { recursive: true }).catch(() => {});
      wan.resetStats();
      const s = await timed(() => all[tool](dst));
      const st = await Deno.stat(`${dst}/big.bin`);
      if (st.size !== size) throw new Error(`${tool}: ${st.size} bytes, want ${size}`);
      if (await sha256(`${dst}/big.bin`) !== want) throw new Error(`${tool}: the bytes differ`);
      const leftovers = [...Deno.readDirSync(dst)].filter((e) => e.name !== "big.bin");
      if (leftovers.length > 0) throw new Error(`${tool}: left ${leftovers.map((e) => e.name)}`);
      const mtimeOk = st.mtime?.getTime() === mtime.getTime();
      (times[tool] ??= []).push(s);
      (sessions[tool] ??= []).push(wan.stats.controlMaxOpen);
      console.log(
        `  run ${r + 1} ${tool.padEnd(7)} ${sec(s)} s  ${(size / s / 1e6).toFixed(1)} MB/s  ` +
          `sessions ${wan.stats.controlMaxOpen}${
            mtimeOk ? "" : "  (mtime not kept)"
          }  load ${loadavg()}`,
      );
    }
  }
  console.log(`medians (load ${loadavg()}):`);
  for (const tool of tools) {
    const m = median(times[tool]);
    const ratio = times.ferry ? `  ${(m / median(times.ferry)).toFixed(2)} x in-process time` : "";
    console.log(
      `  ${tool.padEnd(7)} ${sec(m)} s  ${(size / m / 1e6).toFixed(1)} MB/s  most sessions ${
        Math.max(...sessions[tool])
      }${ratio}`,
    );
  }
} finally {
  for (const p of procs.reverse()) await p.stop(5000);
  await wan.close();
  await peer.stop();
  await Deno.remove(work, { recursive: true });
}
