/**
 * What the one-large-file WAN benchmarks (bench/wan_get.ts, bench/queue_segments.ts)
 * share: their common flags, vsftpd behind the emulated WAN (bench/wan_proxy.ts)
 * with a scratch dir, a dated random source file and its digest, and the
 * interleaved timed rounds with the sessions each run had open at once.
 * @module
 */
import { fileURLToPath } from "node:url";
import { startVsftpd, type VsftpdOptions } from "../test/peers/vsftpd.ts";
import { chownForVsftpd } from "../test/peers/vsftpd_user.ts";
import type { FtpPeer } from "../test/peers/types.ts";
import { timed, writeRandomFile } from "./process.ts";
import { parseRate, startWanProxy, type WanProxy } from "./wan_proxy.ts";

/**
 * The flags every WAN benchmark takes (for `parseArgs`), with its own file size default.
 *
 * @example
 * ```ts
 * const { values } = parseArgs({ args: Deno.args, options: { ...wanFlags("256") } });
 * ```
 */
export function wanFlags(sizeMib: string) {
  return {
    "size-mib": { type: "string", default: sizeMib },
    rtt: { type: "string", default: "40" },
    "rate-per-connection": { type: "string", default: "100Mbit" },
    runs: { type: "string", default: "3" },
    dir: { type: "string", default: "/dev/shm" },
    ferry: { type: "string", default: fileURLToPath(new URL("../cli/main.ts", import.meta.url)) },
  } as const;
}

/**
 * The numbers of the common flags: file size in bytes, round trip in ms,
 * runs, and the tools asked for.
 *
 * @example
 * ```ts
 * const { size, rtt, runs, tools } = wanSettings(values);
 * ```
 */
export function wanSettings(
  values: { "size-mib": string; rtt: string; runs: string; tools: string },
): { size: number; rtt: number; runs: number; tools: string[] } {
  return {
    size: Number(values["size-mib"]) * 1024 * 1024,
    rtt: Number(values.rtt),
    runs: Number(values.runs),
    tools: values.tools.split(",").map((t) => t.trim()).filter(Boolean),
  };
}

/**
 * The 1-, 5- and 15-minute load averages, for the figures' context.
 *
 * @example
 * ```ts
 * console.log(`load ${loadavg()}`);
 * ```
 */
export function loadavg(): string {
  return Deno.readTextFileSync("/proc/loadavg").split(" ").slice(0, 3).join(" ");
}

/**
 * The SHA-256 of a file's bytes, as hex.
 *
 * @example
 * ```ts
 * if (await sha256File(copy) !== want) throw new Error("the bytes differ");
 * ```
 */
export async function sha256File(path: string): Promise<string> {
  const digest = await crypto.subtle.digest("SHA-256", await Deno.readFile(path));
  return Array.from(new Uint8Array(digest), (b) => b.toString(16).padStart(2, "0")).join("");
}

/** vsftpd, the WAN proxy in front of it, and a scratch dir; `close()` stops and removes them. */
export interface WanSetup {
  peer: FtpPeer;
  wan: WanProxy;
  /** The scratch dir for the copies. */
  work: string;
  close(): Promise<void>;
}

/**
 * Starts vsftpd and the WAN proxy (half of `--rtt` each way, each connection
 * capped at `--rate-per-connection`) and makes a scratch dir under `--dir`.
 *
 * @example
 * ```ts
 * const { peer, wan, work, close } = await startWanSetup(values, "ferry-wanget-");
 * ```
 */
export async function startWanSetup(
  values: { rtt: string; "rate-per-connection": string; dir: string },
  prefix: string,
  vsftpd?: VsftpdOptions,
): Promise<WanSetup> {
  const peer = await startVsftpd(vsftpd);
  const wan = startWanProxy({
    target: { hostname: peer.host, port: peer.port },
    delayMs: Number(values.rtt) / 2,
    ratePerConnection: parseRate(values["rate-per-connection"]),
  });
  const work = await Deno.makeTempDir({ dir: values.dir, prefix });
  return {
    peer,
    wan,
    work,
    async close() {
      await wan.close();
      await peer.stop();
      await Deno.remove(work, { recursive: true });
    },
  };
}

/** The mtime every source file of these benchmarks carries (a copy must keep it). */
export const SOURCE_MTIME = new Date("2026-01-02T03:04:05Z");

/**
 * Writes `size` random bytes to `path` on the vsftpd root, dated {@link SOURCE_MTIME},
 * readable by vsftpd; returns their SHA-256.
 *
 * @example
 * ```ts
 * const want = await writeSource(`${peer.root}/big.bin`, 256 << 20);
 * ```
 */
export async function writeSource(path: string, size: number): Promise<string> {
  await writeRandomFile(path, size);
  await Deno.utime(path, SOURCE_MTIME, SOURCE_MTIME);
  await chownForVsftpd(path);
  return await sha256File(path);
}

/** Seconds and most control sessions open at once, per tool, run by run. */
export interface Samples {
  times: Record<string, number[]>;
  sessions: Record<string, number[]>;
}

/**
 * `runs` rounds of every tool, interleaved and the order turned each round
 * (no tool always runs first); only `run` is timed, with the proxy's session
 * count reset before it. `before` clears the tool's target, `after` checks the
 * result and prints the run's line.
 *
 * @example
 * ```ts
 * const samples = await interleaved(["ferry", "lftp"], 3, wan, {
 *   before: (tool) => Deno.remove(`${work}/${tool}`).catch(() => {}),
 *   run: (tool) => all[tool](`${work}/${tool}`),
 *   after: (tool, seconds, sessions, round) => check(tool, seconds, sessions, round),
 * });
 * ```
 */
export async function interleaved(
  tools: string[],
  runs: number,
  wan: WanProxy,
  step: {
    before(tool: string): Promise<void>;
    run(tool: string): Promise<void>;
    after(tool: string, seconds: number, sessions: number, round: number): Promise<void>;
  },
): Promise<Samples> {
  const samples: Samples = { times: {}, sessions: {} };
  for (let round = 0; round < runs; round++) {
    const order = tools.map((_, i) => tools[(i + round) % tools.length]);
    for (const tool of order) {
      await step.before(tool);
      wan.resetStats();
      const seconds = await timed(() => step.run(tool));
      const sessions = wan.stats.controlMaxOpen;
      await step.after(tool, seconds, sessions, round);
      (samples.times[tool] ??= []).push(seconds);
      (samples.sessions[tool] ??= []).push(sessions);
    }
  }
  return samples;
}
