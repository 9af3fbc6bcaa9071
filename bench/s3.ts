/**
 * ferry beside rclone on one s3rver, whole processes, one run each (issue 18):
 * 2,000 files (1-64 KiB, 20 directories) local -> s3 (`ferry mirror` against
 * `rclone copy --transfers 8`), the no-change re-run of both, and one 256 MiB
 * file up and down. Prints a Markdown table with the ratios ferry / rclone.
 *
 *   deno run -A bench/s3.ts [--files 2000] [--mib 256]
 * @module
 */
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { sec, timed } from "./process.ts";
import { startS3rver } from "../test/s3/s3rver.ts";

const args = Deno.args;
const opt = (name: string, dflt: number) => {
  const i = args.indexOf(name);
  return i >= 0 ? Number(args[i + 1]) : dflt;
};
const FILES = opt("--files", 2000);
const MIB = opt("--mib", 256);
const MAIN = fileURLToPath(new URL("../cli/main.ts", import.meta.url));

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
const bigDir = join(work, "big");
await Deno.mkdir(bigDir);
{
  const f = await Deno.open(join(bigDir, "big.bin"), { write: true, create: true });
  const chunk = new Uint8Array(1 << 20);
  for (let i = 0; i < MIB; i++) {
    crypto.getRandomValues(chunk.subarray(0, 65536));
    await f.write(chunk);
  }
  f.close();
}

const env: Record<string, string> = {
  ...Deno.env.toObject(),
  ...s3.env,
  AWS_SHARED_CREDENTIALS_FILE: "/nonexistent",
  AWS_CONFIG_FILE: "/nonexistent",
  RCLONE_CONFIG_S3_TYPE: "s3",
  RCLONE_CONFIG_S3_PROVIDER: "Other",
  RCLONE_CONFIG_S3_ENDPOINT: s3.endpoint,
  RCLONE_CONFIG_S3_ACCESS_KEY_ID: s3.accessKeyId,
  RCLONE_CONFIG_S3_SECRET_ACCESS_KEY: s3.secretAccessKey,
  RCLONE_CONFIG: "/nonexistent",
  FERRY_NO_PROGRESS: "1",
  NO_COLOR: "1",
};
// rclone 1.60 refuses AWS_CA_BUNDLE on a plain-http endpoint.
delete env.AWS_CA_BUNDLE;

/** Runs a command with exactly `env` (the inherited AWS_CA_BUNDLE must not reach rclone). */
async function run(cmd: string, a: string[], e: Record<string, string>): Promise<void> {
  const out = await new Deno.Command(cmd, {
    args: a,
    env: e,
    clearEnv: true,
    stdout: "piped",
    stderr: "piped",
  }).output();
  if (!out.success) throw new Error(`${cmd} failed: ${new TextDecoder().decode(out.stderr)}`);
}

const ferry = (a: string[]) => run(Deno.execPath(), ["run", "-A", MAIN, "-q", ...a], env);
const rclone = (a: string[]) => run("rclone", ["--config", "/nonexistent", ...a], env);

// Warm-up (not timed): Deno's module cache for ferry, rclone's first start.
await Deno.mkdir(join(work, "empty"));
await ferry(["mirror", join(work, "empty"), "s3://test/warm"]);
await rclone(["copy", join(work, "empty"), "s3:test/warm"]);

const rows: [string, number, number, string][] = [];
const pair = async (what: string, f: () => Promise<void>, r: () => Promise<void>, goal: string) => {
  const rs = await timed(r);
  const fs = await timed(f);
  rows.push([what, fs, rs, goal]);
  console.error(`${what}: ferry ${sec(fs)} s, rclone ${sec(rs)} s`);
};

await pair(
  `${FILES} files (${(bytes / 2 ** 20).toFixed(1)} MiB) local -> s3`,
  () => ferry(["mirror", tree, "s3://test/ferry-tree"]),
  () => rclone(["copy", "--transfers", "8", tree, "s3:test/rclone-tree"]),
  "<= 1.0",
);
await pair(
  "no-change re-run",
  () => ferry(["mirror", tree, "s3://test/ferry-tree"]),
  () => rclone(["copy", "--transfers", "8", tree, "s3:test/rclone-tree"]),
  "<= 0.5",
);
await pair(
  `${MIB} MiB file up`,
  () => ferry(["mirror", bigDir, "s3://test/ferry-big"]),
  () => rclone(["copy", bigDir, "s3:test/rclone-big"]),
  "time <= 1.0",
);
await pair(
  `${MIB} MiB file down`,
  () => ferry(["mirror", "s3://test/ferry-big", join(work, "ferry-down")]),
  () => rclone(["copy", "s3:test/rclone-big", join(work, "rclone-down")]),
  "time <= 1.0",
);

console.log(`| case | ferry s | rclone s | ferry / rclone | goal |`);
console.log(`|---|---|---|---|---|`);
for (const [what, f, r, goal] of rows) {
  console.log(`| ${what} | ${sec(f)} | ${sec(r)} | ${(f / r).toFixed(2)} | ${goal} |`);
}
await s3.stop();
await Deno.remove(work, { recursive: true });
