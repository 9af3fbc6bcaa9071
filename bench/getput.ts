/**
 * Benchmark (not a test): `ferry get` and `ferry put` of one large file as
 * whole processes, beside curl, against vsftpd on loopback, in one run (issue
 * 11 item 1). Both the server's root and the local files are on tmpfs
 * (/dev/shm) so that the disk does not decide. The tools take turns in every
 * round, each round starting with the next tool; every copy's bytes are
 * compared with the source (outside the timing). Prints wall seconds per
 * process (median, and each run), the MB/s they mean, and ferry/curl as a
 * throughput ratio (curl's seconds / ferry's), target >= 0.9 both ways.
 *
 *   deno run -A bench/getput.ts [--size-mib 512] [--runs 3] [--base /path/to/other/cli/main.ts]
 *
 * `--base` adds a second ferry (another checkout's cli/main.ts) as its own
 * tool, for before/after pairs in the same run.
 */
import { parseArgs } from "node:util";
import { join } from "node:path";
import { startVsftpd } from "../test/peers/vsftpd.ts";
import { writeRandomFile } from "./process.ts";
import { median } from "./mirror_tree.ts";

const { values } = parseArgs({
  args: Deno.args,
  options: {
    "size-mib": { type: "string", default: "512" },
    runs: { type: "string", default: "3" },
    base: { type: "string" },
    dir: { type: "string", default: "/dev/shm" },
  },
});
const sizeMiB = Number(values["size-mib"]);
const runs = Number(values.runs);
const size = sizeMiB * 1024 * 1024;
const main = new URL("../cli/main.ts", import.meta.url).pathname;

const scratch = await Deno.makeTempDir({ dir: values.dir, prefix: "ferry-bench-getput-" });
// vsftpd's session user passes through it to the served root.
await Deno.chmod(scratch, 0o755);
const root = join(scratch, "root");
await Deno.mkdir(root);
const peer = await startVsftpd({ root, lockUploadFiles: false }).catch(async (error) => {
  await Deno.remove(scratch, { recursive: true });
  throw error;
});
try {
  const source = join(scratch, "source.bin");
  await writeRandomFile(source, size);
  await Deno.copyFile(source, join(root, "big.bin"));
  await Deno.chmod(join(root, "big.bin"), 0o644);
  const url = `ftp://${peer.user}:${peer.password}@${peer.host}:${peer.port}`;
  const local = join(scratch, "local");
  await Deno.mkdir(local);

  type Tool = { get: (to: string) => string[]; put: (name: string) => string[] };
  const ferry = (entry: string): Tool => ({
    get: (to) => [Deno.execPath(), "run", "-A", entry, "get", "-q", `${url}/big.bin`, to],
    put: (name) => [Deno.execPath(), "run", "-A", entry, "put", "-q", source, `${url}/${name}`],
  });
  const tools: Record<string, Tool> = {
    ferry: ferry(main),
    ...(values.base ? { "ferry-base": ferry(values.base) } : {}),
    curl: {
      get: (to) => ["curl", "-sS", "-o", to, `${url}/big.bin`],
      put: (name) => ["curl", "-sS", "-T", source, `${url}/${name}`],
    },
  };

  const names = Object.keys(tools);
  const times: Record<string, { get: number[]; put: number[] }> = {};
  const cpus: Record<string, { get: number[]; put: number[] }> = {};
  for (const name of names) {
    times[name] = { get: [], put: [] };
    cpus[name] = { get: [], put: [] };
  }
  // A warm-up round, not counted (Deno's module cache, the server's first login).
  for (let i = -1; i < runs; i++) {
    const order = [
      ...names.slice((i + 1) % names.length),
      ...names.slice(0, (i + 1) % names.length),
    ];
    for (const name of order) {
      const to = join(local, `${name}.bin`);
      const t = await timed(tools[name].get(to));
      await sameBytes(source, to, `${name} get`);
      await Deno.remove(to);
      if (i >= 0) times[name].get.push(t.wall), cpus[name].get.push(t.cpu);
    }
    for (const name of order) {
      const remote = `up-${name}.bin`;
      const t = await timed(tools[name].put(remote));
      await sameBytes(source, join(root, remote), `${name} put`);
      await Deno.remove(join(root, remote));
      if (i >= 0) times[name].put.push(t.wall), cpus[name].put.push(t.cpu);
    }
  }

  const med = (name: string, k: "get" | "put") => median(times[name][k]);
  const mbps = (s: number) => (size / 1e6 / s).toFixed(0).padStart(5);
  const list = (xs: number[]) => xs.map((x) => x.toFixed(2)).join(" ");
  for (const name of names) {
    for (const k of ["get", "put"] as const) {
      console.log(
        `${name.padEnd(10)} ${k}  wall ${med(name, k).toFixed(2)} s ${mbps(med(name, k))} MB/s [${
          list(times[name][k])
        }]  cpu ${median(cpus[name][k]).toFixed(2)} s [${list(cpus[name][k])}]`,
      );
    }
  }
  // Throughput ratio: curl's wall seconds / ferry's, of the medians and of each
  // round's pair (the two ran side by side, under the same load).
  for (const name of names.filter((n) => n !== "curl")) {
    const ratio = (k: "get" | "put") => (med("curl", k) / med(name, k)).toFixed(2);
    const pairs = (k: "get" | "put") =>
      median(times[name][k].map((s, i) => times.curl[k][i] / s)).toFixed(2);
    console.log(
      `${name}/curl throughput: get ${ratio("get")} (pairs ${pairs("get")})  put ${
        ratio("put")
      } (pairs ${pairs("put")})  (target >= 0.90)`,
    );
  }
  console.log(
    `${sizeMiB} MiB, median of ${runs} runs (+1 warm-up), vsftpd on 127.0.0.1, files on ${values.dir}, ` +
      `load ${(await Deno.readTextFile("/proc/loadavg")).split(" ").slice(0, 3).join(" ")}, ` +
      new Date().toISOString(),
  );
} finally {
  await peer.stop();
  await Deno.remove(scratch, { recursive: true });
}

/**
 * Wall and CPU (user + system) seconds of one whole process, spawn to exit;
 * the CPU figure from /usr/bin/time, which is steadier than wall time on a
 * loaded machine.
 */
async function timed(cmd: string[]): Promise<{ wall: number; cpu: number }> {
  const report = await Deno.makeTempFile({ prefix: "ferry-bench-time-" });
  try {
    const start = performance.now();
    const out = await new Deno.Command("/usr/bin/time", {
      args: ["-f", "%U %S", "-o", report, ...cmd],
      stdout: "null",
      stderr: "piped",
    }).output();
    const wall = (performance.now() - start) / 1000;
    if (!out.success) {
      throw new Error(`${cmd.join(" ")} failed: ${new TextDecoder().decode(out.stderr)}`);
    }
    const [user, sys] = (await Deno.readTextFile(report)).trim().split(/\s+/).map(Number);
    return { wall, cpu: user + sys };
  } finally {
    await Deno.remove(report);
  }
}

/** Throws unless the copy has the source's bytes. */
async function sameBytes(source: string, copy: string, what: string): Promise<void> {
  const out = await new Deno.Command("cmp", { args: ["-s", source, copy] }).output();
  if (!out.success) throw new Error(`${what}: ${copy} differs from ${source}`);
}
