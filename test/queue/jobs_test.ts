/**
 * Job kinds beside mirror and sync on the queue: `download-if-newer` hands
 * its transfers to the workers, `rmtree` its deletions (after the
 * coordinator's complete listing, as in a local run); the result is that of
 * an in-process run.
 * @module
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import { Cluster, makeTree, type Proc, redisDump, SECRET, snapshot } from "./harness.ts";
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
    const c = await Cluster.start();
    try {
      await makeTree(join(c.dir, "src"), 24, 3000);
      await Deno.writeTextFile(join(c.dir, "wf.yaml"), WORKFLOW);
      for (const d of ["dst", "local"]) {
        await Deno.mkdir(join(c.dir, d, "old/deep"), { recursive: true });
        await Deno.writeTextFile(join(c.dir, d, "old/deep/gone.txt"), "old");
      }
      const workers = await Promise.all([0, 1].map(() => c.worker()));
      const local = c.ferry(["run", "wf.yaml", "--json"], { QT_DST: "./local" }, "in-process");
      const queued = c.ferry(["run", "wf.yaml", "--json", "--queue", c.redis.url]);
      const [a, b] = await Promise.all([queued.exit(), local.exit()]);
      assert.equal(a.code, 0, queued.tail());
      assert.equal(b.code, 0, local.tail());
      const src = await snapshot(join(c.dir, "src"));
      assert.deepEqual(await snapshot(join(c.dir, "dst")), src);
      assert.deepEqual(await snapshot(join(c.dir, "local")), src);
      const counts = (p: Proc) =>
        JSON.parse(p.text.slice(p.text.indexOf("{"))).jobs.map((
          j: { job: string; status: string; counts: unknown },
        ) => [j.job, j.status, j.counts]);
      assert.deepEqual(counts(queued), counts(local));
      const tasks = workers.map((w) => w.text).join("\n");
      assert.match(tasks, /task \S+\.fetch\./);
      assert.match(tasks, /task \S+\.clean\./);
      // The one-off commands take --queue too.
      const up = c.ferry(["upload-if-newer", "src", "copy", "--queue", c.redis.url], {}, "up");
      assert.equal((await up.exit()).code, 0, up.tail());
      assert.deepEqual(await snapshot(join(c.dir, "copy")), src);
      const rm = c.ferry(["rmtree", "copy/d1", "--queue", c.redis.url], {}, "rmtree");
      assert.equal((await rm.exit()).code, 0, rm.tail());
      const left = Object.keys(await snapshot(join(c.dir, "copy")));
      assert.deepEqual(left, Object.keys(src).filter((p) => !p.startsWith("d1/")));
      const all = workers.map((w) => w.text).join("\n");
      assert.match(all, /task \S+ \(upload-if-newer\)/);
      assert.match(all, /task \S+ \(rmtree\)/);
      assert(!(await redisDump(c.redis.url)).includes(SECRET), "a secret reached Redis");
    } finally {
      await c.cleanup();
    }
  },
);
