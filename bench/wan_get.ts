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
    ...wanFlags("256"),
    segments: { type: "string", default: "8" },
    tools: { type: "string", default: "ferry,ferry-1,lftp-pget" },
    "ferry-base": { type: "string" },
  },
});
const { size, rtt, runs, tools } = wanSettings(values);
const segments = Number(values.segments);

const { peer, wan, work, close } = await startWanSetup(values, "ferry-wanget-");
try {
  const want = await writeSource(`${peer.root}/big.bin`, size);
  const url = `ftp://${peer.user}@${wan.hostname}:${wan.port}`;
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
        `open -u ${peer.user},${peer.password} ftp://${wan.hostname}:${wan.port}`,
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
  const { times, sessions } = await interleaved(tools, runs, wan, {
    before: (tool) => Deno.remove(`${work}/${tool}.bin`).catch(() => {}),
    run: (tool) => all[tool](`${work}/${tool}.bin`),
    async after(tool, s, open, r) {
      const dst = `${work}/${tool}.bin`;
      const st = await Deno.stat(dst);
      if (st.size !== size) throw new Error(`${tool}: ${st.size} bytes, want ${size}`);
      if (await sha256File(dst) !== want) throw new Error(`${tool}: the bytes differ`);
      const mtimeOk = st.mtime?.getTime() === SOURCE_MTIME.getTime();
      if (tool.startsWith("ferry") && tool !== "ferry-1" && !mtimeOk) {
        throw new Error(
          `${tool}: mtime ${st.mtime?.toISOString()}, want ${SOURCE_MTIME.toISOString()}`,
        );
      }
      console.log(
        `  run ${r + 1} ${tool.padEnd(10)} ${sec(s)} s  ${
          (size / s / 1e6).toFixed(1)
        } MB/s  sessions ${open}${mtimeOk ? "" : "  (mtime not kept)"}`,
      );
      await Deno.remove(dst);
    },
  });
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
  await close();
}
