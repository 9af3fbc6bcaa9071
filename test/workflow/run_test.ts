import assert from "node:assert/strict";
import { join } from "node:path";
import { z } from "../../deps/zod.ts";
import { DelegatingEndpoint } from "../../endpoint/delegating.ts";
import { MemoryEndpoint } from "../../endpoint/memory.ts";
import type { Stat } from "../../endpoint/types.ts";
import { UsageError } from "../../workflow/errors.ts";
import { loadWorkflow } from "../../workflow/load.ts";
import { definePlugin, type JobKind } from "../../workflow/plugin.ts";
import type { RunEvent } from "../../workflow/report.ts";
import { runWorkflow } from "../../workflow/run.ts";
import { coreRegistry, fill, freshName, read } from "./helpers.ts";

Deno.test("a workflow of every built-in job kind runs end to end on memory and local endpoints", async () => {
  const dir = await Deno.makeTempDir({ prefix: "ferry-run-" });
  try {
    const src = freshName("src");
    const peer = freshName("peer");
    await fill(src, {
      "a.txt": "alpha",
      "d/b.txt": "beta",
      "d/tmp.tmp": "x",
      "old/gone.txt": "bye",
    });
    await fill(peer, { "p.txt": "from peer" });
    await Deno.mkdir(join(dir, "site"));
    await Deno.writeTextFile(join(dir, "site", "index.html"), "<h1>hi</h1>");
    const file = join(dir, "flow.yaml");
    await Deno.writeTextFile(
      file,
      `version: 1
name: all-kinds
endpoints:
  src: { url: "memory://${src}" }
  peer: { url: "memory://${peer}" }
  disk: { url: ./out }
  site: { url: ./site }
jobs:
  pull:
    mirror: { from: "src:/", to: "disk:/mirror", exclude: ["*.tmp"] }
  publish:
    upload-if-newer: { from: "site:/", to: "src:/www" }
  fetch:
    needs: pull
    download-if-newer: { from: "src:/a.txt", to: "disk:/copies/a.txt" }
  prune:
    needs: pull
    rmtree: { at: "disk:/mirror/old" }
  list:
    needs: [prune, fetch]
    walk: { at: "disk:/", output: listing.json, totals: true }
  both:
    sync: { a: "disk:/mirror", b: "peer:/" }
    needs: list
`,
    );
    const wf = await loadWorkflow(file, { registry: coreRegistry() });
    const events: RunEvent[] = [];
    const report = await runWorkflow(wf, { onEvent: (e) => events.push(e), interactive: false });
    assert.equal(report.status, "ok", JSON.stringify(report.jobs, null, 1));
    assert.deepEqual(report.jobs.map((j) => [j.job, j.status]), [
      ["pull", "ok"],
      ["publish", "ok"],
      ["fetch", "ok"],
      ["prune", "ok"],
      ["list", "ok"],
      ["both", "ok"],
    ]);
    assert.equal(await Deno.readTextFile(join(dir, "out/mirror/d/b.txt")), "beta");
    await assert.rejects(Deno.stat(join(dir, "out/mirror/d/tmp.tmp")));
    await assert.rejects(Deno.stat(join(dir, "out/mirror/old")));
    assert.equal(await Deno.readTextFile(join(dir, "out/copies/a.txt")), "alpha");
    assert.equal(await Deno.readTextFile(join(dir, "out/mirror/p.txt")), "from peer");
    const peerFiles = await read(peer);
    assert.equal(peerFiles["d/b.txt"], "beta");
    assert.equal((await read(src))["www/index.html"], "<h1>hi</h1>");
    const listing = JSON.parse(await Deno.readTextFile(join(dir, "listing.json")));
    assert.ok(listing.entries.some((e: { path: string }) => e.path === "mirror/a.txt"));
    assert.equal(listing.totals.files, 3);
    // needs order: pull before fetch/prune, list after both, sync last.
    const starts = events.filter((e) => e.type === "job-start").map((e) =>
      (e as { job: string }).job
    );
    assert.ok(starts.indexOf("pull") < starts.indexOf("fetch"));
    assert.ok(starts.indexOf("list") > starts.indexOf("prune"));
    assert.equal(starts[starts.length - 1], "both");
    assert.ok(events.some((e) => e.type === "progress" && e.event.type === "file-end"));
    assert.equal(report.totals.filesFailed, 0);
    // State of the two-way sync lives under .ferry beside the workflow.
    await Deno.stat(join(dir, ".ferry", "state.db"));
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("dry run plans and touches nothing", async () => {
  const dir = await Deno.makeTempDir({ prefix: "ferry-dry-" });
  try {
    const src = freshName("src");
    await fill(src, { "a.txt": "alpha" });
    const file = join(dir, "flow.yaml");
    await Deno.writeTextFile(
      file,
      `version: 1
endpoints: { src: { url: "memory://${src}" }, disk: { url: ./out } }
jobs:
  pull: { mirror: { from: "src:/", to: "disk:/" } }
  two: { sync: { a: "src:/", b: "disk:/x" } }
`,
    );
    const wf = await loadWorkflow(file, { registry: coreRegistry() });
    const report = await runWorkflow(wf, { dryRun: true });
    assert.equal(report.status, "ok");
    assert.equal(report.dryRun, true);
    const plan = report.jobs[0].plan as { op: string; path: string }[];
    assert.ok(plan.some((a) => a.op === "transfer" && a.path === "a.txt"), JSON.stringify(plan));
    await assert.rejects(Deno.stat(join(dir, "out")));
    await assert.rejects(Deno.stat(join(dir, ".ferry")));
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

/** A job kind for runner tests: behaviour chosen per job by `step`. */
function probeKind(
  log: string[],
  behave: Record<string, (signal: AbortSignal, attempt: number) => Promise<void>>,
) {
  const attempts = new Map<string, number>();
  const kind: JobKind<{ step: string }> = {
    name: "probe",
    schema: z.strictObject({ step: z.string() }),
    async run(options, ctx) {
      const n = (attempts.get(ctx.job) ?? 0) + 1;
      attempts.set(ctx.job, n);
      log.push(`start ${ctx.job}`);
      try {
        await (behave[options.step] ?? (() => Promise.resolve()))(ctx.signal, n);
      } finally {
        log.push(`end ${ctx.job}`);
      }
      return { counts: { filesTransferred: 1 } };
    },
  };
  return coreRegistry().add(definePlugin({ name: "probe", jobKinds: [kind] }));
}

async function probeWorkflow(
  jobs: string,
  registry: ReturnType<typeof coreRegistry>,
  secretEnv?: Record<string, string>,
) {
  return await loadWorkflow("/tmp/probe.yaml", {
    registry,
    env: (n) => secretEnv?.[n],
    source: `version: 1\njobs:\n${jobs}`,
  });
}

Deno.test("independent jobs run in parallel up to the limit; dependents wait", async () => {
  const log: string[] = [];
  let release!: () => void;
  const gate = new Promise<void>((r) => (release = r));
  let running = 0;
  let peak = 0;
  const hold = async () => {
    running++;
    peak = Math.max(peak, running);
    if (running === 2) release();
    await gate;
    running--;
  };
  const registry = probeKind(log, { hold });
  const wf = await probeWorkflow(
    `  a: { probe: { step: hold } }\n  b: { probe: { step: hold } }\n  c: { probe: { step: hold } }\n  d: { needs: [a, b, c], probe: { step: x } }\n`,
    registry,
  );
  const report = await runWorkflow(wf, { concurrency: 2 });
  assert.equal(report.status, "ok");
  assert.equal(peak, 2);
  assert.equal(log[log.length - 2], "start d");
});

Deno.test("a failed job skips its dependents and fails the run; others go on", async () => {
  const log: string[] = [];
  const registry = probeKind(log, { boom: () => Promise.reject(new Error("boom")) });
  const wf = await probeWorkflow(
    `  a: { probe: { step: boom }, retries: 0 }\n  b: { needs: a, probe: { step: x } }\n  c: { probe: { step: x } }\n`,
    registry,
  );
  const report = await runWorkflow(wf);
  assert.equal(report.status, "failed");
  assert.deepEqual(report.jobs.map((j) => j.status), ["failed", "skipped", "ok"]);
  assert.match(report.jobs[1].reason!, /needs a, which failed/);
  assert.deepEqual(report.jobs[0].errors, ["boom"]);
});

Deno.test("temporary failures are retried with back-off; permanent ones are not", async () => {
  const log: string[] = [];
  const temporary = (attempt: number) =>
    attempt < 3
      ? Promise.reject(Object.assign(new Error("421 busy"), { ftpCode: 421 }))
      : Promise.resolve();
  const registry = probeKind(log, {
    flaky: (_s, n) => temporary(n),
    perm: () => Promise.reject(Object.assign(new Error("550 no"), { ftpCode: 550 })),
  });
  const wf = await probeWorkflow(
    `  a: { probe: { step: flaky }, retries: 5, retryDelay: 10ms }\n  b: { probe: { step: perm }, retries: 5 }\n`,
    registry,
  );
  const waits: number[] = [];
  const events: RunEvent[] = [];
  const report = await runWorkflow(wf, {
    sleep: (ms) => {
      waits.push(ms);
      return Promise.resolve();
    },
    onEvent: (e) => events.push(e),
  });
  assert.equal(report.jobs[0].status, "ok");
  assert.equal(report.jobs[0].attempts, 3);
  assert.equal(report.jobs[1].status, "failed");
  assert.equal(report.jobs[1].attempts, 1);
  assert.equal(waits.length, 2);
  assert.ok(waits[1] >= waits[0]);
  assert.equal(events.filter((e) => e.type === "job-retry").length, 2);
});

Deno.test("a job retry opens the endpoint again: a failed open is not kept", async () => {
  const name = freshName("flaky");
  await fill(name, { "a.txt": "alpha" });
  let opens = 0;
  const registry = coreRegistry().add(definePlugin({
    name: "flaky-scheme",
    endpointSchemes: [{
      scheme: "flaky",
      open() {
        opens++;
        if (opens < 3) {
          const busy = "server replied 421 Too many connections to login";
          return Promise.reject(Object.assign(new Error(busy), { ftpCode: 421 }));
        }
        return Promise.resolve(new MemoryEndpoint({ name }));
      },
    }],
  }));
  const out = freshName("out");
  const wf = await loadWorkflow("/tmp/flaky.yaml", {
    registry,
    source:
      `version: 1\nendpoints:\n  src: { url: "flaky://x/" }\n  dst: { url: "memory://${out}" }\n` +
      `jobs:\n  m: { mirror: { from: "src:/", to: "dst:/" }, retries: 3 }\n`,
  });
  const report = await runWorkflow(wf, { sleep: () => Promise.resolve() });
  assert.equal(report.status, "ok", JSON.stringify(report.jobs[0].errors));
  assert.equal(report.jobs[0].attempts, 3);
  assert.equal(opens, 3, "each attempt connected anew");
  assert.deepEqual(await read(out), { "a.txt": "alpha" });
});

Deno.test("an interrupted run closes its endpoints under a job stuck on a silent server", async () => {
  let closed = 0;
  let listing!: () => void;
  const listed = new Promise<void>((resolve) => listing = resolve);
  /** A listing that ignores the signal and ends only when the endpoint is closed. */
  class Silent extends DelegatingEndpoint {
    #hang = Promise.withResolvers<never>();
    override list(): Promise<Stat[]> {
      listing();
      return this.#hang.promise;
    }
    override close(): Promise<void> {
      closed++;
      this.#hang.reject(new Error("connection closed"));
      return Promise.resolve();
    }
  }
  /** A job that waits on the listing as long as it takes (no signal of its own). */
  const stuck: JobKind<Record<string, never>> = {
    name: "stuck",
    schema: z.strictObject({}),
    async run(_options, ctx) {
      await (await ctx.endpoint("src")).list("");
      return { counts: {} };
    },
  };
  const registry = coreRegistry().add(definePlugin({
    name: "silent-scheme",
    jobKinds: [stuck],
    endpointSchemes: [{
      scheme: "silent",
      open: () => Promise.resolve(new Silent(new MemoryEndpoint())),
    }],
  }));
  const wf = await loadWorkflow("/tmp/silent.yaml", {
    registry,
    source: `version: 1\nendpoints:\n  src: { url: "silent://x/" }\njobs:\n  m: { stuck: {} }\n`,
  });
  const controller = new AbortController();
  void listed.then(() => controller.abort());
  const report = await runWorkflow(wf, { signal: controller.signal });
  assert.equal(report.status, "interrupted");
  assert.equal(closed, 1, "closed once, by the interrupt, not again at the end");
});

Deno.test("aborting stops running jobs cleanly and skips the rest", async () => {
  const log: string[] = [];
  const controller = new AbortController();
  const registry = probeKind(log, {
    wait: (signal) =>
      new Promise((_, reject) => {
        signal.addEventListener("abort", () => reject(signal.reason), { once: true });
        controller.abort();
      }),
  });
  const wf = await probeWorkflow(
    `  a: { probe: { step: wait } }\n  b: { needs: a, probe: { step: x } }\n`,
    registry,
  );
  const report = await runWorkflow(wf, { signal: controller.signal });
  assert.equal(report.status, "interrupted");
  assert.deepEqual(report.jobs.map((j) => j.status), ["interrupted", "skipped"]);
  assert.deepEqual(log, ["start a", "end a"]);
});

Deno.test("secrets never reach reports or events", async () => {
  const registry = probeKind([], {
    leak: () => Promise.reject(new Error("login failed for s3cr3t-pw")),
  });
  const wf = await loadWorkflow("/tmp/leak.yaml", {
    registry,
    env: (n) => (n === "FTP_PASSWORD" ? "s3cr3t-pw" : undefined),
    source: `version: 1
endpoints: { o: { url: "memory://x", auth: { method: password, user: u, password: "\${env:FTP_PASSWORD}" } } }
jobs: { a: { probe: { step: leak }, retries: 0 } }
`,
  });
  const events: string[] = [];
  const report = await runWorkflow(wf, { onEvent: (e) => events.push(JSON.stringify(e)) });
  const all = JSON.stringify(report) + events.join("");
  assert.ok(!all.includes("s3cr3t-pw"), all);
  assert.match(report.jobs[0].errors[0], /login failed for \*\*\*/);
});

Deno.test("selecting jobs runs them with their needs; unknown names are usage errors", async () => {
  const log: string[] = [];
  const registry = probeKind(log, {});
  const wf = await probeWorkflow(
    `  a: { probe: { step: x } }\n  b: { needs: a, probe: { step: x } }\n  c: { probe: { step: x } }\n`,
    registry,
  );
  const report = await runWorkflow(wf, { jobs: ["b"] });
  assert.deepEqual(report.jobs.map((j) => j.job), ["a", "b"]);
  await assert.rejects(runWorkflow(wf, { jobs: ["nope"] }), UsageError);
});
