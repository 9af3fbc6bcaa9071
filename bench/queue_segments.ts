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
import { chownForVsftpd } from "../test/peers/vsftpd_user.ts";
import { Proc, startRedis } from "../test/queue/harness.ts";
import { median } from "./mirror_tree.ts";
import { run, sec } from "./process.ts";
import {
  interleaved,
  loadavg,
  sha256File,
  SOURCE_MTIME,
  startWanSetup,
  wanFlags,
  wanSettings,
  writeSource,
} from "./wan_bench.ts";

const { values } = parseArgs({
  args: Deno.args,
  options: {
    ...wanFlags("128"),
    "worker-concurrency": { type: "string", default: "8" },
    tools: { type: "string", default: "ferry,queue1,queue2,queue4" },
  },
});
const { size, rtt, runs, tools } = wanSettings(values);

// Workers on one machine all come from 127.0.0.1 (see bench/wan_mirror.ts).
const { peer, wan, work, close } = await startWanSetup(values, "ferry-qseg-", {
  lockUploadFiles: false,
  extraConfig: { log_ftp_protocol: "NO", max_per_ip: "0" },
});
const procs: Proc[] = [];
try {
  await Deno.mkdir(`${peer.root}/src`);
  await chownForVsftpd(`${peer.root}/src`);
  const want = await writeSource(`${peer.root}/src/big.bin`, size);
  const url = `ftp://${wan.hostname}:${wan.port}/src`;
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
  const { times, sessions } = await interleaved(tools, runs, wan, {
    before: (tool) => Deno.remove(`${work}/${tool}`, { recursive: true }).catch(() => {}),
    run: (tool) => all[tool](`${work}/${tool}`),
    async after(tool, s, open, r) {
      const dst = `${work}/${tool}`;
      const st = await Deno.stat(`${dst}/big.bin`);
      if (st.size !== size) throw new Error(`${tool}: ${st.size} bytes, want ${size}`);
      if (await sha256File(`${dst}/big.bin`) !== want) throw new Error(`${tool}: the bytes differ`);
      const leftovers = [...Deno.readDirSync(dst)].filter((e) => e.name !== "big.bin");
      if (leftovers.length > 0) throw new Error(`${tool}: left ${leftovers.map((e) => e.name)}`);
      const mtimeOk = st.mtime?.getTime() === SOURCE_MTIME.getTime();
      console.log(
        `  run ${r + 1} ${tool.padEnd(7)} ${sec(s)} s  ${(size / s / 1e6).toFixed(1)} MB/s  ` +
          `sessions ${open}${mtimeOk ? "" : "  (mtime not kept)"}  load ${loadavg()}`,
      );
    },
  });
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
  await close();
}
