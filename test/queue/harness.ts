/**
 * What the cluster tests share: child processes whose every wait has a bounded
 * outcome (the awaited line, the process's exit, or a deadline, each with the
 * output so far), a Redis of the test's own on a free loopback port, `ferry`
 * processes, trees and their digests, and the comparison every queued run
 * must pass against an in-process run of the same workflow. Every process a
 * test starts is killed when its `await using` cluster goes out of scope
 * ({@link Cluster.cleanup}), so a failing test fails with the output that
 * explains it rather than hanging the suite.
 * @module
 */
import assert from "node:assert/strict";
import { dirname, join } from "node:path";
import { isTempName } from "../../endpoint/atomic.ts";
import { freePort } from "../peers/ports.ts";

const MAIN = new URL("../../cli/main.ts", import.meta.url).pathname;
/** The workflow's password (a test proves it never reaches Redis). */
export const SECRET = "queue-secret-0x5eed";
/** The longest any one wait may take (a loaded 2-core machine starting Deno processes). */
export const WAIT_MS = 120_000;

/** Resolves to `p`, or rejects with `message()` after `ms`; the timer never outlives it. */
export async function within<T>(p: Promise<T>, ms: number, message: () => string): Promise<T> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const late = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(message())), ms);
  });
  try {
    return await Promise.race([p, late]);
  } finally {
    clearTimeout(timer);
  }
}

/** A child process whose output is kept and can be waited on. */
export class Proc {
  text = "";
  exited = false;
  readonly child: Deno.ChildProcess;
  readonly #waiters: { re: RegExp; resolve: () => void }[] = [];
  readonly done: Promise<Deno.CommandStatus>;
  constructor(
    readonly label: string,
    cmd: string,
    args: string[],
    env: Record<string, string> = {},
    cwd?: string,
  ) {
    this.child = new Deno.Command(cmd, {
      args,
      env,
      cwd,
      stdout: "piped",
      stderr: "piped",
      stdin: "null",
    }).spawn();
    const read = async (s: ReadableStream<Uint8Array>) => {
      for await (const chunk of s.pipeThrough(new TextDecoderStream())) {
        this.text += chunk;
        for (const w of [...this.#waiters]) {
          if (w.re.test(this.text)) {
            this.#waiters.splice(this.#waiters.indexOf(w), 1);
            w.resolve();
          }
        }
      }
    };
    const reading = Promise.all([read(this.child.stdout), read(this.child.stderr)]);
    this.done = reading.then(() => this.child.status).finally(() => this.exited = true);
  }

  /** The output so far, for failure messages. */
  tail(n = 2000): string {
    return `--- ${this.label} output:\n${this.text.slice(-n)}`;
  }

  /**
   * Resolves when the output matches `re`; rejects when the process exits
   * first or after `ms`.
   */
  waitFor(re: RegExp, ms = WAIT_MS): Promise<void> {
    if (re.test(this.text)) return Promise.resolve();
    const seen = new Promise<void>((resolve) => this.#waiters.push({ re, resolve }));
    const gone = this.done.then((s) => {
      if (re.test(this.text)) return;
      throw new Error(`${this.label} exited (${s.code}) before printing ${re}\n${this.tail()}`);
    });
    return within(
      Promise.race([seen, gone]),
      ms,
      () => `${this.label}: no ${re} within ${ms} ms\n${this.tail()}`,
    );
  }

  /** Its exit status; after `ms` it is killed and the wait fails. */
  async exit(ms = WAIT_MS): Promise<Deno.CommandStatus> {
    try {
      return await within(this.done, ms, () => `${this.label} still running after ${ms} ms`);
    } catch (e) {
      this.kill("SIGKILL");
      throw new Error(`${e instanceof Error ? e.message : e}\n${this.tail()}`);
    }
  }

  /**
   * Waits for its exit (see {@link exit}) and asserts its exit code, with its output.
   *
   * @example
   * ```ts
   * await c.ferry(["run", "wf.yaml", "--queue", c.redis.url]).exitsWith(0);
   * ```
   */
  async exitsWith(code: number, ms = WAIT_MS): Promise<void> {
    assert.equal((await this.exit(ms)).code, code, this.tail());
  }

  kill(sig: Deno.Signal = "SIGTERM"): void {
    if (this.exited) return;
    try {
      this.child.kill(sig);
    } catch { /* gone already */ }
  }

  /** SIGTERM, then SIGKILL when it has not exited within `graceMs`; resolves on exit. */
  async stop(graceMs = 20_000): Promise<Deno.CommandStatus> {
    this.kill("SIGTERM");
    try {
      return await within(this.done, graceMs, () => "");
    } catch {
      this.kill("SIGKILL");
      return await this.done;
    }
  }
}

/**
 * A Redis of the test's own, on a free loopback port (another port if that one
 * is taken), or on `on` (a Redis started again where the last one was).
 */
export async function startRedis(
  dir: string,
  on?: number,
  extra: string[] = [],
): Promise<{ url: string; port: number; proc: Proc }> {
  let last: unknown;
  for (let attempt = 0; attempt < (on ? 1 : 4); attempt++) {
    const port = on ?? await freePort();
    const proc = new Proc(`redis-server :${port}`, "redis-server", [
      "--port",
      String(port),
      "--bind",
      "127.0.0.1",
      "--save",
      "",
      "--appendonly",
      "no",
      "--dir",
      dir,
      ...extra,
    ]);
    try {
      await proc.waitFor(/Ready to accept connections/, 30_000);
      return { url: `redis://127.0.0.1:${port}`, port, proc };
    } catch (e) {
      last = e; // port taken between freePort and bind: try another
      proc.kill("SIGKILL");
      await proc.done;
    }
  }
  throw last;
}

/** Makes `files` files of about `size` bytes in a few directories, some nested. */
export async function makeTree(root: string, files: number, size: number): Promise<void> {
  for (let i = 0; i < files; i++) {
    const dir = join(root, `d${i % 4}`, i % 3 === 0 ? "deep" : "");
    await Deno.mkdir(dir, { recursive: true });
    const bytes = new Uint8Array(size + i);
    for (let k = 0; k < bytes.length; k += 997) bytes[k] = (i * 31 + k) & 255;
    await Deno.writeFile(join(dir, `f${i}.bin`), bytes);
  }
}

/** Every file under `root` by relative path with its bytes' SHA-256 as hex. */
export async function snapshot(root: string, rel = ""): Promise<Record<string, string>> {
  const out: Record<string, string> = {};
  for await (const e of Deno.readDir(join(root, rel))) {
    const path = rel ? `${rel}/${e.name}` : e.name;
    if (e.isDirectory) Object.assign(out, await snapshot(root, path));
    else {
      const digest = await crypto.subtle.digest("SHA-256", await Deno.readFile(join(root, path)));
      out[path] = [...new Uint8Array(digest)].map((b) => b.toString(16)).join("");
    }
  }
  return out;
}

/** Keys and values of everything in a Redis, as text. */
export async function redisDump(url: string): Promise<string> {
  const port = new URL(url).port;
  const cli = (...args: string[]) =>
    new Deno.Command("redis-cli", { args: ["-p", port, ...args], stdout: "piped" })
      .output().then((o) => new TextDecoder().decode(o.stdout));
  const keys = (await cli("--scan")).split("\n").filter(Boolean);
  let text = keys.join("\n");
  for (const key of keys) {
    const type = (await cli("TYPE", key)).trim();
    const read = type === "string"
      ? ["GET", key]
      : type === "hash"
      ? ["HGETALL", key]
      : type === "list"
      ? ["LRANGE", key, "0", "-1"]
      : type === "set"
      ? ["SMEMBERS", key]
      : type === "zset"
      ? ["ZRANGE", key, "0", "-1", "WITHSCORES"]
      : type === "stream"
      ? ["XRANGE", key, "-", "+"]
      : undefined;
    if (read) text += await cli(...read);
  }
  return text;
}

/**
 * The `runs` queue's BullMQ event stream as one line per event
 * (`<stream id> event added jobId ...`), for failure messages.
 *
 * @example
 * ```ts
 * (await redisEvents(c.redis.url)).filter((e) => e.includes("repeat:fast#0:"));
 * ```
 */
export async function redisEvents(url: string, key = "ferry:runs:events"): Promise<string[]> {
  const out = await new Deno.Command("redis-cli", {
    args: ["-p", new URL(url).port, "XRANGE", key, "-", "+"],
    stdout: "piped",
  }).output();
  const events: string[] = [];
  for (const line of new TextDecoder().decode(out.stdout).split("\n").filter(Boolean)) {
    if (/^\d+-\d+$/.test(line)) events.push(line);
    else if (events.length > 0) events[events.length - 1] += ` ${line}`;
  }
  return events;
}

/** What `ferry run --json` prints, as far as these tests read it. */
export interface RunReport {
  jobs: { job: string; status: string; counts: Record<string, unknown> }[];
}

/**
 * The report of a `--json` run (whatever the process logged before it is skipped).
 *
 * @example
 * ```ts
 * assert.equal(jsonReport(again).jobs[0].counts.filesTransferred, 40);
 * ```
 */
export function jsonReport(p: Proc): RunReport {
  return JSON.parse(p.text.slice(p.text.indexOf("{")));
}

/**
 * Both runs of a workflow, one on the queue and one in-process, exit 0 and
 * report the same jobs with the same status and counts.
 *
 * @example
 * ```ts
 * const { queued, local } = c.runBoth("wf.yaml");
 * await assertSameRun(queued, local);
 * ```
 */
export async function assertSameRun(queued: Proc, local: Proc): Promise<void> {
  const [a, b] = await Promise.all([queued.exit(), local.exit()]);
  assert.equal(a.code, 0, queued.tail());
  assert.equal(b.code, 0, local.tail());
  const counts = (p: Proc) => jsonReport(p).jobs.map((j) => [j.job, j.status, j.counts]);
  assert.deepEqual(counts(queued), counts(local));
}

/**
 * Each tree in `copies` holds no temporary file and exactly the files of
 * `src`, byte for byte; returns `src`'s snapshot.
 *
 * @example
 * ```ts
 * await assertCopies(join(c.dir, "src"), join(c.dir, "dst"), join(c.dir, "local"));
 * ```
 */
export async function assertCopies(
  src: string,
  ...copies: string[]
): Promise<Record<string, string>> {
  const want = await snapshot(src);
  for (const copy of copies) {
    const got = await snapshot(copy);
    const temporary = Object.keys(got).filter((p) => p.split("/").some(isTempName));
    assert.deepEqual(temporary, [], `temporary files left in ${copy}`);
    assert.deepEqual(got, want, `${copy} is not a copy of ${src}`);
  }
  return want;
}

/** A temp dir, its Redis and every process a test starts there. */
export class Cluster implements AsyncDisposable {
  readonly procs: Proc[] = [];
  #workers = 0;
  private constructor(
    readonly dir: string,
    readonly redis: { url: string; port: number; proc: Proc },
  ) {}

  /** A temp dir and a Redis (see {@link startRedis}). */
  static async start(): Promise<Cluster> {
    const dir = await Deno.makeTempDir({ prefix: "ferry-queue-" });
    try {
      return new Cluster(dir, await startRedis(dir));
    } catch (e) {
      await Deno.remove(dir, { recursive: true });
      throw e;
    }
  }

  /** `ferry ARGS` in the test's dir (with the test env), kept for cleanup. */
  ferry(args: string[], env: Record<string, string> = {}, label = `ferry ${args[0]}`): Proc {
    const proc = new Proc(label, Deno.execPath(), ["run", "-A", "--no-check", MAIN, ...args], {
      QT_PW: SECRET,
      QT_DST: "./dst",
      FERRY_QUEUE_LOCK_MS: "2000",
      FERRY_NO_PROGRESS: "1",
      ...env,
    }, this.dir);
    this.procs.push(proc);
    return proc;
  }

  /** A `ferry worker` on this Redis, resolved once it takes tasks. */
  async worker(extra: string[] = [], env: Record<string, string> = {}): Promise<Proc> {
    const w = this.ferry(
      ["worker", "--queue", this.redis.url, ...extra],
      env,
      `worker ${++this.#workers}`,
    );
    await w.waitFor(/worker on/);
    return w;
  }

  /**
   * Writes `old` at `rel` under each of `dirs` (below the cluster's dir): a file a mirror deletes.
   *
   * @example
   * ```ts
   * await c.plant(["dst", "local"]);
   * ```
   */
  async plant(dirs: string[], rel = "old/gone.txt"): Promise<void> {
    for (const d of dirs) {
      await Deno.mkdir(dirname(join(this.dir, d, rel)), { recursive: true });
      await Deno.writeTextFile(join(this.dir, d, rel), "old");
    }
  }

  /**
   * `ferry run WORKFLOW --json ...args` twice: on this queue, and in-process
   * with QT_DST=./local (the envs add to or override that).
   *
   * @example
   * ```ts
   * const { queued, local } = c.runBoth("wf.yaml", { queuedEnv: { QT_DST: "q" } });
   * ```
   */
  runBoth(
    workflow: string,
    { args = [], queuedEnv = {}, localEnv = {} }: {
      args?: string[];
      queuedEnv?: Record<string, string>;
      localEnv?: Record<string, string>;
    } = {},
  ): { queued: Proc; local: Proc } {
    const run = ["run", workflow, "--json", ...args];
    const local = this.ferry(run, { QT_DST: "./local", ...localEnv }, "in-process");
    const queued = this.ferry([...run, "--queue", this.redis.url], queuedEnv);
    return { queued, local };
  }

  /**
   * Asserts the workflow's password ({@link SECRET}) is nowhere in Redis; returns the dump.
   *
   * @example
   * ```ts
   * const dump = await c.assertNoSecret();
   * ```
   */
  async assertNoSecret(): Promise<string> {
    const dump = await redisDump(this.redis.url);
    assert(!dump.includes(SECRET), "a secret reached Redis");
    return dump;
  }

  /**
   * Starts Redis again on its port, empty (no persistence, as the first one),
   * after the test stopped it; stopped at cleanup like the rest.
   *
   * @example
   * ```ts
   * c.redis.proc.kill("SIGKILL");
   * await c.redis.proc.exit();
   * await c.restartRedis();
   * ```
   */
  async restartRedis(): Promise<Proc> {
    const again = await startRedis(this.dir, this.redis.port);
    this.procs.push(again.proc);
    return again.proc;
  }

  /** Kills what is still running (SIGKILL), stops Redis, removes the dir. */
  async cleanup(): Promise<void> {
    for (const p of [...this.procs, this.redis.proc]) p.kill("SIGKILL");
    await within(
      Promise.all([...this.procs, this.redis.proc].map((p) => p.done)),
      30_000,
      () => "processes did not exit after SIGKILL",
    );
    await Deno.remove(this.dir, { recursive: true });
  }

  [Symbol.asyncDispose](): Promise<void> {
    return this.cleanup();
  }
}

/** Resolves when a file whose path matches `re` appears under `dir` (rejects after `ms`). */
export async function waitForFile(dir: string, re: RegExp, ms = WAIT_MS): Promise<void> {
  const watcher = Deno.watchFs(dir, { recursive: true });
  try {
    await within(
      (async () => {
        for await (const event of watcher) {
          if (event.kind === "create" && event.paths.some((p) => re.test(p))) return;
        }
      })(),
      ms,
      () => `no file matching ${re} appeared under ${dir} within ${ms} ms`,
    );
  } finally {
    watcher.close();
  }
}

/**
 * Resolves with the text of `file` once `ok(text)` holds (checked at start and
 * at every change in its directory); rejects after `ms`.
 */
export async function waitForText(
  file: string,
  ok: (text: string) => boolean,
  ms = WAIT_MS,
): Promise<string> {
  const read = () => Deno.readTextFile(file).catch(() => "");
  const watcher = Deno.watchFs(dirname(file));
  try {
    return await within(
      (async () => {
        let text = await read();
        if (ok(text)) return text;
        for await (const _ of watcher) {
          text = await read();
          if (ok(text)) return text;
        }
        throw new Error("watcher closed");
      })(),
      ms,
      () => `${file}: not as expected within ${ms} ms`,
    );
  } finally {
    watcher.close();
  }
}
