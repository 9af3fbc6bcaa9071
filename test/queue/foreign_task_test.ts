/**
 * A task a worker cannot read (of another ferry version, or not a ferry task
 * at all) fails with a message that says so, a bounded number of times; the
 * worker goes on with the tasks it can read.
 * @module
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import { Queue, QueueEvents } from "../../deps/bullmq.ts";
import { peerTest } from "../peers/skip.ts";
import { assertCopies, Cluster, makeTree, within } from "./harness.ts";

peerTest(
  "queue: a task of another version or no ferry task at all fails clearly, the worker goes on",
  ["redis-server"],
  async () => {
    await using c = await Cluster.start();
    const worker = await c.worker();
    const connection = { host: "127.0.0.1", port: c.redis.port };
    const queue = new Queue("tasks", { connection, prefix: "ferry" });
    const events = new QueueEvents("tasks", { connection, prefix: "ferry" });
    try {
      await events.waitUntilReady();
      const opts = { attempts: 3, backoff: { type: "fixed", delay: 10 } };
      const newer = await queue.add("x", { v: 2, run: "r2", job: "pull", plan: {} }, opts);
      const junk = await queue.add("x", "not json of ours", opts);
      const failed = async (id: string) => {
        const job = await queue.getJob(id);
        await within(
          job!.waitUntilFinished(events).then(() => assert.fail(`${id} succeeded`), () => {}),
          60_000,
          () => `task ${id} not finished\n${worker.tail()}`,
        );
        return (await queue.getJob(id))!;
      };
      const [a, b] = [await failed(newer.id!), await failed(junk.id!)];
      assert.match(
        a.failedReason,
        /task of job pull \(run r2\) is format v2, from another ferry version; this worker reads v1/,
      );
      // Another attempt may find a worker of that version.
      assert.equal(a.attemptsMade, 3);
      assert.match(b.failedReason, /not a ferry task/);
      assert.equal(b.attemptsMade, 1, "no retry of what no ferry worker can read");
    } finally {
      await events.close();
      await queue.close();
    }
    // Still a worker: it carries out a real run.
    await makeTree(join(c.dir, "src"), 4, 1000);
    await Deno.writeTextFile(
      join(c.dir, "wf.yaml"),
      `version: 1\nname: after\nendpoints:\n  s: { url: ./src }\n  d: { url: ./dst }\n` +
        `jobs:\n  copy: { mirror: { from: "s:/", to: "d:/" } }\n`,
    );
    await c.ferry(["run", "wf.yaml", "--queue", c.redis.url, "-q"]).exitsWith(0);
    await assertCopies(join(c.dir, "src"), join(c.dir, "dst"));
    assert(!worker.exited, worker.tail());
  },
);
