/**
 * A mirror's deletions task taken up again after its worker died mid-way
 * (BullMQ's stalled-task recovery): what the first attempt deleted is gone
 * already, which is what the plan wanted, not a failure. The target
 * (fixtures/gated_delete_plugin.ts) holds removes after the first few until
 * the test opens a gate, so the worker dies mid-task without a sleep.
 * @module
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import { peerTest } from "../peers/skip.ts";
import { assertCopies, Cluster, jsonReport, makeTree, waitForText } from "./harness.ts";

const PLUGIN = new URL("./fixtures/gated_delete_plugin.ts", import.meta.url).pathname;

peerTest(
  "queue: a deletions task retried after its worker was SIGKILLed mid-way: done deletes count, exit 0",
  ["redis-server"],
  async () => {
    await using c = await Cluster.start();
    await makeTree(join(c.dir, "src"), 6, 1000);
    for (let i = 0; i < 10; i++) await c.plant(["dst"], `old/gone${i}.txt`);
    await Deno.writeTextFile(
      join(c.dir, "wf.yaml"),
      `version: 1
name: qdel
endpoints:
  src: { url: ./src }
  dst: { url: "gated://any${c.dir}/dst" }
jobs:
  copy: { mirror: { from: "src:/", to: "dst:/", delete: true } }
`,
    );
    const removes = join(c.dir, "removes.log");
    const first = await c.worker(["--plugin", PLUGIN], {
      FERRY_TEST_GATE: join(c.dir, "gate"),
      FERRY_TEST_REMOVES_BEFORE: "3",
      FERRY_TEST_REMOVE_LOG: removes,
    });
    const run = c.ferry(["run", "wf.yaml", "--queue", c.redis.url, "--json", "--plugin", PLUGIN]);
    // Three files deleted, the fourth remove held: the worker dies.
    await waitForText(removes, (t) => t.split("\n").filter(Boolean).length >= 3);
    first.kill("SIGKILL");
    await first.exit();
    await c.worker(["--plugin", PLUGIN], { FERRY_TEST_REMOVE_LOG: removes });
    await run.exitsWith(0);
    const counts = jsonReport(run).jobs[0].counts;
    assert.equal(counts.filesDeleted, 10, JSON.stringify(counts));
    assert.equal(counts.filesFailed, 0, JSON.stringify(counts));
    await assertCopies(join(c.dir, "src"), join(c.dir, "dst"));
  },
);
