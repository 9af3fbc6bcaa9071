/**
 * Which requests `ferry mirror` sends to an s3rver, by kind, for: a tree of new
 * directories (one nested), its no-change re-run, and a 20 MiB file (issue 18:
 * requests per new file and directory). Whole `ferry` processes.
 *
 *   deno run -A bench/s3_requests.ts [--dirs 5] [--files 10] [--mib 20]
 * @module
 */
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { type AnsweredRequest, startS3rver } from "../test/s3/s3rver.ts";

const args = Deno.args;
const opt = (name: string, d: number) => {
  const i = args.indexOf(name);
  return i >= 0 ? Number(args[i + 1]) : d;
};
const DIRS = opt("--dirs", 5);
const FILES = opt("--files", 10);
const MIB = opt("--mib", 20);
const MAIN = fileURLToPath(new URL("../cli/main.ts", import.meta.url));

const work = await Deno.makeTempDir({ prefix: "ferry-s3-requests-" });
await using s3 = await startS3rver({ directory: join(work, "s3rver") });
const tree = join(work, "tree");
for (let d = 0; d < DIRS; d++) {
  const dir = join(tree, `d${d}`, d === 0 ? "deeper" : "");
  await Deno.mkdir(dir, { recursive: true });
  for (let f = 0; f < FILES; f++) await Deno.writeFile(join(dir, `f${f}`), new Uint8Array(1000));
}
const big = join(work, "big");
await Deno.mkdir(big);
await Deno.writeFile(join(big, "big.bin"), new Uint8Array(MIB << 20));

/** The kind of an S3 request, from its method and query. */
function kind(r: AnsweredRequest): string {
  const q = new URLSearchParams(r.url.split("?")[1] ?? "");
  const path = r.url.split("?")[0];
  if (q.has("list-type")) return `LIST${q.get("max-keys") === "1" ? " (max-keys 1)" : ""}`;
  if (q.has("uploads")) return "CreateMultipart";
  if (q.has("partNumber")) return "UploadPart";
  if (q.has("uploadId")) return r.method === "POST" ? "CompleteMultipart" : "AbortMultipart";
  if (q.has("delete")) return "DeleteObjects";
  const marker = path.endsWith("/") ? " marker" : "";
  return `${r.method}${marker} ${r.status}`;
}

async function traced(title: string, a: string[]): Promise<void> {
  const counts = new Map<string, number>();
  const stop = s3.observe((r) => {
    counts.set(kind(r), (counts.get(kind(r)) ?? 0) + 1);
    if (Deno.env.get("TRACE") && !/PUT 200/.test(kind(r))) {
      console.log(`    ${r.method} ${r.url} ${r.status}`);
    }
  });
  const t0 = performance.now();
  const out = await new Deno.Command(Deno.execPath(), {
    args: ["run", "-A", "--no-check", MAIN, "-q", ...a],
    env: { ...s3.env, FERRY_NO_PROGRESS: "1", NO_COLOR: "1" },
    cwd: work,
    stdout: "piped",
    stderr: "piped",
  }).output();
  const s = (performance.now() - t0) / 1000;
  stop();
  if (!out.success) throw new Error(new TextDecoder().decode(out.stderr));
  const total = [...counts.values()].reduce((x, y) => x + y, 0);
  console.log(`${title}: ${total} requests, ${s.toFixed(2)} s`);
  for (const [k, n] of [...counts].sort()) console.log(`  ${k}: ${n}`);
}

const files = DIRS * FILES;
await traced(`${files} files in ${DIRS + 1} new directories up`, ["mirror", tree, "s3://test/t"]);
await traced("no-change re-run", ["mirror", tree, "s3://test/t"]);
await traced(`${MIB} MiB file up`, ["mirror", big, "s3://test/b"]);
await s3.stop();
await Deno.remove(work, { recursive: true });
