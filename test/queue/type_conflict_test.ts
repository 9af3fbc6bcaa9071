/**
 * A mirror without --delete on the queue where the target has a file where the
 * source has a directory, and a directory where it has a file: as in-process,
 * the target's entries are kept, each named in a warning, and the job fails
 * with an ETYPECONFLICT error per name (exit 1).
 * @module
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import { Cluster, jsonReport, snapshot } from "./harness.ts";
import { peerTest } from "../peers/skip.ts";

const WORKFLOW = `version: 1
name: qtypes
endpoints:
  src: { url: ./src }
  dst: { url: "\${env:QT_DST}" }
jobs:
  copy: { mirror: { from: "src:/", to: "dst:/" } }
`;

peerTest(
  "queue: a mirror's type conflicts keep the target's entries and fail the job, as in-process",
  ["redis-server"],
  async () => {
    await using c = await Cluster.start();
    const write = async (rel: string, text: string) => {
      await Deno.mkdir(join(c.dir, rel, ".."), { recursive: true });
      await Deno.writeTextFile(join(c.dir, rel), text);
    };
    await write("src/x", "file now");
    await write("src/y/inner.txt", "dir now");
    await write("src/plain.txt", "copied");
    for (const d of ["dst", "local"]) {
      await write(`${d}/x/old.txt`, "was a dir");
      await write(`${d}/y`, "was a file");
    }
    await Deno.writeTextFile(join(c.dir, "wf.yaml"), WORKFLOW);
    await c.worker();
    const { queued, local } = c.runBoth("wf.yaml");
    const [q, l] = await Promise.all([queued.exit(), local.exit()]);
    for (const [name, p, r] of [["queued", queued, q], ["local", local, l]] as const) {
      assert.equal(r.code, 1, `${name}: ${p.tail()}`);
      assert.match(p.text, /WRN .*x: the source has a file, the target a directory/, name);
      assert.match(p.text, /WRN .*y: the source has a directory, the target a file/, name);
      const job = jsonReport(p).jobs[0] as unknown as {
        status: string;
        details: { errors: { path: string; code?: string }[] };
      };
      assert.equal(job.status, "failed", `${name}: ${JSON.stringify(job)}`);
      const codes = job.details.errors.map((e) => [e.path, e.code]);
      assert.deepEqual(codes, [["x", "ETYPECONFLICT"], ["y", "ETYPECONFLICT"]], name);
    }
    const dst = await snapshot(join(c.dir, "dst"));
    assert.deepEqual(Object.keys(dst).sort(), ["plain.txt", "x/old.txt", "y"]);
    assert.deepEqual(await snapshot(join(c.dir, "local")), dst);
    assert.equal(await Deno.readTextFile(join(c.dir, "dst/y")), "was a file");
  },
);
