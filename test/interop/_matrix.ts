/**
 * Shared pieces of the interop matrix: trees to copy, the real `ferry` CLI run
 * against a peer, and the checks every cell makes afterwards (byte-identical
 * trees, no `*.ferry.part` left behind, the run's own report).
 * @module
 */
import assert from "node:assert/strict";
import { createHash, randomFillSync } from "node:crypto";
import { type CliResult, spawnFerry } from "../cli/helpers.ts";
import { chownForVsftpd } from "../peers/vsftpd_user.ts";

/** Relative path -> content. */
export type TreeSpec = Record<string, Uint8Array>;

/** Deterministic pseudo-random bytes (so a failing run can be repeated). */
export function bytes(n: number, seed: number): Uint8Array {
  const out = new Uint8Array(n);
  let x = (seed * 2654435761) >>> 0 || 1;
  for (let i = 0; i < n; i++) {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    out[i] = x & 255;
  }
  return out;
}

/** `n` random bytes, fast enough for 64 MiB (no two MiB alike, so a wrong offset shows). */
export function randomBytes(n: number): Uint8Array {
  return randomFillSync(new Uint8Array(n));
}

/**
 * A small tree: `count` files of 0 B..~150 KiB over a few nested directories,
 * one name with a space. `tag` changes every content (two trees that differ).
 */
export function smallTree(count: number, tag = 0): TreeSpec {
  const tree: TreeSpec = {};
  const dirs = ["", "a/", "a/b/", "c/", "c d/"];
  for (let i = 0; i < count; i++) {
    const size = i === 0 ? 0 : (i * 7919 + tag * 131) % 150_000;
    tree[`${dirs[i % dirs.length]}f${String(i).padStart(3, "0")}.bin`] = bytes(
      size,
      i + tag * 1000,
    );
  }
  return tree;
}

/** Writes `tree` under `dir` (parents made); `mtimeSec` sets every file's mtime. */
export async function writeTree(dir: string, tree: TreeSpec, mtimeSec?: number): Promise<void> {
  for (const [path, content] of Object.entries(tree)) {
    const full = `${dir}/${path}`;
    await Deno.mkdir(full.slice(0, full.lastIndexOf("/")), { recursive: true });
    await Deno.writeFile(full, content);
    if (mtimeSec !== undefined) await Deno.utime(full, mtimeSec, mtimeSec);
  }
}

/** Seeds a server's root with `tree`, owned by the account the FTP servers run sessions as. */
export async function seedServer(root: string, tree: TreeSpec, mtimeSec?: number): Promise<void> {
  await writeTree(root, tree, mtimeSec);
  await chownForVsftpd(root);
}

/** Every file under `dir` (relative path -> sha256 and size); `.ferry` state dirs left out. */
export async function readTree(dir: string): Promise<Map<string, string>> {
  const out = new Map<string, string>();
  const walk = async (rel: string) => {
    for await (const entry of Deno.readDir(rel ? `${dir}/${rel}` : dir)) {
      const path = rel ? `${rel}/${entry.name}` : entry.name;
      if (entry.isDirectory) {
        if (entry.name !== ".ferry") await walk(path);
      } else {
        const content = await Deno.readFile(`${dir}/${path}`);
        out.set(path, `${content.length}:${createHash("sha256").update(content).digest("hex")}`);
      }
    }
  };
  await walk("");
  return out;
}

/** Asserts `dir` holds exactly `tree`'s files with exactly its bytes. */
export async function assertTree(dir: string, tree: TreeSpec, what: string): Promise<void> {
  const expected = new Map(
    Object.entries(tree).map(([path, content]) => [
      path,
      `${content.length}:${createHash("sha256").update(content).digest("hex")}`,
    ]),
  );
  assertSameFiles(await readTree(dir), expected, what);
}

/** Asserts two directories hold the same files with the same bytes. */
export async function assertSameTrees(a: string, b: string, what: string): Promise<void> {
  assertSameFiles(await readTree(a), await readTree(b), what);
}

function assertSameFiles(
  actual: Map<string, string>,
  expected: Map<string, string>,
  what: string,
): void {
  const names = (m: Map<string, string>) => [...m.keys()].sort();
  assert.deepEqual(names(actual), names(expected), `${what}: file names`);
  const differ = names(expected).filter((p) => actual.get(p) !== expected.get(p))
    .map((p) =>
      `${p}: have ${actual.get(p)?.split(":")[0]} B, want ${expected.get(p)?.split(":")[0]} B`
    );
  assert.deepEqual(differ, [], `${what}: contents differ`);
}

/** Asserts no `*.ferry.part` file (an upload or download left half done) is anywhere under `dir`. */
export async function assertNoPartials(dir: string, what: string): Promise<void> {
  const left = [...(await readTree(dir)).keys()].filter((p) => p.includes(".ferry.part"));
  assert.deepEqual(left, [], `${what}: partial files left behind`);
}

/** What the CLI's `--json` report says about the one job of a one-off command. */
export interface JobOutcome {
  result: CliResult;
  status: string;
  transferred: number;
  failed: number;
  deleted: number;
  resumed: number;
  /** Error messages of the run, for assertion messages. */
  errors: string[];
}

/**
 * Runs `ferry ARGS --json` (the password in $FERRY_TEST_PW) and reads its report.
 *
 * @example
 * ```ts
 * const run = await ferryJson(["mirror", local, url, "--delete"], { password: peer.password });
 * assert.equal(run.result.code, 0, explain(run));
 * ```
 */
export async function ferryJson(
  args: string[],
  options: { password?: string; cwd?: string; deadlineMs?: number } = {},
): Promise<JobOutcome> {
  const result = await runBounded(
    spawnFerry([...args, "--json"], {
      cwd: options.cwd,
      env: options.password ? { FERRY_TEST_PW: options.password } : {},
    }),
    options.deadlineMs ?? 90_000,
  );
  let report: Record<string, unknown> = {};
  try {
    report = JSON.parse(result.stdout);
  } catch {
    // No report (a usage error): the code and stderr say why.
  }
  const job = ((report.jobs as Record<string, unknown>[] | undefined) ?? [])[0] ?? {};
  const details = (job.details ?? {}) as Record<string, unknown>;
  const files = (details.files ?? {}) as Record<string, number>;
  const errors = [
    ...((job.errors as unknown[] | undefined) ?? []),
    ...((details.errors as unknown[] | undefined) ?? []),
  ].map((e) => typeof e === "string" ? e : JSON.stringify(e));
  return {
    result,
    status: String(report.status ?? "no report"),
    transferred: files.transferred ?? 0,
    failed: files.failed ?? 0,
    deleted: files.deleted ?? 0,
    resumed: Number(details.resumed ?? 0),
    errors,
  };
}

/**
 * Waits for a ferry child; one still running after `deadlineMs` (a hung transfer)
 * is killed and reported as exit code 124 with "did not finish" in stderr, so a
 * stuck cell fails instead of stalling the suite.
 */
async function runBounded(child: Deno.ChildProcess, deadlineMs: number): Promise<CliResult> {
  let hung = false;
  const timer = setTimeout(() => {
    hung = true;
    child.kill("SIGKILL");
  }, deadlineMs);
  try {
    const out = await child.output();
    const dec = new TextDecoder();
    const stderr = dec.decode(out.stderr) +
      (hung ? `\nferry did not finish within ${deadlineMs} ms (killed)` : "");
    return { code: hung ? 124 : out.code, stdout: dec.decode(out.stdout), stderr };
  } finally {
    clearTimeout(timer);
  }
}

/** A failure message with what the run printed (stderr tail and its errors). */
export function explain(run: JobOutcome, log?: () => string): string {
  const tail = (s: string, n: number) => s.length > n ? `...${s.slice(-n)}` : s;
  return [
    `ferry exited ${run.result.code}, status ${run.status}, ` +
    `transferred ${run.transferred}, failed ${run.failed}, resumed ${run.resumed}`,
    ...run.errors.slice(0, 5),
    `--- stderr ---\n${tail(run.result.stderr, 3000)}`,
    ...(log ? [`--- server ---\n${tail(log(), 3000)}`] : []),
  ].join("\n");
}

/**
 * Runs `fn` with a fresh temp directory, removed afterwards.
 *
 * @example
 * ```ts
 * await withTempDir(async (dir) => { await writeTree(dir, smallTree(10)); });
 * ```
 */
export async function withTempDir<T>(fn: (dir: string) => Promise<T>): Promise<T> {
  const dir = await Deno.makeTempDir({ prefix: "ferry-interop-" });
  try {
    return await fn(dir);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
}

/** Writes the CA PEM to `dir/ca.pem` for `--ca` and returns the path. */
export async function caFile(dir: string, pem: string): Promise<string> {
  await Deno.writeTextFile(`${dir}/ca.pem`, pem);
  return `${dir}/ca.pem`;
}
