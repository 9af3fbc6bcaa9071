/**
 * Job kinds beside mirror and sync on the queue: `download-if-newer` hands
 * its transfers to the workers, `rmtree` its deletions (after the
 * coordinator's complete listing, as in a local run); the result is that of
 * an in-process run.
 * @module
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import { assertCopies, assertSameRun, Cluster, makeTree, snapshot } from "./harness.ts";
import { peerTest } from "../peers/skip.ts";

const WORKFLOW = `version: 1
name: qjobs
endpoints:
  src: { url: ./src, auth: { method: password, user: bob, passwordEnv: QT_PW } }
  dst: { url: "\${env:QT_DST}" }
jobs:
  fetch: { download-if-newer: { from: "src:/", to: "dst:/" } }
  clean: { needs: fetch, rmtree: { at: "dst:/old" } }
`;

peerTest(
  "queue: download-if-newer's transfers and rmtree's deletions run on workers, as in-process",
  ["redis-server"],
  async () => {
    await using c = await Cluster.start();
    await makeTree(join(c.dir, "src"), 24, 3000);
    await Deno.writeTextFile(join(c.dir, "wf.yaml"), WORKFLOW);
    await c.plant(["dst", "local"], "old/deep/gone.txt");
    const workers = await Promise.all([0, 1].map(() => c.worker()));
    const { queued, local } = c.runBoth("wf.yaml");
    await assertSameRun(queued, local);
    const src = await assertCopies(join(c.dir, "src"), join(c.dir, "dst"), join(c.dir, "local"));
    const tasks = workers.map((w) => w.text).join("\n");
    assert.match(tasks, /task \S+\.fetch\./);
    assert.match(tasks, /task \S+\.clean\./);
    // The one-off commands take --queue too.
    const up = c.ferry(["upload-if-newer", "src", "copy", "--queue", c.redis.url], {}, "up");
    await up.exitsWith(0);
    assert.deepEqual(await snapshot(join(c.dir, "copy")), src);
    await c.ferry(["rmtree", "copy/d1", "--queue", c.redis.url], {}, "rmtree").exitsWith(0);
    const left = Object.keys(await snapshot(join(c.dir, "copy")));
    assert.deepEqual(left, Object.keys(src).filter((p) => !p.startsWith("d1/")));
    const all = workers.map((w) => w.text).join("\n");
    assert.match(all, /task \S+ \(upload-if-newer\)/);
    assert.match(all, /task \S+ \(rmtree\)/);
    await c.assertNoSecret();
  },
);
