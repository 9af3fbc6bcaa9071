/**
 * Cluster mode end to end: a Redis of the test's own on a free loopback port,
 * `ferry worker` processes and a `ferry run --queue` coordinator, against an
 * in-process run of the same workflow.
 * @module
 */
import assert from "node:assert/strict";
import { freePort } from "../peers/ports.ts";
import { peerTest } from "../peers/skip.ts";
import { join } from "node:path";

const MAIN = new URL("../../cli/main.ts", import.meta.url).pathname;
const SECRET = "queue-secret-0x5eed";

/** A child process whose output is kept and can be waited on. */
class Proc {
  text = "";
  readonly child: Deno.ChildProcess;
  readonly #waiters: { re: RegExp; resolve: () => void }[] = [];
  readonly done: Promise<Deno.CommandStatus>;
  constructor(cmd: string, args: string[], env: Record<string, string> = {}, cwd?: string) {
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
    this.done = reading.then(() => this.child.status);
  }
  waitFor(re: RegExp): Promise<void> {
    if (re.test(this.text)) return Promise.resolve();
    return new Promise((resolve) => this.#waiters.push({ re, resolve }));
  }
  kill(sig: Deno.Signal = "SIGTERM"): void {
    try {
      this.child.kill(sig);
    } catch { /* gone already */ }
  }
}

async function startRedis(dir: string): Promise<{ url: string; port: number; proc: Proc }> {
  const port = await freePort();
  const proc = new Proc("redis-server", [
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
  ]);
  await proc.waitFor(/Ready to accept connections/);
  return { url: `redis://127.0.0.1:${port}`, port, proc };
}

function ferry(args: string[], cwd: string, env: Record<string, string> = {}): Proc {
  return new Proc(Deno.execPath(), ["run", "-A", "--no-check", MAIN, ...args], {
    QT_PW: SECRET,
    QT_DST: "./dst",
    FERRY_QUEUE_LOCK_MS: "2000",
    FERRY_NO_PROGRESS: "1",
    ...env,
  }, cwd);
}

async function makeTree(root: string, files: number, size: number): Promise<void> {
  for (let i = 0; i < files; i++) {
    const dir = join(root, `d${i % 4}`, i % 3 === 0 ? "deep" : "");
    await Deno.mkdir(dir, { recursive: true });
    const bytes = new Uint8Array(size + i);
    for (let k = 0; k < bytes.length; k += 997) bytes[k] = (i * 31 + k) & 255;
    await Deno.writeFile(join(dir, `f${i}.bin`), bytes);
  }
}

/** Every file under `root` by relative path with its bytes as hex digest. */
async function snapshot(root: string, rel = ""): Promise<Record<string, string>> {
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

const WORKFLOW = `version: 1
name: qtest
endpoints:
  src: { url: ./src, auth: { method: password, user: bob, passwordEnv: QT_PW } }
  dst: { url: "\${env:QT_DST}" }
jobs:
  copy: { mirror: { from: "src:/", to: "dst:/", delete: true } }
`;

async function setup(files: number, size: number) {
  const dir = await Deno.makeTempDir({ prefix: "ferry-queue-" });
  await makeTree(join(dir, "src"), files, size);
  await Deno.writeTextFile(join(dir, "wf.yaml"), WORKFLOW);
  // Extraneous files on the target: deleted only after every copy.
  await Deno.mkdir(join(dir, "dst/old"), { recursive: true });
  await Deno.writeTextFile(join(dir, "dst/old/gone.txt"), "old");
  const redis = await startRedis(dir);
  return { dir, redis };
}

async function redisDump(url: string): Promise<string> {
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

peerTest(
  "queue: 3 workers + coordinator mirror a tree exactly as an in-process run; no secret in Redis",
  ["redis-server"],
  async () => {
    const { dir, redis } = await setup(60, 20_000);
    const workers = [0, 1, 2].map(() => ferry(["worker", "--queue", redis.url], dir));
    try {
      await Promise.all(workers.map((w) => w.waitFor(/worker on/)));
      const local = ferry(["run", "wf.yaml", "--json"], dir, { QT_DST: "./local" });
      await Deno.mkdir(join(dir, "local/old"), { recursive: true });
      await Deno.writeTextFile(join(dir, "local/old/gone.txt"), "old");
      const queued = ferry(["run", "wf.yaml", "--json", "--queue", redis.url], dir, {
        QT_DST: "./dst",
      });
      const [a, b] = await Promise.all([local.done, queued.done]);
      assert.deepEqual(b.code, 0, queued.text);
      assert.deepEqual(a.code, 0, local.text);
      const src = await snapshot(join(dir, "src"));
      assert.deepEqual(await snapshot(join(dir, "dst")), src);
      assert.deepEqual(await snapshot(join(dir, "local")), src);
      const counts = (p: Proc) => {
        const report = JSON.parse(p.text.slice(p.text.indexOf("{")));
        return report.jobs.map((j: { status: string; counts: unknown }) => [j.status, j.counts]);
      };
      assert.deepEqual(counts(queued), counts(local));
      assert(workers.some((w) => /task /.test(w.text)));
      const dump = await redisDump(redis.url);
      assert(
        dump.includes("passwordEnv"),
        `the tasks name the auth reference: ${dump.slice(0, 600)}`,
      );
      assert(!dump.includes(SECRET), "a secret reached Redis");
    } finally {
      for (const w of workers) w.kill();
      await Promise.all(workers.map((w) => w.done));
      redis.proc.kill();
      await redis.proc.done;
      await Deno.remove(dir, { recursive: true });
    }
  },
);

peerTest(
  "queue: a worker SIGKILLed mid-task, another takes the task and the job completes identically",
  ["redis-server"],
  async () => {
    const { dir, redis } = await setup(40, 2_000_000);
    const first = ferry(["worker", "--queue", redis.url], dir);
    const others: Proc[] = [];
    try {
      await first.waitFor(/worker on/);
      const queued = ferry(["run", "wf.yaml", "--queue", redis.url, "-q"], dir, {
        QT_DST: "./dst",
      });
      await first.waitFor(/task \S+\.1\.c0/);
      first.kill("SIGKILL");
      await first.done;
      others.push(ferry(["worker", "--queue", redis.url], dir));
      others.push(ferry(["worker", "--queue", redis.url], dir));
      const status = await queued.done;
      assert.deepEqual(status.code, 0, queued.text);
      assert.deepEqual(await snapshot(join(dir, "dst")), await snapshot(join(dir, "src")));
    } finally {
      first.kill("SIGKILL");
      for (const w of others) w.kill();
      await Promise.all(others.map((w) => w.done));
      redis.proc.kill();
      await redis.proc.done;
      await Deno.remove(dir, { recursive: true });
    }
  },
);

peerTest(
  "queue: a coordinator killed and started again finds its run and reports it",
  ["redis-server"],
  async () => {
    const { dir, redis } = await setup(40, 2_000_000);
    const worker = ferry(["worker", "--queue", redis.url], dir);
    try {
      await worker.waitFor(/worker on/);
      const env = { QT_DST: "./dst" };
      const first = ferry(["run", "wf.yaml", "--queue", redis.url, "-q"], dir, env);
      await worker.waitFor(/task \S+\.1\.c0/);
      first.kill("SIGKILL");
      await first.done;
      const again = ferry(["run", "wf.yaml", "--queue", redis.url, "--json"], dir, env);
      const status = await again.done;
      assert.deepEqual(status.code, 0, again.text);
      assert(/found its tasks/.test(again.text), again.text);
      const report = JSON.parse(again.text.slice(again.text.indexOf("{")));
      assert.deepEqual(report.jobs[0].counts.filesTransferred, 40);
      assert.deepEqual(await snapshot(join(dir, "dst")), await snapshot(join(dir, "src")));
    } finally {
      worker.kill();
      await worker.done;
      redis.proc.kill();
      await redis.proc.done;
      await Deno.remove(dir, { recursive: true });
    }
  },
);

peerTest(
  "queue: Redis stopped mid-run: a clear error, no partial file under a real name",
  ["redis-server"],
  async () => {
    const { dir, redis } = await setup(40, 2_000_000);
    const worker = ferry(["worker", "--queue", redis.url], dir);
    try {
      await worker.waitFor(/worker on/);
      const run = ferry(["run", "wf.yaml", "--queue", redis.url, "-q"], dir, {
        QT_DST: "./dst",
        FERRY_QUEUE_UNAVAILABLE_MS: "2000",
      });
      await worker.waitFor(/task \S+\.1\.c0/);
      redis.proc.kill("SIGKILL");
      await redis.proc.done;
      const status = await run.done;
      assert(status.code !== 0, run.text);
      assert(/queue at redis:\/\/127\.0\.0\.1:\d+\/0 is unreachable/.test(run.text), run.text);
      worker.kill();
      await worker.done;
      const src = await snapshot(join(dir, "src"));
      for (const [path, digest] of Object.entries(await snapshot(join(dir, "dst")))) {
        if (path.endsWith(".ferry.part") || path === "old/gone.txt") continue;
        assert.deepEqual(digest, src[path], `${path} is under its real name but not whole`);
      }
    } finally {
      worker.kill();
      await worker.done;
      redis.proc.kill();
      await redis.proc.done;
      await Deno.remove(dir, { recursive: true });
    }
  },
);
