/**
 * Secrets a worker resolves itself never reach Redis, also not through a
 * task's failure (its failed reason, its stack trace, the events stream) nor
 * through the coordinator's report of it.
 * @module
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import { startPyftpdlib } from "../peers/pyftpdlib.ts";
import { peerTest } from "../peers/skip.ts";
import { Cluster, makeTree, redisDump, SECRET } from "./harness.ts";

/** Only the worker knows this one; it makes the worker's URL unparseable ('/' and '#'). */
const WORKER_ONLY = "worker-only-pw-0xbad";

peerTest(
  "queue: a worker's own password in a task's failure (URL it cannot parse) stays out of Redis and the report",
  ["redis-server", "pyftpdlib"],
  async () => {
    await using c = await Cluster.start();
    await using ftp = await startPyftpdlib({ password: SECRET });
    await makeTree(join(ftp.root, "pub"), 3, 1000);
    await Deno.writeTextFile(
      join(c.dir, "wf.yaml"),
      `version: 1
name: qsecret
endpoints:
  origin: { url: "ftp://${ftp.user}:\${env:QT_PW}@127.0.0.1:${ftp.port}/pub" }
  here: { url: ./here }
jobs:
  pull: { mirror: { from: "origin:/", to: "here:/" } }
`,
    );
    // The coordinator's password is right; this worker's value breaks its URL, and the
    // message about it quotes the URL as the worker resolved it.
    const worker = await c.worker([], { QT_PW: `${WORKER_ONLY}/#x` });
    const run = c.ferry(["run", "wf.yaml", "--queue", c.redis.url]);
    await run.exitsWith(1);
    assert.match(run.text, /task failed on the workers/);
    await worker.waitFor(/failed/);
    const dump = await redisDump(c.redis.url);
    assert(dump.includes("failedReason"), "the task's failure is in Redis");
    assert(!dump.includes(WORKER_ONLY), `the worker's password reached Redis:\n${dump}`);
    assert(!run.text.includes(WORKER_ONLY), `the coordinator printed it:\n${run.tail()}`);
    assert(!worker.text.includes(WORKER_ONLY), `the worker logged it:\n${worker.tail()}`);
    assert(!dump.includes(SECRET), "the coordinator's password reached Redis");
  },
);
