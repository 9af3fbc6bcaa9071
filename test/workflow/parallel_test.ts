/**
 * How many transfers a job runs at once: the `parallel` the workflow names,
 * else the default (4) raised to what an endpoint says it serves best
 * (`Capabilities.parallel`, as S3 says 8).
 */
import assert from "node:assert/strict";
import { DelegatingEndpoint } from "../../endpoint/delegating.ts";
import { MemoryEndpoint } from "../../endpoint/memory.ts";
import type { Capabilities, WriteOptions } from "../../endpoint/types.ts";
import { loadWorkflow } from "../../workflow/load.ts";
import { definePlugin } from "../../workflow/plugin.ts";
import { runWorkflow } from "../../workflow/run.ts";
import { transferParallel } from "../../workflow/jobs/common.ts";
import { coreRegistry, fill, freshName } from "./helpers.ts";

/**
 * A memory endpoint that says it serves `parallel` transfers and counts the
 * most it got. Each write is held open at its close until `expect` writes
 * were open at once (an event, not a pause: the others have started), or for
 * at most 10 s in all, where the job runs fewer (`most` says so, the test fails).
 */
class Wide extends DelegatingEndpoint<MemoryEndpoint> {
  open = 0;
  most = 0;
  #reached = Promise.withResolvers<void>();
  constructor(inner: MemoryEndpoint, readonly parallel?: number, readonly expect = 1) {
    super(inner);
  }
  override capabilities(): Capabilities {
    return { ...this.inner.capabilities(), maxConnections: 16, parallel: this.parallel };
  }
  override async write(path: string, options?: WriteOptions) {
    const w = (await this.inner.write(path, options)).getWriter();
    this.most = Math.max(this.most, ++this.open);
    if (this.open >= this.expect) this.#reached.resolve();
    return new WritableStream<Uint8Array>({
      write: (chunk) => w.write(chunk),
      close: async () => {
        await this.#heldOpen();
        this.open--;
        await w.close();
      },
      abort: (e) => w.abort(e),
    });
  }
  async #heldOpen(): Promise<void> {
    // Past the bound the job runs fewer at once: no write waits any longer.
    const timer = setTimeout(() => this.#reached.resolve(), 10_000);
    await this.#reached.promise;
    clearTimeout(timer);
  }
}

async function mostAtOnce(
  expect: number,
  parallel: number | undefined,
  jobParallel?: number,
): Promise<number> {
  const src = freshName("src");
  const files: Record<string, string> = {};
  for (let i = 0; i < 24; i++) files[`f${i}.txt`] = `${i}`;
  await fill(src, files);
  const wide = new Wide(new MemoryEndpoint({ name: freshName("dst") }), parallel, expect);
  const registry = coreRegistry().add(definePlugin({
    name: "wide-scheme",
    endpointSchemes: [{ scheme: "wide", open: () => Promise.resolve(wide) }],
  }));
  const extra = jobParallel === undefined ? "" : `, parallel: ${jobParallel}`;
  const wf = await loadWorkflow("/tmp/wide.yaml", {
    registry,
    source: `version: 1\nendpoints:\n  src: { url: "memory://${src}" }\n` +
      `  dst: { url: "wide://x/" }\njobs:\n  m: { mirror: { from: "src:/", to: "dst:/" }${extra} }\n`,
  });
  const report = await runWorkflow(wf, {});
  assert.equal(report.status, "ok", JSON.stringify(report.jobs[0].errors));
  return wide.most;
}

Deno.test("parallel: an endpoint that serves more raises the default; a named parallel wins", async () => {
  assert.equal(await mostAtOnce(4, undefined), 4, "the default");
  assert.equal(await mostAtOnce(6, 6), 6, "the endpoint's 6");
  assert.equal(await mostAtOnce(2, 6, 2), 2, "the job's own");
});

Deno.test("transferParallel: the named parallel, else the most an endpoint says, at least the default", () => {
  const ep = (parallel?: number) =>
    new Wide(new MemoryEndpoint({ name: freshName("p") }), parallel);
  assert.equal(transferParallel({ parallel: 4 }, ep(), ep(8)), 8);
  assert.equal(transferParallel({ parallel: 4 }, ep(2)), 4);
  assert.equal(transferParallel({ parallel: 3, parallelSet: true }, ep(8)), 3);
});
