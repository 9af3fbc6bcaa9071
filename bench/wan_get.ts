/**
 * Benchmark (not a test): one large file from vsftpd over an emulated WAN
 * (bench/wan_proxy.ts: a round trip of `--rtt` ms and each connection capped
 * at `--rate-per-connection`, the window limit of one TCP stream), whole
 * processes side by side, interleaved round by round:
 *
 * - `ferry`: `ferry get URL FILE` with its defaults (8 segments from 64 MiB);
 * - `ferry-1`: `ferry get --segments 1` (one stream);
 * - `lftp-pget`: `lftp -e "pget -n 8"` (with `ftp:use-abor no`, see below);
 * - `lftp-get`: lftp's plain `get` (one stream; not run by default);
 * - `ferry-base`: `ferry get` of another checkout (`--ferry-base DIR/cli/main.ts`), for A/B pairs.
 *
 * Every result is checked (size and SHA-256 against the source; ferry's mtime
 * against the source's), and the proxy counts the sessions each run had open
 * at once. Medians of `--runs`, ratios of ferry against the others, the load
 * average before and after.
 *
 *   deno run -A bench/wan_get.ts [--size-mib 256] [--rtt 40]
 *        [--rate-per-connection 100Mbit] [--runs 3] [--segments 8]
 *        [--tools ferry,ferry-1,lftp-pget] [--dir /dev/shm] [--ferry cli/main.ts]
 *        [--ferry-base OTHER/cli/main.ts]
 * @module
 */
import { parseArgs } from "node:util";
import { fileURLToPath } from "node:url";
import { startVsftpd } from "../test/peers/vsftpd.ts";
import { chownForVsftpd } from "../test/peers/vsftpd_user.ts";
import { run, sec, timed, writeRandomFile } from "./process.ts";
import { median } from "./mirror_tree.ts";
import { parseRate, startWanProxy } from "./wan_proxy.ts";

const { values } = parseArgs({
  args: Deno.args,
  options: {
    "size-mib": { type: "string", default: "256" },
    rtt: { type: "string", default: "40" },
    "rate-per-connection": { type: "string", default: "100Mbit" },
    runs: { type: "string", default: "3" },
    segments: { type: "string", default: "8" },
    tools: { type: "string", default: "ferry,ferry-1,lftp-pget" },
    dir: { type: "string", default: "/dev/shm" },
    ferry: { type: "string", default: fileURLToPath(new URL("../cli/main.ts", import.meta.url)) },
    "ferry-base": { type: "string" },
  },
});
const size = Number(values["size-mib"]) * 1024 * 1024;
const rtt = Number(values.rtt);
const runs = Number(values.runs);
const segments = Number(values.segments);
const tools = values.tools.split(",").map((t) => t.trim()).filter(Boolean);

async function sha256(path: string): Promise<string> {
  const digest = await crypto.subtle.digest("SHA-256", await Deno.readFile(path));
  return Array.from(new Uint8Array(digest), (b) => b.toString(16).padStart(2, "0")).join("");
}

function loadavg(): string {
  return Deno.readTextFileSync("/proc/loadavg").split(" ").slice(0, 3).join(" ");
}

const peer = await startVsftpd();
const wan = startWanProxy({
  target: { hostname: peer.host, port: peer.port },
  delayMs: rtt / 2,
  ratePerConnection: parseRate(values["rate-per-connection"]),
});
const work = await Deno.makeTempDir({ dir: values.dir, prefix: "ferry-wanget-" });
try {
  const source = `${peer.root}/big.bin`;
  await writeRandomFile(source, size);
  const mtime = new Date("2026-01-02T03:04:05Z");
  await Deno.utime(source, mtime, mtime);
  await chownForVsftpd(source);
  const want = await sha256(source);
  const url = `ftp://${peer.user}@127.0.0.1:${wan.port}`;
  const env = { FERRY_BENCH_PASSWORD: peer.password };
  const ferryGet = (extra: string[], main = values.ferry) => (dst: string) =>
    run(Deno.execPath(), [
      "run",
      "-A",
      "--no-check",
      main,
      "get",
      "-q",
      "--password-env",
      "FERRY_BENCH_PASSWORD",
      ...extra,
      `${url}/big.bin`,
      dst,
    ], env);
  const lftp = (command: string) => (dst: string) =>
    run("lftp", [
      "-c",
      [
        "set ftp:ssl-allow no",
        "set net:max-retries 1",
        // The proxy cannot pass TCP urgent data, which lftp's ABOR uses (Telnet IP, then DM as
        // urgent): vsftpd then never answers that ABOR and lftp waits net:timeout (300 s) after
        // the file is complete (seen here; not without the proxy). Without ABOR, lftp closes the
        // data connection of a finished chunk, as ferry does after its ABOR.
        "set ftp:use-abor no",
        `open -u ${peer.user},${peer.password} ftp://127.0.0.1:${wan.port}`,
        `${command} big.bin -o ${dst}`,
      ].join("; "),
    ]);
  const all: Record<string, (dst: string) => Promise<void>> = {
    ferry: ferryGet(segments === 8 ? [] : ["--segments", String(segments)]),
    "ferry-1": ferryGet(["--segments", "1"]),
    "lftp-pget": lftp(`pget -n ${segments}`),
    "lftp-get": lftp("get"),
    ...(values["ferry-base"]
      ? {
        "ferry-base": ferryGet(
          segments === 8 ? [] : ["--segments", String(segments)],
          values["ferry-base"],
        ),
      }
      : {}),
  };
  for (const t of tools) if (!all[t]) throw new Error(`unknown tool ${t}`);
  console.log(
    `${values["size-mib"]} MiB at ${rtt} ms round trip, ${
      values["rate-per-connection"]
    } per connection, ${runs} runs; load ${loadavg()}`,
  );
  const times: Record<string, number[]> = {};
  const sessions: Record<string, number[]> = {};
  for (let r = 0; r < runs; r++) {
    // Interleaved, the order turned each round: no tool always runs first.
    const order = tools.map((_, i) => tools[(i + r) % tools.length]);
    for (const tool of order) {
      const dst = `${work}/${tool}.bin`;
      await Deno.remove(dst).catch(() => {});
      wan.resetStats();
      const s = await timed(() => all[tool](dst));
      const st = await Deno.stat(dst);
      if (st.size !== size) throw new Error(`${tool}: ${st.size} bytes, want ${size}`);
      if (await sha256(dst) !== want) throw new Error(`${tool}: the bytes differ`);
      const mtimeOk = st.mtime?.getTime() === mtime.getTime();
      if (tool.startsWith("ferry") && tool !== "ferry-1" && !mtimeOk) {
        throw new Error(`${tool}: mtime ${st.mtime?.toISOString()}, want ${mtime.toISOString()}`);
      }
      (times[tool] ??= []).push(s);
      (sessions[tool] ??= []).push(wan.stats.controlMaxOpen);
      console.log(
        `  run ${r + 1} ${tool.padEnd(10)} ${sec(s)} s  ${
          (size / s / 1e6).toFixed(1)
        } MB/s  sessions ${wan.stats.controlMaxOpen}${mtimeOk ? "" : "  (mtime not kept)"}`,
      );
      await Deno.remove(dst);
    }
  }
  console.log(`medians (load ${loadavg()}):`);
  const med: Record<string, number> = {};
  for (const tool of tools) {
    med[tool] = median(times[tool]);
    console.log(
      `  ${tool.padEnd(10)} ${sec(med[tool])} s  ${(size / med[tool] / 1e6).toFixed(1)} MB/s  ` +
        `most sessions ${Math.max(...sessions[tool])}`,
    );
  }
  if (med.ferry !== undefined) {
    for (const other of tools.filter((t) => t !== "ferry")) {
      console.log(`  ferry speed vs ${other}: ${(med[other] / med.ferry).toFixed(2)} x`);
    }
  }
} finally {
  await wan.close();
  await peer.stop();
  await Deno.remove(work, { recursive: true });
}
