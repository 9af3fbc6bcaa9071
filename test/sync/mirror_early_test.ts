/**
 * The target's walk started before the source is open (sync/mirror.ts
 * walkTargetEarly): the mirror's report, plan, trees and result are those of
 * a mirror that walks both sides itself, with filters, a backup dir inside
 * the target, streaming, a dry run, and when the early walk cannot be used.
 */
import assert from "node:assert/strict";
import type { Endpoint, Stat } from "../../endpoint/types.ts";
import { MemoryEndpoint } from "../../endpoint/memory.ts";
import { mirror, type MirrorOptions, prepareMirror, walkTargetEarly } from "../../sync/mirror.ts";
import type { JobReport } from "../../sync/report.ts";
import type { Tree } from "../../sync/walk.ts";
import { at, contents, put, Wrapped } from "./helpers.ts";

const fast = { retry: { baseDelayMs: 0 } };

/** Counts the listings of a target (started and finished). */
class Counted extends Wrapped {
  started = 0;
  finished = 0;
  override async list(path: string): Promise<Stat[]> {
    this.started++;
    try {
      return await super.list(path);
    } finally {
      this.finished++;
    }
  }
}

/** The same fixture each time: a source, and a target with extras, changes and a backup dir. */
async function fixture(): Promise<{ src: MemoryEndpoint; dst: Counted }> {
  const src = new MemoryEndpoint();
  const dst = new Counted(new MemoryEndpoint());
  await put(src, "pub/a.txt", "alpha");
  await put(src, "pub/big.bin", "x".repeat(500));
  await put(src, "pub/skip.tmp", "temp");
  await put(src, "pub/d/b.txt", "beta", at(60));
  await put(src, "pub/d/e/c.txt", "gamma");
  await put(src, "pub/new/n.txt", "new");
  await put(dst, "m/a.txt", "alpha");
  await put(dst, "m/d/b.txt", "old beta");
  await put(dst, "m/d/extra.txt", "extra");
  await put(dst, "m/gone/g.txt", "gone");
  await put(dst, "m/keep.tmp", "kept: excluded");
  await put(dst, "m/.bak/earlier.txt", "from an earlier run");
  return { src, dst };
}

/** A report without its clock. */
function plain(report: JobReport): Omit<JobReport, "startedAt" | "finishedAt" | "durationMs"> {
  const { startedAt: _s, finishedAt: _f, durationMs: _d, ...rest } = report;
  return rest;
}

/** Mirrors the fixture as usual and with the target walked early; returns both outcomes. */
async function twice(
  options: MirrorOptions,
  earlyOptions: MirrorOptions = options,
): Promise<{ usual: unknown; early: unknown; dst: Counted }> {
  const run = async (early: boolean) => {
    const { src, dst } = await fixture();
    const walk = early ? walkTargetEarly(dst, "m", earlyOptions) : undefined;
    try {
      const report = await mirror(src, "pub", dst, "m", { ...options, earlyTarget: walk });
      return { outcome: { report: plain(report), dst: await contents(dst, "m") }, dst };
    } finally {
      await walk?.cancel();
    }
  };
  const usual = await run(false);
  const early = await run(true);
  return { usual: usual.outcome, early: early.outcome, dst: early.dst };
}

const filtered: MirrorOptions = {
  ...fast,
  delete: true,
  include: ["*.txt", "*.bin", "*.tmp"],
  exclude: ["*.tmp"],
  maxSize: 400,
  backupDir: "m/.bak",
};

Deno.test("early target walk: filters, deletions and a backup dir inside the target as usual", async () => {
  const { usual, early, dst } = await twice(filtered);
  assert.deepEqual(early, usual);
  const after = (usual as { dst: Record<string, string> }).dst;
  assert.equal(after["keep.tmp"], "kept: excluded", "an excluded target file stays");
  assert.equal(after[".bak/earlier.txt"], "from an earlier run", "the backup dir is not mirrored");
  assert.equal(after["d/extra.txt"], undefined, "an extraneous file went");
  assert.equal(after["big.bin"], undefined, "too big");
  assert.equal(dst.started, dst.finished);
});

Deno.test("early target walk: a dry run plans the same and touches nothing", async () => {
  const { usual, early } = await twice({ ...filtered, dryRun: true });
  assert.deepEqual(early, usual);
  assert.ok((usual as { report: JobReport }).report.plan!.length > 0);
});

Deno.test("early target walk: a streamed mirror hears the target's listings all the same", async () => {
  const options: MirrorOptions = { ...fast, delete: true, stream: true, exclude: ["*.tmp"] };
  const { usual, early } = await twice(options);
  assert.deepEqual(early, usual);
});

Deno.test("early target walk: a walk with other options is not used (walked again, same result)", async () => {
  for (const other of [{ exclude: ["*.txt"] }, { backupDir: undefined }, { maxSize: 1 }]) {
    const { usual, early, dst } = await twice(filtered, { ...filtered, ...other });
    assert.deepEqual(early, usual, JSON.stringify(other));
    assert.equal(dst.started, dst.finished, "the unused walk ended before the mirror did");
  }
});

Deno.test("early target walk: options equal by value (a new retry object, a copied list) use the walk", async () => {
  const usual = await fixture();
  let before = usual.dst.started;
  await prepareMirror(usual.src, "pub", usual.dst, "m", filtered);
  const once = usual.dst.started - before;
  const { src, dst } = await fixture();
  before = dst.started;
  const walk = walkTargetEarly(dst, "m", { ...filtered, retry: { baseDelayMs: 0 } });
  await prepareMirror(src, "pub", dst, "m", {
    ...filtered,
    include: [...filtered.include!],
    retry: { baseDelayMs: 0 },
    earlyTarget: walk,
  });
  await walk.cancel();
  assert.ok(once > 0);
  assert.equal(dst.started - before, once, "the target was walked once: early");
});

Deno.test("early target walk: prepareMirror gives the same trees and plan", async () => {
  const a = await fixture();
  const b = await fixture();
  const walk = walkTargetEarly(b.dst, "m", filtered);
  const usual = await prepareMirror(a.src, "pub", a.dst, "m", filtered);
  const early = await prepareMirror(b.src, "pub", b.dst, "m", { ...filtered, earlyTarget: walk });
  await walk.cancel();
  // Directories made by the fixtures carry the clock's time.
  const undated = (tree: Tree) => ({
    ...tree,
    entries: [...tree.entries].map(([p, s]) => [p, s.type === "dir" ? { ...s, mtime: 0 } : s]),
  });
  assert.deepEqual(undated(early.dst), undated(usual.dst));
  assert.deepEqual(undated(early.src), undated(usual.src));
  assert.deepEqual(early.plan, usual.plan);
  assert.ok(early.dst.entries.has("keep.tmp") === false, "excluded");
  assert.ok(!early.dst.entries.has(".bak"), "the backup dir is left out");
});

Deno.test("early target walk: roots nested on one endpoint are walked with both skips, not early", async () => {
  const run = async (early: boolean) => {
    const ep = new Counted(new MemoryEndpoint());
    await put(ep, "site/a.txt", "alpha");
    await put(ep, "site/pub/b.txt", "beta");
    await put(ep, "site/old.txt", "old");
    // The source lies inside the target: without the nested skip it would be deleted.
    const walk = early ? walkTargetEarly(ep, "site", { ...fast, delete: true }) : undefined;
    try {
      const report = await mirror(ep as Endpoint, "site/pub", ep, "site", {
        ...fast,
        delete: true,
        earlyTarget: walk,
      });
      return { report: plain(report), files: await contents(ep) };
    } finally {
      await walk?.cancel();
    }
  };
  const usual = await run(false);
  assert.equal(usual.files["site/pub/b.txt"], "beta", "the source inside the target stays");
  assert.deepEqual(await run(true), usual);
});

Deno.test("early target walk: cancel() stops a walk no mirror took, and never throws", async () => {
  const { dst } = await fixture();
  const walk = walkTargetEarly(dst, "m", filtered);
  await walk.cancel();
  await walk.cancel();
  assert.equal(dst.started, dst.finished);
  const aborted = new AbortController();
  aborted.abort(new Error("stop"));
  const stopped = walkTargetEarly(dst, "m", { ...filtered, signal: aborted.signal });
  await stopped.cancel();
});
