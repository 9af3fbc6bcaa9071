/**
 * The mirror job walks its target while the source endpoint still opens
 * (workflow/jobs/mirror.ts, sync/mirror.ts walkTargetEarly): the result is the
 * usual one, and a source that fails to open fails the job with the same
 * words, the target's walk stopped (no listing left running).
 */
import assert from "node:assert/strict";
import { MemoryEndpoint } from "../../endpoint/memory.ts";
import type { Stat } from "../../endpoint/types.ts";
import { DelegatingEndpoint } from "../../endpoint/delegating.ts";
import { loadWorkflow } from "../../workflow/load.ts";
import { definePlugin } from "../../workflow/plugin.ts";
import type { WorkflowReport } from "../../workflow/report.ts";
import { runWorkflow } from "../../workflow/run.ts";
import { coreRegistry, fill, freshName, read } from "./helpers.ts";

/** A target that says when its walk started and counts listings still running. */
class Target extends DelegatingEndpoint {
  readonly walking = Promise.withResolvers<void>();
  running = 0;
  lists = 0;
  override async list(path: string): Promise<Stat[]> {
    this.lists++;
    this.running++;
    this.walking.resolve();
    try {
      return await super.list(path);
    } finally {
      this.running--;
    }
  }
}

/**
 * Runs `from: src:/pub, to: dst:/m` where src opens by `openSource` (given the
 * target, or undefined when the source opens first) and dst is `target`.
 */
async function run(
  target: Target,
  openSource: (target: Target) => Promise<MemoryEndpoint>,
  job =
    `{ from: "src:/pub", to: "dst:/m", delete: true, exclude: ["*.tmp"], backupDir: "/m/.bak" }`,
): Promise<WorkflowReport> {
  const registry = coreRegistry().add(definePlugin({
    name: "early-schemes",
    endpointSchemes: [
      { scheme: "src", open: () => openSource(target) },
      { scheme: "dst", open: () => Promise.resolve(target) },
    ],
  }));
  const wf = await loadWorkflow("/tmp/early.yaml", {
    registry,
    source: `version: 1\nendpoints:\n  src: { url: "src://x/" }\n  dst: { url: "dst://x/" }\n` +
      `jobs:\n  m: { mirror: ${job} }\n`,
  });
  return await runWorkflow(wf, { sleep: () => Promise.resolve() });
}

async function fixture(): Promise<{ src: string; dst: string }> {
  const src = freshName("src");
  const dst = freshName("dst");
  await fill(src, { "pub/a.txt": "alpha", "pub/d/b.txt": "beta", "pub/x.tmp": "temp" });
  await fill(dst, {
    "m/old.txt": "old",
    "m/d/b.txt": "stale",
    "m/keep.tmp": "kept",
    "m/.bak/earlier.txt": "earlier",
  });
  return { src, dst };
}

Deno.test("mirror job: the target is walked while the source opens; the result is the usual one", async () => {
  const early = await fixture();
  const usual = await fixture();
  const target = new Target(new MemoryEndpoint({ name: early.dst }));
  // A bound that fails the test instead of hanging it (not a wait).
  let bound: ReturnType<typeof setTimeout> | undefined;
  const report = await run(target, async (t) => {
    const timedOut = new Promise<string>((resolve) => {
      bound = setTimeout(() => resolve("timed out"), 20_000);
    });
    assert.equal(await Promise.race([t.walking.promise.then(() => "walked"), timedOut]), "walked");
    clearTimeout(bound);
    return new MemoryEndpoint({ name: early.src });
  });
  assert.equal(report.status, "ok", JSON.stringify(report.jobs[0].errors));
  // The same job, the source open before the target.
  const plainTarget = new Target(new MemoryEndpoint({ name: usual.dst }));
  const plain = await run(
    plainTarget,
    () => Promise.resolve(new MemoryEndpoint({ name: usual.src })),
  );
  assert.deepEqual(report.jobs[0].counts, plain.jobs[0].counts);
  assert.deepEqual(await read(early.dst), await read(usual.dst));
  assert.equal(target.lists, plainTarget.lists, "the target was walked once");
  const after = await read(early.dst);
  assert.equal(after["m/keep.tmp"], "kept");
  assert.equal(after["m/d/b.txt"], "beta");
  assert.equal(after["m/old.txt"], undefined);
});

Deno.test("mirror job: a source that fails to open fails the job with the same words; the walk stops", async () => {
  const refused = () => new Error("530 Login incorrect.");
  const early = await fixture();
  await fill(early.dst, { "m/d/x/y.txt": "deep" });
  const held = Promise.withResolvers<void>();
  const holding = Promise.withResolvers<void>();
  const listed: string[] = [];
  /** Holds the listing of m/d until the source has failed. */
  const target = new class extends Target {
    override async list(path: string): Promise<Stat[]> {
      listed.push(path);
      if (path !== "m/d") return await super.list(path);
      this.running++;
      holding.resolve();
      await held.promise;
      this.running--;
      return await super.list(path);
    }
  }(new MemoryEndpoint({ name: early.dst }));
  const report = await run(target, async () => {
    await holding.promise;
    // Let go of the listing only after the failure reached the job.
    setTimeout(() => held.resolve(), 0);
    throw refused();
  });
  const stillRunning = target.running;
  const before = await read(early.dst);
  // As a failed open always did (the runner's words: the error's message).
  assert.equal(report.status, "failed");
  assert.equal(report.jobs[0].reason, "530 Login incorrect.");
  assert.deepEqual(report.jobs[0].errors, ["530 Login incorrect."]);
  assert.equal(report.jobs[0].attempts, 1);
  assert.equal(stillRunning, 0, "the job ended after the target's walk");
  assert.ok(!listed.includes("m/d/x"), `the walk stopped: ${listed}`);
  assert.equal(before["m/old.txt"], "old", "nothing touched");
  assert.equal(before["m/d/b.txt"], "stale", "nothing touched");
});

Deno.test("mirror job: two roots on one endpoint are not walked early (the skips need both)", async () => {
  const name = freshName("one");
  await fill(name, { "site/a.txt": "alpha", "site/pub/b.txt": "beta", "site/old.txt": "old" });
  const target = new Target(new MemoryEndpoint({ name }));
  const report = await run(
    target,
    () => Promise.reject(new Error("not used")),
    `{ from: "dst:/site/pub", to: "dst:/site", delete: true }`,
  );
  assert.equal(report.status, "ok", JSON.stringify(report.jobs[0].errors));
  const after = await read(name);
  assert.equal(after["site/pub/b.txt"], "beta", "the source inside the target stays");
  assert.equal(after["site/b.txt"], "beta");
  assert.equal(after["site/old.txt"], undefined);
});
