/**
 * The streamed mirror (sync/mirror_stream.ts): copies start while the walks go
 * on, deletions wait for both complete walks, and the result, report and
 * progress events are those of a mirror that plans first.
 */
import assert from "node:assert/strict";
import type { Endpoint, Stat, StatList } from "../../endpoint/types.ts";
import { normalizePath } from "../../endpoint/path.ts";
import { mirror, type MirrorOptions, walkTargetEarly } from "../../sync/mirror.ts";
import type { ProgressEvent } from "../../sync/progress.ts";
import type { JobReport } from "../../sync/report.ts";
import { at, contents, mem, put, tempLocal, Wrapped } from "./helpers.ts";

const fast = { retry: { baseDelayMs: 0 }, stream: true };

/** A source whose listing of `late` waits until the test lets it go. */
class LateListing extends Wrapped {
  readonly late: string;
  #release!: () => void;
  readonly released: Promise<void>;
  listedLate = false;
  constructor(inner: Endpoint, late: string) {
    super(inner);
    this.late = normalizePath(late);
    this.released = new Promise((resolve) => this.#release = resolve);
  }
  release(): void {
    this.#release();
  }
  override async list(path: string): Promise<Stat[]> {
    if (normalizePath(path) === this.late) {
      await this.released;
      const out = await super.list(path);
      this.listedLate = true;
      return out;
    }
    return super.list(path);
  }
}

/** A target that records, for each finished write and each deletion, whether the late listing was done. */
class Watched extends Wrapped {
  readonly log: string[] = [];
  constructor(inner: Endpoint, readonly source: LateListing, readonly onWritten?: () => void) {
    super(inner);
  }
  override async write(path: string, options?: Parameters<Endpoint["write"]>[1]) {
    const w = await super.write(path, options);
    const writer = w.getWriter();
    const log = this.log;
    const source = this.source;
    const onWritten = this.onWritten;
    return new WritableStream<Uint8Array>({
      write: (chunk) => writer.write(chunk),
      async close() {
        await writer.close();
        log.push(`written ${path} ${source.listedLate ? "after" : "before"} late listing`);
        onWritten?.();
      },
      abort: (reason) => writer.abort(reason),
    });
  }
  override async remove(path: string): Promise<void> {
    this.log.push(`removed ${path} ${this.source.listedLate ? "after" : "before"} late listing`);
    await super.remove(path);
  }
  override async rmdir(path: string): Promise<void> {
    this.log.push(`rmdir ${path} ${this.source.listedLate ? "after" : "before"} late listing`);
    await super.rmdir(path);
  }
}

async function tree(): Promise<Endpoint> {
  const src = mem();
  await put(src, "a.txt", "alpha", at(0));
  await put(src, "early/b.txt", "bravo", at(10));
  await put(src, "early/sub/c.txt", "charlie", at(20));
  await put(src, "zlate/d.txt", "delta", at(30));
  await put(src, "zlate/deep/e.txt", "echo", at(40));
  return src;
}

Deno.test("streamed mirror: a copy finishes before a late directory is listed; deletions wait", async () => {
  const source = new LateListing(await tree(), "zlate");
  // Without streaming nothing would be written until the walk ends: this bound
  // fails the test instead of hanging it (it is not a wait).
  const bound = setTimeout(() => source.release(), 20_000);
  const inner = mem();
  await put(inner, "out/old.txt", "old", at(0));
  await put(inner, "out/gone/x.txt", "x", at(0));
  const target = new Watched(inner, source, () => source.release());
  try {
    const report = await mirror(source, "", target, "out", { ...fast, delete: true, parallel: 2 });
    assert.equal(report.ok, true, JSON.stringify(report.errors));
    assert.equal(report.files.transferred, 5);
    assert.equal(report.files.deleted, 2);
    assert.equal(report.dirsDeleted, 1);
  } finally {
    clearTimeout(bound);
  }
  assert.match(target.log[0], /^written .* before late listing$/);
  const deletions = target.log.filter((l) => !l.startsWith("written"));
  assert.equal(deletions.length, 3);
  for (const line of deletions) assert.match(line, /after late listing$/);
  assert.deepEqual(await contents(inner, "out"), {
    "a.txt": "alpha",
    "early/": "",
    "early/b.txt": "bravo",
    "early/sub/": "",
    "early/sub/c.txt": "charlie",
    "zlate/": "",
    "zlate/d.txt": "delta",
    "zlate/deep/": "",
    "zlate/deep/e.txt": "echo",
  });
});

Deno.test("streamed mirror: a target walked early (before the source opened) still runs copies ahead", async () => {
  const source = new LateListing(await tree(), "zlate");
  const bound = setTimeout(() => source.release(), 20_000);
  const inner = mem();
  await put(inner, "out/old.txt", "old", at(0));
  await put(inner, "out/early/keep.txt", "keep", at(0));
  const watched = new Watched(inner, source, () => source.release());
  const walked = Promise.withResolvers<void>();
  let lists = 0;
  /** Says when the target's two directories (out, out/early) are listed. */
  const target = new class extends Wrapped {
    override async list(path: string): Promise<Stat[]> {
      const out = await super.list(path);
      if (++lists === 2) walked.resolve();
      return out;
    }
  }(watched);
  const options = { ...fast, delete: true, parallel: 2 };
  // The whole target is listed before the mirror starts: its listings reach the stream late.
  const early = walkTargetEarly(target, "out", options);
  await walked.promise;
  // The walk takes its last listing in (promise jobs) before the mirror starts.
  await new Promise((resolve) => setTimeout(resolve, 0));
  try {
    const report = await mirror(source, "", target, "out", { ...options, earlyTarget: early });
    assert.equal(report.ok, true, JSON.stringify(report.errors));
    assert.equal(report.files.transferred, 5);
    assert.equal(report.files.deleted, 2);
  } finally {
    clearTimeout(bound);
    await early.cancel();
  }
  assert.equal(lists, 2, "the target was walked once");
  assert.match(watched.log[0], /^written .* before late listing$/);
  for (const line of watched.log.filter((l) => !l.startsWith("written"))) {
    assert.match(line, /after late listing$/);
  }
});

/** A source whose listing of one directory leaves a line out (as an unparsable LIST line). */
class SkipsALine extends Wrapped {
  constructor(inner: Endpoint, readonly dir: string) {
    super(inner);
  }
  override async list(path: string): Promise<Stat[]> {
    const out: StatList = await super.list(path);
    if (normalizePath(path) === this.dir) {
      out.skipped = [{ line: "?rw-r--r-- what is this", reason: "unreadable line" }];
    }
    return out;
  }
}

Deno.test("streamed mirror: an incomplete source listing still blocks every deletion", async () => {
  const source = new SkipsALine(await tree(), "early");
  const target = mem();
  await put(target, "old.txt", "old", at(0));
  await put(target, "early/stale.txt", "stale", at(0));
  const report = await mirror(source, "", target, "", { ...fast, delete: true });
  assert.equal(report.ok, false);
  assert.equal(report.files.transferred, 5);
  assert.equal(report.files.deleted, 0);
  assert.match(report.deletesBlocked ?? "", /source listing incomplete/);
  assert.equal((await contents(target))["old.txt"], "old");
  assert.equal((await contents(target))["early/stale.txt"], "stale");
});

/** What must not differ between a streamed mirror and one that plans first. */
function essence(r: JobReport) {
  const { startedAt: _s, finishedAt: _f, durationMs: _d, errors, ...rest } = r;
  return { ...rest, errors: [...errors].sort((x, y) => (x.path < y.path ? -1 : 1)) };
}

function eventsKey(events: ProgressEvent[]): string[] {
  // Copies run in parallel: the order of file events may differ, their set must not.
  const [first, ...more] = events;
  return [JSON.stringify(first), ...more.map((e) => JSON.stringify(e)).sort()];
}

async function both(
  setup: () => Promise<{ src: Endpoint; dst: Endpoint; dstRoot: string }>,
  options: MirrorOptions,
): Promise<ReturnType<typeof essence>> {
  const results = [];
  for (const stream of [false, true]) {
    const { src, dst, dstRoot } = await setup();
    const events: ProgressEvent[] = [];
    const report = await mirror(src, "", dst, dstRoot, {
      ...fast,
      ...options,
      stream,
      onProgress: (e) => events.push(e),
    });
    results.push({ report: essence(report), events: eventsKey(events), tree: await contents(dst) });
  }
  assert.deepEqual(results[1], results[0]);
  assert.equal(JSON.parse(results[1].events[0]).type, "plan");
  return results[1].report;
}

Deno.test("streamed mirror: same report, events and tree as planning first", async () => {
  const fixture = (extra: (dst: Endpoint) => Promise<void>, dstRoot = "out") => async () => {
    const src = await tree();
    await put(src, "early/sub/big.bin", "0123456789".repeat(100), at(50));
    const dst = mem();
    await extra(dst);
    return { src, dst, dstRoot };
  };
  // A fresh target under a missing root.
  await both(fixture(async () => {}, "a/b/out"), { parallel: 3 });
  // Changed, same, extraneous, and entries of another type (deleted first).
  const mixed = fixture(async (dst) => {
    await put(dst, "out/a.txt", "alpha", at(0)); // same
    await put(dst, "out/early/b.txt", "BRAVO!", at(99)); // changed
    await put(dst, "out/early/sub", "a file where a dir is", at(0)); // another type
    await put(dst, "out/zlate/d.txt/inner.txt", "a dir where a file is", at(0));
    await put(dst, "out/extra/y.txt", "y", at(0)); // extraneous
  });
  const mixedRun = await both(mixed, { delete: true, parallel: 2 });
  assert.equal(mixedRun.files.deleted, 3);
  await both(mixed, { delete: false, parallel: 4 });
  await both(mixed, { delete: true, maxDelete: 1 });
  // A copy that fails holds back the deletions, streamed or not.
  const failing = fixture(async (dst) => {
    await put(dst, "out/extra/y.txt", "y", at(0));
    await dst.mkdir("out/early/.b.txt.ferry.part", { parents: true }); // the partial cannot be written
  });
  const failed = await both(failing, { delete: true });
  assert.equal(failed.files.failed, 1);
  assert.equal(failed.files.deleted, 0);
  assert.match(failed.deletesBlocked ?? "", /1 transfer\(s\) failed/);
});

Deno.test("streamed mirror: memory to local disk, and again with nothing to do", async () => {
  await using disk = await tempLocal();
  const src = await tree();
  const first = await mirror(src, "", disk, "copy", fast);
  assert.equal(first.ok, true, JSON.stringify(first.errors));
  assert.equal(first.files.transferred, 5);
  assert.equal(first.dirsCreated, 4);
  const again = await mirror(src, "", disk, "copy", { ...fast, delete: true });
  assert.equal(again.files.transferred, 0);
  assert.equal(again.files.skipped, 5);
  assert.equal((await disk.stat("copy/zlate/deep/e.txt")).mtime?.getTime(), at(40).getTime());
});
