/**
 * `ferry schedule --queue` on two schedulers and a worker: each tick of a
 * workflow runs once in the cluster, a workflow never overlaps itself, and a
 * scheduler killed leaves the other keeping the ticks.
 * @module
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import { Queue } from "../../deps/bullmq.ts";
import { corePlugin } from "../../workflow/builtins.ts";
import { parseQueueUrl, QUEUE_PREFIX, RUNS_QUEUE } from "../../workflow/queue/connection.ts";
import { scheduleOnQueue } from "../../workflow/queue/schedule.ts";
import { Registry } from "../../workflow/registry.ts";
import { peerTest } from "../peers/skip.ts";
import tickPlugin from "./fixtures/tick_plugin.ts";
import {
  Cluster,
  makeTree,
  type Proc,
  redisDump,
  redisEvents,
  startRedis,
  WAIT_MS,
  waitForText,
  within,
} from "./harness.ts";

const PLUGIN = new URL("./fixtures/tick_plugin.ts", import.meta.url).pathname;

/** A workflow every second whose `tick` job takes `ms`; `fast` also mirrors (through the worker). */
function workflow(name: string, log: string, ms: number, mirror: boolean): string {
  return `version: 1
name: ${name}
schedule: "* * * * * *"
endpoints:
  src: { url: ./src }
  dst: { url: ./dst }
jobs:
  count: { tick: { file: ${JSON.stringify(log)}, ms: ${ms} } }
${mirror ? '  copy: { mirror: { from: "src:/", to: "dst:/" } }\n' : ""}`;
}

/** The lines of a tick log as [what, pid, ms]. */
function lines(text: string): [string, number, number][] {
  return text.split("\n").filter(Boolean).map((l) => {
    const [what, pid, ms] = l.split(" ");
    return [what, Number(pid), Number(ms)];
  });
}

const ends = (text: string) => lines(text).filter(([w]) => w === "end").length;

/** Ticks a scheduler's log says it took for `name`, as [kind, ISO time]. */
function ticks(p: Proc, name: string): string[][] {
  const re = new RegExp(
    `${name}: (?:run starting \\(tick (\\S+)\\)|previous run still going; ` +
      `the tick at (\\S+) is skipped)`,
    "g",
  );
  return [...p.text.matchAll(re)].map((m) => m[1] ? ["run", m[1]] : ["skip", m[2]]);
}

/**
 * Why a tick of `name` counts twice: for each tick taken more than once,
 * every line of each scheduler's log that names it (the schedulers run with
 * -v, so the BullMQ job each took, when it was made and how often it was
 * offered are there), and what Redis's event stream says of its job.
 */
async function twice(c: Cluster, procs: Proc[], name: string): Promise<string> {
  const times = procs.flatMap((p) => ticks(p, name).map(([, at]) => at));
  const dup = [...new Set(times.filter((t, i) => times.indexOf(t) !== i))];
  let out = `a tick of ${name} taken twice: ${dup.join(", ")} (all: ${times.join(",")})`;
  for (const at of dup) {
    for (const p of procs) {
      const mine = p.text.split("\n").filter((l) => l.includes(`${name}`) && l.includes(at));
      out += `\n--- ${p.label} on ${at}:\n${mine.join("\n") || "(nothing)"}`;
    }
    const id = `repeat:${name}#0:${Date.parse(at)}`;
    const events = (await redisEvents(c.redis.url)).filter((e) => e.includes(id));
    out += `\n--- events of ${id}:\n${events.join("\n")}`;
  }
  return out;
}

/**
 * Runs never overlap: each start is followed by its own end, except a run of
 * the killed scheduler (pid `killed`), cut off at `killedAt`.
 */
function assertNoOverlap(text: string, killed: number, killedAt: number): void {
  let open: [string, number, number] | undefined;
  for (const l of lines(text)) {
    const [what, pid, ms] = l;
    if (what === "start") {
      if (open) {
        assert(
          open[1] === killed && ms >= killedAt,
          `two runs at once: ${open.join(" ")} then ${l.join(" ")}\n${text}`,
        );
      }
      open = l;
    } else {
      assert(open && open[1] === pid, `an end without its start: ${l.join(" ")}\n${text}`);
      open = undefined;
    }
  }
}

peerTest(
  "queue: schedule on two schedulers: each tick runs once, no overlap, one killed and the other keeps the ticks",
  ["redis-server"],
  async () => {
    await using c = await Cluster.start();
    await makeTree(join(c.dir, "src"), 3, 1000);
    const fastLog = join(c.dir, "fast.log");
    const slowLog = join(c.dir, "slow.log");
    await Deno.writeTextFile(join(c.dir, "fast.yaml"), workflow("fast", fastLog, 50, true));
    await Deno.writeTextFile(join(c.dir, "slow.yaml"), workflow("slow", slowLog, 2500, false));
    // Workers load the workflow as written: they need its job kinds too.
    await c.worker(["--plugin", PLUGIN]);
    const args = [
      "schedule",
      "-v",
      "--queue",
      c.redis.url,
      "--plugin",
      PLUGIN,
      "fast.yaml",
      "slow.yaml",
    ];
    const [s1, s2] = [c.ferry(args, {}, "scheduler 1"), c.ferry(args, {}, "scheduler 2")];
    await Promise.all([s1, s2].map((s) => s.waitFor(/schedule on redis/)));

    await waitForText(fastLog, (t) => ends(t) >= 4);
    await waitForText(slowLog, (t) => ends(t) >= 1);
    s1.kill("SIGKILL");
    await s1.exit();
    const killedAt = Date.now();
    const before = ends(await Deno.readTextFile(fastLog));
    // The other scheduler keeps the ticks: more runs of both workflows.
    await waitForText(fastLog, (t) => ends(t) >= before + 4);
    await waitForText(
      slowLog,
      (t) => lines(t).some(([w, , ms]) => w === "start" && ms > killedAt),
    );
    const stopped = await s2.stop();
    assert.deepEqual(stopped.code, 0, s2.tail());

    for (const name of ["fast", "slow"]) {
      const times = [...ticks(s1, name), ...ticks(s2, name)].map(([, at]) => at);
      if (new Set(times).size !== times.length) assert.fail(await twice(c, [s1, s2], name));
      assert(ticks(s2, name).some(([kind]) => kind === "run"), `${name}: scheduler 2 ran it`);
    }
    // slow (2.5 s every second) had ticks to skip; it never overlapped itself.
    assert(
      [...ticks(s1, "slow"), ...ticks(s2, "slow")].some(([kind]) => kind === "skip"),
      "slow: no tick was skipped",
    );
    const pid1 = s1.child.pid;
    assertNoOverlap(await Deno.readTextFile(fastLog), pid1, killedAt);
    assertNoOverlap(await Deno.readTextFile(slowLog), pid1, killedAt);
    // Every run the schedulers logged ran its job once (the killed one may have been cut before it).
    const runs = [...ticks(s1, "fast"), ...ticks(s2, "fast")].filter(([k]) => k === "run").length;
    const starts = lines(await Deno.readTextFile(fastLog)).filter(([w]) => w === "start").length;
    assert(starts <= runs && starts >= runs - 1, `${starts} tick job(s) for ${runs} run(s)`);
  },
);

peerTest(
  "queue: schedule --list shows the queue's schedules, --remove retires a workflow's with their next tick",
  ["redis-server"],
  async () => {
    await using c = await Cluster.start();
    const wf = (name: string, schedule: string) =>
      `version: 1\nname: ${name}\nschedule: ${schedule}\nendpoints:\n  src: { url: ./src }\n` +
      `  dst: { url: ./dst }\njobs:\n  copy: { mirror: { from: "src:/", to: "dst:/" } }\n`;
    await Deno.mkdir(join(c.dir, "src"));
    await Deno.writeTextFile(join(c.dir, "n.yaml"), wf("nightly", '["0 3 * * *", "30 4 * * *"]'));
    await Deno.writeTextFile(join(c.dir, "n2.yaml"), wf("nightly-2", '"0 5 * * *"'));
    const s = c.ferry(["schedule", "--queue", c.redis.url, "n.yaml", "n2.yaml"]);
    await s.waitFor(/schedule on redis/);
    assert.equal((await s.stop()).code, 0, s.tail());

    const ferry = async (...args: string[]) => {
      const p = c.ferry(args, {}, `ferry ${args.join(" ")}`);
      return { code: (await p.exit()).code, p };
    };
    const list = await ferry("schedule", "--queue", c.redis.url, "--list");
    assert.equal(list.code, 0, list.p.tail());
    assert.match(list.p.text, /nightly#0\t0 3 \* \* \*\tnext \S+\t\S+n\.yaml/);
    assert.match(list.p.text, /nightly#1\t30 4 \* \* \*/);
    assert.match(list.p.text, /nightly-2#0\t0 5 \* \* \*/);

    // A file stands for its workflow; nightly-2 (same prefix) stays.
    const removed = await ferry("schedule", "--queue", c.redis.url, "--remove", "n.yaml");
    assert.equal(removed.code, 0, removed.p.tail());
    assert.match(removed.p.text, /removed nightly#0, nightly#1 from redis:/);
    const after = await ferry("schedule", "--queue", c.redis.url, "--list", "--json");
    assert.equal(after.code, 0, after.p.tail());
    const ids = JSON.parse(after.p.text.slice(after.p.text.indexOf("[")))
      .map((x: { id: string }) => x.id);
    assert.deepEqual(ids, ["nightly-2#0"]);
    const dump = await redisDump(c.redis.url);
    // Keys (the events stream still tells of the removal, as BullMQ's history).
    assert(!dump.includes("ferry:runs:repeat:nightly#"), `nightly's next tick is left: ${dump}`);
    assert(dump.includes("ferry:runs:repeat:nightly-2#0:"), "nightly-2's next tick is gone");

    const none = await ferry("schedule", "--queue", c.redis.url, "--remove", "nightly");
    assert.equal(none.code, 1, none.p.tail());
    assert.match(none.p.text, /no schedule of nightly on redis:/);
    const local = await ferry("schedule", "--list");
    assert.notEqual(local.code, 0, local.p.tail());
    assert.match(local.p.text, /give --queue/);
  },
);

/** What in-process schedulers heard: their ticks and reports. */
class Heard {
  readonly ticks: { type: string; tick: number }[] = [];
  readonly #waiters: (() => void)[] = [];
  reports = 0;

  push(event: { type: string; tick: number }): void {
    this.ticks.push(event);
    for (const w of this.#waiters.splice(0)) w();
  }

  /** Resolves once `n` ticks were heard and `runs` runs reported (fails after {@link WAIT_MS}). */
  count(n: number, runs = 0): Promise<void> {
    const heard = async () => {
      while (this.ticks.length < n || this.reports < runs) {
        await new Promise<void>((r) => this.#waiters.push(r));
      }
    };
    return within(heard(), WAIT_MS, () =>
      `${n} tick(s), ${runs} report(s) not heard: ` +
      `${JSON.stringify(this.ticks)}, ${this.reports} report(s)`);
  }

  report(): void {
    this.reports++;
    for (const w of this.#waiters.splice(0)) w();
  }
}

/**
 * A Redis of its own and `scheduleOnQueue` schedulers in this process, for
 * tests that drive BullMQ's jobs themselves (yearly ticks made due with
 * `promote`): nothing fires by itself, no wait depends on the clock.
 */
class InProcess implements AsyncDisposable {
  readonly heard = new Heard();
  readonly queue: Queue;
  readonly #stops: AbortController[] = [];
  readonly #running: Promise<void>[] = [];
  readonly #registry = new Registry().add(corePlugin).add(tickPlugin);
  private constructor(
    readonly dir: string,
    readonly redis: { url: string; port: number; proc: Proc },
  ) {
    this.queue = new Queue(RUNS_QUEUE, { connection: { port: redis.port }, prefix: QUEUE_PREFIX });
  }

  static async start(): Promise<InProcess> {
    const dir = await Deno.makeTempDir({ prefix: "ferry-tick-" });
    return new InProcess(dir, await startRedis(dir));
  }

  /** Writes a workflow `name` ticking yearly (its runs append to `tick.log`); returns its file. */
  async workflow(name: string): Promise<string> {
    const file = join(this.dir, `${name.replace(/\W/g, "_")}.yaml`);
    const log = JSON.stringify(join(this.dir, "tick.log"));
    await Deno.writeTextFile(
      file,
      `version: 1\nname: ${JSON.stringify(name)}\nschedule: "0 0 1 1 *"\n` +
        `endpoints:\n  here: { url: ./ }\njobs:\n  count: { tick: { file: ${log}, ms: 0 } }\n`,
    );
    return file;
  }

  /** Starts a scheduler of `files`; resolves once its schedules are on the queue. */
  scheduler(files: string[]): Promise<void> {
    const stop = new AbortController();
    this.#stops.push(stop);
    const started = Promise.withResolvers<void>();
    this.#running.push(scheduleOnQueue(files, {
      target: parseQueueUrl(this.redis.url),
      url: this.redis.url,
      load: { registry: this.#registry },
      signal: stop.signal,
      onTick: (e) => this.heard.push(e),
      onReport: () => this.heard.report(),
      onStarted: () => started.resolve(),
    }));
    return started.promise;
  }

  /** Makes scheduler `id`'s next tick due now; returns the tick. */
  async due(id: string): Promise<number> {
    const next = (await this.queue.getJobScheduler(id))?.next;
    const job = next && await this.queue.getJob(`repeat:${id}:${next}`);
    assert(job && next, `no next job of ${id} (next ${next})`);
    await job.promote();
    return next;
  }

  /** The runs' starts in `tick.log`. */
  async starts(): Promise<number> {
    const text = await Deno.readTextFile(join(this.dir, "tick.log")).catch(() => "");
    return lines(text).filter(([w]) => w === "start").length;
  }

  async [Symbol.asyncDispose](): Promise<void> {
    for (const s of this.#stops) s.abort();
    await Promise.allSettled(this.#running);
    await this.queue.close();
    this.redis.proc.kill("SIGKILL");
    await this.redis.proc.done;
    await Deno.remove(this.dir, { recursive: true });
  }
}

peerTest(
  "queue: schedule: a tick whose job BullMQ makes again (a scheduler upserting late) is dropped, not run again",
  ["redis-server"],
  async () => {
    await using p = await InProcess.start();
    const file = await p.workflow("yearly");
    // Scheduler 1 takes the tick (made due now).
    await p.scheduler([file]);
    const tick = await p.due("yearly#0");
    await p.heard.count(1, 1);
    assert.deepEqual(p.heard.ticks, [{ type: "run", name: "yearly", tick }]);
    // Scheduler 2 starts: its upsert computes the same next tick, and BullMQ
    // replaces the scheduler's next job with that tick's again (as when an
    // upsert lands just after another process took the tick it computed).
    await p.scheduler([file]);
    assert.equal(await p.due("yearly#0"), tick, "BullMQ no longer makes a taken tick's job again");
    await p.heard.count(2);
    assert.deepEqual(p.heard.ticks[1], { type: "drop", name: "yearly", tick });
    assert.equal(await p.starts(), 1, "the tick ran more than once");
  },
);

peerTest(
  "queue: schedule: a workflow's schedulers leave another's whose name starts the same alone",
  ["redis-server"],
  async () => {
    await using p = await InProcess.start();
    await p.scheduler([await p.workflow("night#ly")]);
    await p.scheduler([await p.workflow("night")]);
    const ids = (await p.queue.getJobSchedulers()).map((s) => s.key ?? s.id).sort();
    assert.deepEqual(ids, ["night#0", "night#ly#0"]);
  },
);
