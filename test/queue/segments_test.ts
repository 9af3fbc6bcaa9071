/**
 * Large files by segment over the queue: segment tasks on several worker
 * processes write at their offsets into one partial, the file's final task
 * renames it. The source (fixtures/ranged_plugin.ts) is a local directory
 * that reads ranges like a far server and can hold every read after its first
 * bytes until the test opens a gate: that is how segments are pinned to
 * different workers and how a worker is killed mid-segment, without a sleep.
 * @module
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import { QueueEvents } from "../../deps/bullmq.ts";
import { planSegments } from "../../sync/segments.ts";
import { startPyftpdlib } from "../peers/pyftpdlib.ts";
import { peerTest } from "../peers/skip.ts";
import {
  assertCopies,
  assertSameRun,
  Cluster,
  jsonReport,
  makeTree,
  type Proc,
  SECRET,
  within,
} from "./harness.ts";

const PLUGIN = new URL("./fixtures/ranged_plugin.ts", import.meta.url).pathname;
const BIG = "big/huge.bin";
const BIG_SIZE = 6 * 1024 * 1024 + 123;
const PAUSE_AFTER = 64 * 1024;

const workflow = (dir: string) =>
  `version: 1
name: qseg
endpoints:
  src:
    url: ranged://any${dir}/src
    auth: { method: password, user: bob, passwordEnv: QT_PW }
  dst: { url: "\${env:QT_DST}" }
jobs:
  copy: { segments: 4, mirror: { from: "src:/", to: "dst:/", delete: true } }
`;

/** A cluster with a tree, one large file of bytes that are never zero, and the workflow. */
async function setup(): Promise<Cluster> {
  const c = await Cluster.start();
  await makeTree(join(c.dir, "src"), 12, 5000);
  const bytes = new Uint8Array(BIG_SIZE);
  for (let k = 0; k < bytes.length; k++) bytes[k] = 1 + ((k * 7 + (k >> 12)) % 251);
  await Deno.mkdir(join(c.dir, "src/big"), { recursive: true });
  await Deno.writeFile(join(c.dir, "src", BIG), bytes);
  await Deno.writeTextFile(join(c.dir, "wf.yaml"), workflow(c.dir));
  await c.plant(["dst", "local"]);
  return c;
}

/** Workers that hold each read after its first bytes until `gate` exists. */
function gated(c: Cluster, n: number): Promise<Proc[]> {
  const env = {
    FERRY_TEST_GATE: join(c.dir, "gate"),
    FERRY_TEST_PAUSE_AFTER: String(PAUSE_AFTER),
    FERRY_TEST_READ_LOG: join(c.dir, "reads.log"),
  };
  return Promise.all(
    Array.from({ length: n }, () => c.worker(["--plugin", PLUGIN, "--concurrency", "1"], env)),
  );
}

/** Files from 1 MiB go by segment on the queue. */
const SEGMENTED = { FERRY_QUEUE_SEGMENT_THRESHOLD: String(1024 * 1024) };

/** The coordinator and an in-process run of the same workflow. */
function runs(c: Cluster): { queued: Proc; local: Proc } {
  return c.runBoth("wf.yaml", {
    args: ["--plugin", PLUGIN],
    queuedEnv: SEGMENTED,
    localEnv: { FERRY_TEST_GATE: join(c.dir, "gate") },
  });
}

/** Both runs succeeded with the same counts, both trees equal the source, nothing temporary left. */
async function assertIdentical(c: Cluster, queued: Proc, local: Proc): Promise<void> {
  await assertSameRun(queued, local);
  await assertCopies(join(c.dir, "src"), join(c.dir, "dst"), join(c.dir, "local"));
}

const SEGMENT_TASK = /task (\S+\.f\d+s(\d+)) /;
const SEGMENT_TASKS = new RegExp(SEGMENT_TASK.source, "g");

peerTest(
  "queue: a large file's segments run on different workers into one partial, as an in-process run",
  ["redis-server"],
  async () => {
    await using c = await setup();
    const workers = await gated(c, 3);
    const { queued, local } = runs(c);
    // Each worker (one task at a time) holds a segment at the gate: three at once.
    await Promise.all(workers.map((w) => w.waitFor(SEGMENT_TASK)));
    await Deno.writeTextFile(join(c.dir, "gate"), "");
    await assertIdentical(c, queued, local);
    const readers = new Set(
      (await Deno.readTextFile(join(c.dir, "reads.log"))).split("\n")
        .filter((l) => l.includes(` ${BIG} `)).map((l) => l.split(" ")[1]),
    );
    assert(readers.size >= 3, `segments read by ${readers.size} process(es)`);
    await c.assertNoSecret();
  },
);

peerTest(
  "queue: a worker SIGKILLed mid-segment; another continues that segment from the bytes Redis confirms",
  ["redis-server"],
  async () => {
    await using c = await setup();
    const events = new QueueEvents("tasks", {
      connection: { host: "127.0.0.1", port: c.redis.port, maxRetriesPerRequest: null },
      prefix: "ferry",
    });
    try {
      await events.waitUntilReady();
      // The first segment task that confirms bytes in Redis (its reads are held at the gate).
      const confirmed = new Promise<{ id: string; done: number }>((resolve) => {
        events.on("progress", ({ jobId, data }) => {
          const done = (data as { done?: number } | null)?.done;
          if (/\.f\d+s\d+$/.test(jobId) && typeof done === "number" && done > 0) {
            resolve({ id: jobId, done });
          }
        });
      });
      const workers = await gated(c, 3);
      const { queued, local } = runs(c);
      const { id, done } = await within(
        confirmed,
        120_000,
        () => `no segment progress\n${queued.tail()}`,
      );
      const holder = workers.find((w) => w.text.includes(`task ${id} `));
      assert(holder, `no worker says it took ${id}`);
      const killed = holder.child.pid;
      holder.kill("SIGKILL");
      await holder.exit();
      await Deno.writeTextFile(join(c.dir, "gate"), "");
      await assertIdentical(c, queued, local);

      const index = Number(id.slice(id.lastIndexOf("s") + 1));
      const seg = planSegments(BIG_SIZE, 4).segments[index];
      const continued = (await Deno.readTextFile(join(c.dir, "reads.log"))).split("\n")
        .map((l) => l.split(" "))
        .filter(([, pid, path]) => path === BIG && Number(pid) !== killed)
        .map(([, , , offset]) => Number(offset))
        .filter((o) => o > seg.start && o < seg.end);
      assert.deepEqual(
        continued.length > 0 && continued.every((o) => o >= seg.start + done),
        true,
        `segment ${index} [${seg.start}, ${seg.end}) confirmed ${done}; reads by others at ${continued}`,
      );
      assert(
        workers.some((w) => w !== holder && /continuing the segment at/.test(w.text)),
        workers.map((w) => w.tail(600)).join("\n"),
      );
      await c.assertNoSecret();
    } finally {
      await events.close();
    }
  },
);

peerTest(
  "queue: a large file from pyftpdlib by segment (REST + RETR per task) as an in-process run",
  ["redis-server", "pyftpdlib"],
  async () => {
    await using c = await Cluster.start();
    await using ftp = await startPyftpdlib({ password: SECRET });
    await makeTree(join(ftp.root, "pub"), 6, 2000);
    const bytes = new Uint8Array(3 * 1024 * 1024 + 7);
    for (let k = 0; k < bytes.length; k++) bytes[k] = 1 + ((k * 13 + (k >> 10)) % 253);
    await Deno.writeFile(join(ftp.root, "pub/large.bin"), bytes);
    // A near server gets segments only when asked: `segments: 3`.
    await Deno.writeTextFile(
      join(c.dir, "ftp.yaml"),
      `version: 1
name: qsegftp
endpoints:
  ftp:
    url: ftp://127.0.0.1:${ftp.port}/pub
    auth: { method: password, user: ${ftp.user}, passwordEnv: QT_PW }
  dst: { url: "\${env:QT_DST}" }
jobs:
  down: { segments: 3, mirror: { from: "ftp:/", to: "dst:/" } }
`,
    );
    const workers = await Promise.all([0, 1].map(() => c.worker()));
    const { queued, local } = c.runBoth("ftp.yaml", { queuedEnv: SEGMENTED });
    await assertSameRun(queued, local);
    await assertCopies(join(ftp.root, "pub"), join(c.dir, "dst"), join(c.dir, "local"));
    const segments = workers.flatMap((w) => [...w.text.matchAll(/task \S+\.f\d+s(\d+) /g)])
      .map((m) => m[1]).sort();
    assert.deepEqual(segments, ["0", "1", "2"]);
    const st = await Deno.stat(join(c.dir, "dst/large.bin"));
    const want = await Deno.stat(join(ftp.root, "pub/large.bin"));
    assert.equal(
      Math.floor(st.mtime!.getTime() / 1000),
      Math.floor(want.mtime!.getTime() / 1000),
      "the mtime (MDTM's, exact to the second)",
    );
    await c.assertNoSecret();
  },
);

peerTest(
  "queue: a coordinator killed while segments run, started again, keeps their plan and finishes",
  ["redis-server"],
  async () => {
    await using c = await setup();
    const workers = await gated(c, 2);
    const args = ["run", "wf.yaml", "--json", "--plugin", PLUGIN, "--queue", c.redis.url];
    const first = c.ferry(args, SEGMENTED, "coordinator 1");
    await Promise.all(workers.map((w) => w.waitFor(SEGMENT_TASK)));
    first.kill("SIGKILL");
    await first.exit();
    // Started again: the same plan (its partial and record are not started over), then done.
    const again = c.ferry(args, SEGMENTED, "coordinator 2");
    await again.waitFor(/found its tasks/);
    await Deno.writeTextFile(join(c.dir, "gate"), "");
    await again.exitsWith(0);
    await assertCopies(join(c.dir, "src"), join(c.dir, "dst"));
    assert.equal(jsonReport(again).jobs[0].counts.filesTransferred, 13);
    // Each segment ran once: none was sent again as a new task.
    const taken = workers.flatMap((w) => [...w.text.matchAll(SEGMENT_TASKS)].map((m) => m[1]));
    assert.equal(new Set(taken).size, 4, taken.join(" "));
  },
);
