/**
 * ferry beside rclone on one s3rver, whole processes, in one run (issue 18):
 * 2,000 files (1-64 KiB, 20 directories) local -> s3 (`ferry mirror` against
 * `rclone copy --transfers 8`), the no-change re-run of both, and one 256 MiB
 * file up and down, and one `--mid` MiB file up (under rclone's 200 MiB upload cutoff: one
 * PUT each). Each case runs `--runs` times, the tools' order turning
 * each round; the table gives medians and ratios ferry / rclone, and the CPU
 * seconds each tool's process and s3rver spent per case (s3rver runs in this
 * process: a server busy nearly all the wall time is the limit, whoever the
 * client is; on a loaded machine the CPU seconds vary less than the times).
 * `--ferry-base OTHER/cli/main.ts` adds another checkout's ferry (an A/B in the same run).
 *
 * The requests s3rver answered per tool and case (medians) come last.
 *
 *   deno run -A bench/s3.ts [--files 2000] [--mib 256] [--mid 64] [--runs 3]
 *     [--ferry-base OTHER/cli/main.ts]
 * @module
 */
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { sec } from "./process.ts";
import { startS3rver } from "../test/s3/s3rver.ts";

const args = Deno.args;
const opt = (name: string) => {
  const i = args.indexOf(name);
  return i >= 0 ? args[i + 1] : undefined;
};
const FILES = Number(opt("--files") ?? 2000);
const MIB = Number(opt("--mib") ?? 256);
const MID = Number(opt("--mid") ?? 64);
const RUNS = Number(opt("--runs") ?? 3);
const BASE = opt("--ferry-base");
const MAIN = fileURLToPath(new URL("../cli/main.ts", import.meta.url));

/**
 * CPU seconds (user + system, from /proc/self/stat in clock ticks) this process, and so
 * s3rver, has used, and those of its children once they ended (the timed tool).
 */
function cpuTimes(): { own: number; children: number } {
  const f = Deno.readTextFileSync("/proc/self/stat").split(") ")[1].split(" ").map(Number);
  return { own: (f[11] + f[12]) / 100, children: (f[13] + f[14]) / 100 };
}
const load = () => Deno.readTextFileSync("/proc/loadavg").split(" ").slice(0, 3).join(" ");

const work = await Deno.makeTempDir({ prefix: "ferry-s3-bench-" });
await using s3 = await startS3rver({ directory: join(work, "s3rver") });

const tree = join(work, "tree");
let bytes = 0;
for (let d = 0; d < 20; d++) await Deno.mkdir(join(tree, `d${d}`), { recursive: true });
for (let i = 0; i < FILES; i++) {
  const size = 1024 + Math.floor(Math.random() * 63 * 1024);
  const data = new Uint8Array(size);
  crypto.getRandomValues(data.subarray(0, Math.min(size, 65536)));
  bytes += size;
  await Deno.writeFile(join(tree, `d${i % 20}`, `f${i}.bin`), data);
}
/** A directory holding one file of `mib` MiB (random 64 KiB at the start of each MiB). */
async function oneFile(name: string, mib: number): Promise<string> {
  const dir = join(work, name);
  await Deno.mkdir(dir);
  const f = await Deno.open(join(dir, `${name}.bin`), { write: true, create: true });
  const chunk = new Uint8Array(1 << 20);
  for (let i = 0; i < mib; i++) {
    crypto.getRandomValues(chunk.subarray(0, 65536));
    await f.write(chunk);
  }
  f.close();
  return dir;
}
const bigDir = await oneFile("big", MIB);
const midDir = await oneFile("mid", MID);

const env: Record<string, string> = {
  ...Deno.env.toObject(),
  ...s3.env,
  RCLONE_CONFIG_S3_TYPE: "s3",
  RCLONE_CONFIG_S3_PROVIDER: "Other",
  RCLONE_CONFIG_S3_ENDPOINT: s3.endpoint,
  RCLONE_CONFIG_S3_ACCESS_KEY_ID: s3.accessKeyId,
  RCLONE_CONFIG_S3_SECRET_ACCESS_KEY: s3.secretAccessKey,
  RCLONE_CONFIG: s3.absent,
  FERRY_NO_PROGRESS: "1",
  NO_COLOR: "1",
};
// rclone 1.60 refuses AWS_CA_BUNDLE on a plain-http endpoint.
delete env.AWS_CA_BUNDLE;

/** Runs a command with exactly `env` (the inherited AWS_CA_BUNDLE must not reach rclone). */
async function run(cmd: string, a: string[]): Promise<void> {
  const out = await new Deno.Command(cmd, {
    args: a,
    env,
    clearEnv: true,
    // ferry keeps its state (the s3 mtime cache) under the working directory: the bench's own.
    cwd: work,
    stdout: "piped",
    stderr: "piped",
  }).output();
  if (!out.success) throw new Error(`${cmd} failed: ${new TextDecoder().decode(out.stderr)}`);
}

type Tool = "ferry" | "base" | "rclone";
const tools: Tool[] = BASE ? ["ferry", "base", "rclone"] : ["ferry", "rclone"];
const ferryOf = (main: string) => (a: string[]) =>
  run(Deno.execPath(), ["run", "-A", "--no-check", main, "-q", ...a]);
const cli: Record<Tool, (a: string[]) => Promise<void>> = {
  ferry: ferryOf(MAIN),
  base: ferryOf(BASE ?? MAIN),
  rclone: (a) => run("rclone", ["--config", s3.absent, ...a]),
};

// Warm-up (not timed): Deno's module cache for each ferry, rclone's first start.
await Deno.mkdir(join(work, "empty"));
for (const t of tools) {
  await cli[t](
    t === "rclone" ? ["copy", join(work, "empty"), "s3:test/warm"] : [
      "mirror",
      join(work, "empty"),
      `s3://test/warm-${t}`,
    ],
  );
}

interface Case {
  what: string;
  goal: string;
  /** The command of `tool` in round `r` (each round writes to its own keys). */
  command(tool: Tool, r: number): string[];
}
const dst = (tool: Tool, what: string, r: number) =>
  tool === "rclone" ? `s3:test/${tool}-${what}-${r}` : `s3://test/${tool}-${what}-${r}`;
const copyTree = (tool: Tool, r: number) =>
  tool === "rclone"
    ? ["copy", "--transfers", "8", tree, dst(tool, "tree", r)]
    : ["mirror", tree, dst(tool, "tree", r)];
const copyBig = (tool: Tool, r: number) =>
  tool === "rclone"
    ? ["copy", bigDir, dst(tool, "big", r)]
    : ["mirror", bigDir, dst(tool, "big", r)];
const copyMid = (tool: Tool, r: number) =>
  tool === "rclone"
    ? ["copy", midDir, dst(tool, "mid", r)]
    : ["mirror", midDir, dst(tool, "mid", r)];
const cases: Case[] = [
  {
    what: `${FILES} files (${(bytes / 2 ** 20).toFixed(1)} MiB) local -> s3`,
    goal: "<= 1.0",
    command: copyTree,
  },
  { what: "no-change re-run", goal: "<= 0.5", command: copyTree },
  { what: `${MIB} MiB file up`, goal: "time <= 1.0", command: copyBig },
  {
    what: `${MIB} MiB file down`,
    goal: "time <= 1.0",
    command: (tool, r) => {
      const down = join(work, `${tool}-down-${r}`);
      return tool === "rclone"
        ? ["copy", dst(tool, "big", r), down]
        : ["mirror", dst(tool, "big", r), down];
    },
  },
  { what: `${MID} MiB file up`, goal: "time <= 1.0", command: copyMid },
];

const seconds = new Map<string, number[]>();
const cpu = new Map<string, number[]>();
const toolCpu = new Map<string, number[]>();
const requests = new Map<string, number[]>();
const note = (m: Map<string, number[]>, k: string, v: number) => m.set(k, [...(m.get(k) ?? []), v]);
console.error(`load average at start: ${load()}`);
for (let r = 0; r < RUNS; r++) {
  for (const c of cases) {
    const order = tools.map((_, i) => tools[(i + r) % tools.length]);
    for (const t of order) {
      let answered = 0;
      const unobserve = s3.observe(() => answered++);
      const cpu0 = cpuTimes();
      const t0 = performance.now();
      await cli[t](c.command(t, r));
      const s = (performance.now() - t0) / 1000;
      const cpu1 = cpuTimes();
      unobserve();
      note(requests, `${c.what}|${t}`, answered);
      note(seconds, `${c.what}|${t}`, s);
      note(cpu, `${c.what}|${t}`, cpu1.own - cpu0.own);
      note(toolCpu, `${c.what}|${t}`, cpu1.children - cpu0.children);
      console.error(`round ${r + 1} ${c.what}: ${t} ${sec(s)} s`);
    }
  }
  for (const t of tools) {
    await Deno.remove(join(work, `${t}-down-${r}`), { recursive: true }).catch(() => {});
  }
}
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

const head = ["case", ...tools.map((t) => `${t} s`), "ferry / rclone"];
if (BASE) head.push("ferry / base");
head.push("CPU s, tool + s3rver: ferry", "rclone", "requests: ferry / rclone", "goal");
console.log(`| ${head.join(" | ")} |`);
console.log(`|${head.map(() => "---").join("|")}|`);
for (const c of cases) {
  const m = (t: Tool) => median(seconds.get(`${c.what}|${t}`)!);
  const all = (t: Tool) => seconds.get(`${c.what}|${t}`)!.map(sec).join(", ");
  const row = [c.what, ...tools.map((t) => `${sec(m(t))} (${all(t)})`)];
  row.push((m("ferry") / m("rclone")).toFixed(2));
  if (BASE) row.push((m("ferry") / m("base")).toFixed(2));
  const c3 = (t: Tool) =>
    `${sec(median(toolCpu.get(`${c.what}|${t}`)!))} + ${sec(median(cpu.get(`${c.what}|${t}`)!))}`;
  const n = (t: Tool) => median(requests.get(`${c.what}|${t}`)!);
  row.push(c3("ferry"), c3("rclone"), `${n("ferry")} / ${n("rclone")}`, c.goal);
  console.log(`| ${row.join(" | ")} |`);
}
console.log(`\nload average at end: ${load()}; medians of ${RUNS} (each run in brackets)`);
await s3.stop();
await Deno.remove(work, { recursive: true });
