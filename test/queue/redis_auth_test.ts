/**
 * A queue URL with a password Redis refuses: the coordinator, the worker and `schedule --queue`
 * say so at once (Redis's reply, host:port, never the password) and exit 1,
 * instead of retrying for the unreachable timeout (coordinator: then calling
 * Redis unreachable) or for ever (worker).
 * @module
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import { peerTest } from "../peers/skip.ts";
import { Cluster, makeTree, startRedis } from "./harness.ts";

peerTest(
  "queue: a wrong Redis password: coordinator and worker say Redis refused the login, exit 1",
  ["redis-server"],
  async () => {
    await using c = await Cluster.start();
    const guarded = await startRedis(c.dir, undefined, ["--requirepass", "right-redis-pw"]);
    c.procs.push(guarded.proc);
    const wrong = `redis://:wrong-redis-pw@127.0.0.1:${guarded.port}`;
    await makeTree(join(c.dir, "src"), 2, 100);
    // The unreachable timeout is long: an answer within it is the refusal, not that timeout.
    const env = { FERRY_QUEUE_UNAVAILABLE_MS: "120000" };
    const run = c.ferry(["mirror", "src", "dst", "--queue", wrong], env, "coordinator");
    const worker = c.ferry(["worker", "--queue", wrong], env, "worker");
    await Deno.writeTextFile(
      join(c.dir, "every.yaml"),
      'version: 1\nname: every\nschedule: "* * * * * *"\nendpoints:\n  s: { url: ./src }\n' +
        'jobs:\n  w: { walk: { at: "s:/" } }\n',
    );
    const scheduler = c.ferry(["schedule", "--queue", wrong, "every.yaml"], env, "schedule");
    const refused = new RegExp(
      `the queue at redis://127\\.0\\.0\\.1:${guarded.port}/0 refused ferry's login: WRONGPASS`,
    );
    for (const p of [run, worker, scheduler]) {
      await p.exitsWith(1, 60_000);
      assert.match(p.text, refused, p.tail());
      assert(!p.text.includes("wrong-redis-pw"), p.tail());
    }
  },
);
