/**
 * Benchmark (not a test): how long `ferry` takes as a whole process to start,
 * beside a bare Deno script that prints one line, in one run, the commands
 * taking turns in every round. Medians of wall time, and the targets of issue
 * 10 item 4:
 *
 * - `ferry --version` and `ferry <cmd> --help` <= 2 x the bare script;
 * - `ferry ls ftp://...` of a loopback vsftpd <= 0.15 s above the bare script.
 *
 *   deno run -A bench/startup.ts [--runs 15] [--base DIR]
 *
 * `--base DIR` adds the same ferry commands run from another checkout (e.g.
 * `git archive main | tar -x -C DIR`), in the same rounds: before/after in one run.
 */
import { parseArgs } from "node:util";
import { join } from "node:path";
import { startVsftpd } from "../test/peers/vsftpd.ts";

const { values } = parseArgs({
  args: Deno.args,
  options: { runs: { type: "string", default: "15" }, base: { type: "string" } },
});
const runs = Number(values.runs);
const main = new URL("../cli/main.ts", import.meta.url).pathname;
const scratch = await Deno.makeTempDir({ prefix: "ferry-bench-startup-" });
const bare = join(scratch, "bare.ts");
await Deno.writeTextFile(bare, 'console.log("0.1.0");\n');

const loadAtStart = (await Deno.readTextFile("/proc/loadavg")).trim();
const peer = await startVsftpd();
try {
  for (let i = 0; i < 20; i++) await Deno.writeTextFile(join(peer.root, `f${i}.txt`), "x");
  const url = `ftp://${peer.user}:${peer.password}@${peer.host}:${peer.port}/`;
  const ferryAt = (entry: string) => (...args: string[]) => ["run", "-A", entry, ...args];
  const rows = (prefix: string, ferry: (...args: string[]) => string[]) => ({
    [`${prefix} --version`]: ferry("--version"),
    [`${prefix} --help`]: ferry("--help"),
    [`${prefix} mirror --help`]: ferry("mirror", "--help"),
    [`${prefix} ls ftp://`]: ferry("ls", "--no-netrc", url),
  });
  const commands: Record<string, string[]> = {
    "bare script": ["run", "-A", bare],
    ...rows("ferry", ferryAt(main)),
    ...(values.base ? rows("base", ferryAt(join(values.base, "cli/main.ts"))) : {}),
  };
  // One warm-up round (Deno's caches, the server's first login).
  for (const args of Object.values(commands)) await wall(args);
  const times: Record<string, number[]> = {};
  for (const name of Object.keys(commands)) times[name] = [];
  for (let i = 0; i < runs; i++) {
    for (const [name, args] of Object.entries(commands)) times[name].push(await wall(args));
  }
  const med = Object.fromEntries(Object.entries(times).map(([k, v]) => [k, median(v)]));
  const base = med["bare script"];
  console.log(`load average at start: ${loadAtStart}`);
  console.log(`command               median s   min     max     x bare   - bare s`);
  for (const [name, t] of Object.entries(times)) {
    console.log(
      `${name.padEnd(21)} ${fmt(med[name])}   ${fmt(Math.min(...t))}  ${fmt(Math.max(...t))}  ${
        (med[name] / base).toFixed(2).padStart(6)
      }   ${fmt(med[name] - base)}`,
    );
  }
  const verdict = (ok: boolean) => ok ? "met" : "MISSED";
  console.log(
    `targets: --version <= 2x bare: ${verdict(med["ferry --version"] <= 2 * base)}; ` +
      `mirror --help <= 2x bare: ${verdict(med["ferry mirror --help"] <= 2 * base)}; ` +
      `ls <= bare + 0.15 s: ${verdict(med["ferry ls ftp://"] <= base + 0.15)}`,
  );
  console.log(
    `${runs} rounds, vsftpd on 127.0.0.1, Deno ${Deno.version.deno}, ${
      new Date().toISOString()
    }, ` +
      `load average at the end: ${(await Deno.readTextFile("/proc/loadavg")).trim()}`,
  );
} finally {
  await peer.stop();
  await Deno.remove(scratch, { recursive: true });
}

/** Wall seconds of one whole process, spawn to exit. */
async function wall(args: string[]): Promise<number> {
  const start = performance.now();
  const out = await new Deno.Command(Deno.execPath(), { args, stdout: "null", stderr: "piped" })
    .output();
  const seconds = (performance.now() - start) / 1000;
  if (!out.success) {
    throw new Error(`deno ${args.join(" ")} failed: ${new TextDecoder().decode(out.stderr)}`);
  }
  return seconds;
}

function median(values: number[]): number {
  const s = [...values].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
}

function fmt(n: number): string {
  return n.toFixed(3).padStart(6);
}
