/**
 * A worker that lacks an environment variable the workflow needs fails the
 * task at once, unrecoverably (BullMQ's UnrecoverableError), the message
 * naming the variable: no retry can make it appear. Before: the task was
 * tried 3 times (with backoff) before the run failed.
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import { startPyftpdlib } from "../peers/pyftpdlib.ts";
import { peerTest } from "../peers/skip.ts";
import { Cluster, makeTree, SECRET } from "./harness.ts";

peerTest(
  "queue: a worker missing the workflow's env var fails the task once, naming the variable",
  ["redis-server", "pyftpdlib"],
  async () => {
    await using c = await Cluster.start();
    await using ftp = await startPyftpdlib({ password: SECRET });
    await makeTree(join(ftp.root, "pub"), 2, 100);
    await Deno.writeTextFile(
      join(c.dir, "wf.yaml"),
      `version: 1
name: qenv
endpoints:
  origin:
    url: "ftp://${ftp.user}@127.0.0.1:${ftp.port}/pub"
    auth: { method: password, passwordEnv: QT_COORD_ONLY_PW }
  here: { url: ./here }
jobs:
  pull: { mirror: { from: "origin:/", to: "here:/" } }
`,
    );
    const worker = await c.worker([], {});
    const run = c.ferry(["run", "wf.yaml", "--queue", c.redis.url], {
      QT_COORD_ONLY_PW: SECRET,
    });
    await run.exitsWith(1);
    assert.match(run.text, /QT_COORD_ONLY_PW/, run.tail());
    await worker.waitFor(/failed/);
    // Each task tried once: before, 3 times each (a 1 s and a 2 s backoff between).
    const failed = [...worker.text.matchAll(/task (\S+) failed/g)].map((m) => m[1]);
    assert.ok(failed.length > 0, worker.tail());
    assert.equal(new Set(failed).size, failed.length, `a task was retried:\n${worker.tail()}`);
    assert.match(worker.text, /QT_COORD_ONLY_PW is not set on this worker/, worker.tail());
  },
);

peerTest(
  "queue: a worker missing a ${env:} variable of the workflow fails the task once, naming it",
  ["redis-server", "pyftpdlib"],
  async () => {
    await using c = await Cluster.start();
    await using ftp = await startPyftpdlib({ password: SECRET });
    await makeTree(join(ftp.root, "pub"), 2, 100);
    await Deno.writeTextFile(
      join(c.dir, "wf.yaml"),
      `version: 1
name: qenv2
endpoints:
  origin:
    url: "ftp://\${env:QT_COORD_ONLY_USER}@127.0.0.1:${ftp.port}/pub"
    auth: { method: password, passwordEnv: QT_PW }
  here: { url: ./here }
jobs:
  pull: { mirror: { from: "origin:/", to: "here:/" } }
`,
    );
    const worker = await c.worker([], {});
    const run = c.ferry(["run", "wf.yaml", "--queue", c.redis.url], {
      QT_COORD_ONLY_USER: ftp.user,
    });
    await run.exitsWith(1);
    await worker.waitFor(/failed/);
    const failed = [...worker.text.matchAll(/task (\S+) failed/g)].map((m) => m[1]);
    assert.ok(failed.length > 0, worker.tail());
    assert.equal(new Set(failed).size, failed.length, `a task was retried:\n${worker.tail()}`);
    assert.match(worker.text, /QT_COORD_ONLY_USER is not set on this worker/, worker.tail());
    assert.match(run.text, /QT_COORD_ONLY_USER/, run.tail());
  },
);
