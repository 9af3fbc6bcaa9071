/**
 * Redis restarted mid-run, on the same port: the coordinator says it lost
 * the queue (host:port) and, when Redis comes back empty (no persistence),
 * that the run's tasks went with it, and ends; it never waits forever on
 * tasks that no longer exist. The source (fixtures/ranged_plugin.ts) holds
 * each read after its first bytes until the test opens a gate, so the restart
 * falls inside a task, without a sleep.
 * @module
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import { isTempName } from "../../endpoint/atomic.ts";
import { peerTest } from "../peers/skip.ts";
import { Cluster, makeTree, snapshot, waitForText } from "./harness.ts";

const PLUGIN = new URL("./fixtures/ranged_plugin.ts", import.meta.url).pathname;

peerTest(
  "queue: Redis restarted empty mid-run: the coordinator says so and exits 1, no hang, no half file",
  ["redis-server"],
  async () => {
    await using c = await Cluster.start();
    await makeTree(join(c.dir, "src"), 8, 300_000);
    await Deno.writeTextFile(
      join(c.dir, "wf.yaml"),
      `version: 1
name: qrestart
endpoints:
  src: { url: "ranged://any${c.dir}/src" }
  dst: { url: ./dst }
jobs:
  copy: { mirror: { from: "src:/", to: "dst:/" } }
`,
    );
    const gate = join(c.dir, "gate");
    const reads = join(c.dir, "reads.log");
    const worker = await c.worker(["--plugin", PLUGIN], {
      FERRY_TEST_GATE: gate,
      FERRY_TEST_PAUSE_AFTER: String(64 * 1024),
      FERRY_TEST_READ_LOG: reads,
    });
    const run = c.ferry(["run", "wf.yaml", "--queue", c.redis.url, "--plugin", PLUGIN], {
      FERRY_QUEUE_UNAVAILABLE_MS: "60000",
    });
    // A copy task is on the worker, its reads held: Redis goes, and comes back empty.
    await waitForText(reads, (t) => /^read /m.test(t));
    c.redis.proc.kill("SIGKILL");
    await c.redis.proc.exit();
    await c.restartRedis();
    await Deno.writeTextFile(gate, "");
    // It waited on its vanished tasks for ever (60 s of Redis away allowed, never reached).
    await run.exitsWith(1, 60_000);
    const where = `redis://127\\.0\\.0\\.1:${c.redis.port}/0`;
    assert.match(run.text, new RegExp(`lost the queue at ${where}; reconnecting`));
    assert.match(run.text, new RegExp(`queue at ${where} came back without this run's record`));
    await worker.stop();
    // What the worker wrote is whole under a real name, or a partial.
    const src = await snapshot(join(c.dir, "src"));
    const dst = await snapshot(join(c.dir, "dst")).catch(() => ({}));
    for (const [path, digest] of Object.entries(dst)) {
      if (isTempName(path.split("/").pop()!)) continue;
      assert.deepEqual(digest, src[path], `${path} is under its real name but not whole`);
    }
  },
);
