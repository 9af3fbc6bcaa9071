/**
 * Cluster mode end to end: a Redis of the test's own on a free loopback port,
 * `ferry worker` processes and a `ferry run --queue` coordinator, against an
 * in-process run of the same workflow. Every wait is bounded and every process
 * is killed when the test's cluster is disposed (see harness.ts).
 * @module
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import { isTempName } from "../../endpoint/atomic.ts";
import { startPyftpdlib } from "../peers/pyftpdlib.ts";
import { peerTest } from "../peers/skip.ts";
import {
  assertCopies,
  assertSameRun,
  Cluster,
  jsonReport,
  makeTree,
  SECRET,
  snapshot,
  waitForFile,
} from "./harness.ts";

const WORKFLOW = `version: 1
name: qtest
endpoints:
  src: { url: ./src, auth: { method: password, user: bob, passwordEnv: QT_PW } }
  dst: { url: "\${env:QT_DST}" }
jobs:
  copy: { mirror: { from: "src:/", to: "dst:/", delete: true } }
`;

/** A cluster with a source tree, the workflow and an extraneous file on the targets. */
async function setup(files: number, size: number, workflow = WORKFLOW): Promise<Cluster> {
  const c = await Cluster.start();
  await makeTree(join(c.dir, "src"), files, size);
  await Deno.writeTextFile(join(c.dir, "wf.yaml"), workflow);
  // Extraneous files on the targets: deleted only after every copy.
  await c.plant(["dst", "local"]);
  return c;
}

/** The source tree and the queued run's target are the same files. */
async function assertMirrored(c: Cluster): Promise<void> {
  await assertCopies(join(c.dir, "src"), join(c.dir, "dst"));
}

peerTest(
  "queue: 3 workers + coordinator mirror a tree exactly as an in-process run; no secret in Redis",
  ["redis-server"],
  async () => {
    await using c = await setup(60, 20_000);
    const workers = await Promise.all([0, 1, 2].map(() => c.worker()));
    const { queued, local } = c.runBoth("wf.yaml");
    await assertSameRun(queued, local);
    await assertCopies(join(c.dir, "src"), join(c.dir, "dst"), join(c.dir, "local"));
    assert(workers.some((w) => /task /.test(w.text)));
    assert.doesNotMatch(queued.text, /no worker takes tasks/);
    const dump = await c.assertNoSecret();
    assert(
      dump.includes("passwordEnv"),
      `the tasks name the auth reference: ${dump.slice(0, 600)}`,
    );
  },
);

peerTest(
  "queue: 3 workers + coordinator mirror to pyftpdlib and back exactly as an in-process run",
  ["redis-server", "pyftpdlib"],
  async () => {
    await using c = await Cluster.start();
    await using ftp = await startPyftpdlib({ password: SECRET });
    await makeTree(join(c.dir, "src"), 30, 30_000);
    // To the FTP server, then (needs) back from it to a local directory.
    await Deno.writeTextFile(
      join(c.dir, "ftp.yaml"),
      `version: 1
name: qftp
endpoints:
  src: { url: ./src }
  ftp:
    url: ftp://127.0.0.1:${ftp.port}/
    auth: { method: password, user: ${ftp.user}, passwordEnv: QT_PW }
  back: { url: "./back-\${env:QT_DST}" }
jobs:
  up: { mirror: { from: "src:/", to: "ftp:/\${env:QT_DST}", delete: true } }
  down: { needs: up, mirror: { from: "ftp:/\${env:QT_DST}", to: "back:/", delete: true } }
`,
    );
    // The workers resolve ${env:QT_DST} as the coordinator does (or refuse: next test).
    const workers = await Promise.all([0, 1, 2].map(() => c.worker([], { QT_DST: "q" })));
    const { queued, local } = c.runBoth("ftp.yaml", {
      queuedEnv: { QT_DST: "q" },
      localEnv: { QT_DST: "l" },
    });
    await assertSameRun(queued, local);
    await assertCopies(
      join(c.dir, "src"),
      join(ftp.root, "q"),
      join(c.dir, "back-q"),
      join(ftp.root, "l"),
    );
    assert(workers.some((w) => /task \S+\.up\./.test(w.text)));
    assert(workers.some((w) => /task \S+\.down\./.test(w.text)));
    await c.assertNoSecret();
  },
);

peerTest(
  "queue: a worker whose environment resolves an endpoint elsewhere refuses the tasks",
  ["redis-server"],
  async () => {
    await using c = await setup(6, 1000);
    await c.worker([], { QT_DST: "./elsewhere" });
    const run = c.ferry(["run", "wf.yaml", "--queue", c.redis.url, "-q"]);
    await run.exitsWith(1);
    assert.match(run.text, /endpoint dst is "\.\/elsewhere" on this worker but "\.\/dst"/);
    // Nothing carried out anywhere: the old file is still there, nothing elsewhere.
    assert.deepEqual(Object.keys(await snapshot(join(c.dir, "dst"))), ["old/gone.txt"]);
    await assert.rejects(Deno.stat(join(c.dir, "elsewhere")));
  },
);

peerTest(
  "queue: a coordinator with no worker says so, and goes on once one starts",
  ["redis-server"],
  async () => {
    await using c = await setup(6, 1000);
    const run = c.ferry(["run", "wf.yaml", "--queue", c.redis.url]);
    await run.waitFor(/no worker takes tasks from redis:\/\/127\.0\.0\.1:\d+\/0/);
    await c.worker();
    await run.exitsWith(0);
    await assertMirrored(c);
  },
);

/**
 * One worker takes the first copy task, is stopped by `sig` in the middle of
 * it, others take over; the run must end exactly as an in-process one would.
 */
async function workerStoppedMidTask(sig: "SIGKILL" | "SIGTERM"): Promise<void> {
  await using c = await setup(40, 2_000_000);
  const first = await c.worker();
  const queued = c.ferry(["run", "wf.yaml", "--queue", c.redis.url, "-q"]);
  await first.waitFor(/task \S+\.1\.c0/);
  first.kill(sig);
  const stopped = await first.exit();
  if (sig === "SIGTERM") {
    // A clean stop: the task handed back at once, not left to the stalled-task check.
    assert.deepEqual(stopped.code, 0, first.tail());
    assert.match(first.text, /handed back \S+\.1\.c0/);
  }
  const others = await Promise.all([c.worker(), c.worker()]);
  await queued.exitsWith(0);
  assert(others.some((w) => /task \S+\.1\.c0/.test(w.text)), "another worker took it");
  await assertMirrored(c);
}

peerTest(
  "queue: a worker SIGKILLed mid-task, another takes the task and the job completes identically",
  ["redis-server"],
  () => workerStoppedMidTask("SIGKILL"),
);

peerTest(
  "queue: a worker stopped by SIGTERM mid-task hands the task back, another finishes it identically",
  ["redis-server"],
  () => workerStoppedMidTask("SIGTERM"),
);

peerTest(
  "queue: a coordinator killed and started again finds its run and reports it",
  ["redis-server"],
  async () => {
    await using c = await setup(40, 2_000_000);
    const worker = await c.worker();
    const first = c.ferry(["run", "wf.yaml", "--queue", c.redis.url, "-q"]);
    await worker.waitFor(/task \S+\.1\.c0/);
    first.kill("SIGKILL");
    await first.exit();
    const again = c.ferry(["run", "wf.yaml", "--queue", c.redis.url, "--json"]);
    await again.exitsWith(0);
    assert(/found its tasks/.test(again.text), again.tail());
    assert.deepEqual(jsonReport(again).jobs[0].counts.filesTransferred, 40);
    await assertMirrored(c);
  },
);

peerTest(
  "queue: Redis stopped mid-run: a clear error, no partial file under a real name",
  ["redis-server"],
  async () => {
    await using c = await setup(40, 2_000_000);
    const worker = await c.worker();
    // Redis goes away while the first file is being written.
    const writing = waitForFile(join(c.dir, "dst"), /\.part$/);
    const run = c.ferry(["run", "wf.yaml", "--queue", c.redis.url, "-q"], {
      FERRY_QUEUE_UNAVAILABLE_MS: "2000",
    });
    await writing;
    c.redis.proc.kill("SIGKILL");
    await c.redis.proc.exit();
    const status = await run.exit();
    assert(status.code !== 0, run.tail());
    assert.match(run.text, /queue at redis:\/\/127\.0\.0\.1:\d+\/0 is unreachable/);
    // Its Redis gone, the worker cannot hand its task back: it still stops
    // within its stop deadline (10 s) and writes nothing under a real name.
    await worker.stop();
    const src = await snapshot(join(c.dir, "src"));
    const dst = await snapshot(join(c.dir, "dst"));
    for (const [path, digest] of Object.entries(dst)) {
      if (isTempName(path.split("/").pop()!) || path === "old/gone.txt") continue;
      assert.deepEqual(digest, src[path], `${path} is under its real name but not whole`);
    }
    // The check above saw something: whole files or partials.
    assert(Object.keys(dst).length > 1, "the worker wrote nothing before Redis went away");
  },
);
