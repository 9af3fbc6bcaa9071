/**
 * Segmented downloads through transferFile, without a network: a memory
 * source (it reads ranges) into a local disk (it writes at positions); cuts
 * made by a wrapper that breaks one read. FTP peers: segmented_ftp_test.ts.
 */
import assert from "node:assert/strict";
import { transferFile } from "../../sync/transfer.ts";
import { partialName, segmentStateName } from "../../endpoint/atomic.ts";
import { parseSegmentState, type SegmentState } from "../../sync/segments.ts";
import type { Capabilities, Endpoint, ReadOptions } from "../../endpoint/types.ts";
import { CutReads, mem, pattern, tempLocal, Wrapped } from "./helpers.ts";

const KIB = 1024;
const SIZE = 600 * KIB + 7;
const mtime = new Date("2026-03-04T05:06:07Z");
const small = { threshold: 0, minSegment: 16 * KIB };

async function source(inner: Endpoint = mem()): Promise<{ ep: Endpoint; data: Uint8Array }> {
  const data = pattern(SIZE);
  const out = await inner.write("big.bin");
  const w = out.getWriter();
  await w.write(data);
  await w.close();
  return { ep: inner, data };
}

/** A segmented run whose first read is cut after `cutAfter` bytes, without retries: it fails. */
async function cutRun(ep: Endpoint, disk: Endpoint, cutAfter: number): Promise<void> {
  await assert.rejects(
    transferFile(new CutReads(ep, cutAfter), "big.bin", disk, "big.bin", {
      size: SIZE,
      mtime,
      segments: { ...small, segments: 4 },
      retry: { retries: 0 },
    }),
  );
}

/** Counts reads open at once (each is one connection on a real server). */
class Counting extends Wrapped {
  open = 0;
  most = 0;
  offsets: number[] = [];
  constructor(inner: Endpoint, readonly limit: number) {
    super(inner);
  }
  override capabilities(): Capabilities {
    return { ...super.capabilities(), maxConnections: this.limit };
  }
  override async read(path: string, options: ReadOptions = {}) {
    this.offsets.push(options.offset ?? 0);
    this.most = Math.max(this.most, ++this.open);
    const inner = await super.read(path, options);
    let closed = false;
    const done = () => {
      if (!closed) (closed = true, this.open--);
    };
    const reader = inner.getReader();
    return new ReadableStream<Uint8Array>({
      async pull(c) {
        const r = await reader.read();
        if (r.done) (done(), c.close());
        else c.enqueue(r.value);
      },
      cancel: (reason) => (done(), reader.cancel(reason)),
    });
  }
}

Deno.test("segmented: bytes and mtime arrive, no partial or record left, reads at each segment", async () => {
  await using disk = await tempLocal();
  const counting = new Counting((await source()).ep, 4);
  const r = await transferFile(counting, "big.bin", disk, "big.bin", {
    size: SIZE,
    mtime,
    segments: { ...small, segments: 4 },
  });
  assert.equal(r.segments, 4);
  assert.equal(r.resumedFrom, 0);
  assert.equal(r.bytesSent, SIZE);
  assert.deepEqual(await Deno.readFile(`${disk.root}/big.bin`), pattern(SIZE));
  assert.equal((await disk.stat("big.bin")).mtime?.getTime(), mtime.getTime());
  assert.deepEqual(counting.offsets.sort((a, b) => a - b), [
    0,
    150 * KIB + 2,
    300 * KIB + 4,
    450 * KIB + 6,
  ]);
  assert.ok(counting.most <= 4, `${counting.most} reads at once`);
  assert.deepEqual([...Deno.readDirSync(disk.root)].map((e) => e.name), ["big.bin"]);
});

Deno.test("segmented: never more reads at once than the source's maxConnections", async () => {
  await using disk = await tempLocal();
  const counting = new Counting((await source()).ep, 3);
  const r = await transferFile(counting, "big.bin", disk, "big.bin", {
    size: SIZE,
    segments: { ...small, segments: 8 },
  });
  assert.equal(r.segments, 3);
  assert.ok(counting.most <= 3, `${counting.most} reads at once`);
  assert.deepEqual(await Deno.readFile(`${disk.root}/big.bin`), pattern(SIZE));
});

Deno.test("segmented: a cut segment fails the run, keeps partial and record; the re-run continues each segment", async () => {
  await using disk = await tempLocal();
  const { ep } = await source();
  await cutRun(ep, disk, 100 * KIB);
  const record = parseSegmentState(
    await Deno.readTextFile(`${disk.root}/${segmentStateName("big.bin")}`),
  ) as SegmentState;
  assert.ok(!("invalid" in record));
  const confirmed = record.segments.reduce((n, s) => n + s.done, 0);
  assert.ok(confirmed >= 100 * KIB, `record confirms ${confirmed} bytes`);
  assert.ok(record.segments.some((s) => s.done >= 100 * KIB && s.done < s.end - s.start));
  assert.ok((await disk.lstat(partialName("big.bin"))).size > 0);

  const again = new Counting(ep, 8);
  const r = await transferFile(again, "big.bin", disk, "big.bin", {
    size: SIZE,
    mtime,
    resume: true,
    segments: { ...small, segments: 4 },
  });
  assert.equal(r.resumedFrom, confirmed);
  assert.equal(r.bytesSent, SIZE - confirmed);
  const expected = record.segments.filter((s) => s.done < s.end - s.start)
    .map((s) => s.start + s.done).sort((a, b) => a - b);
  assert.deepEqual(again.offsets.sort((a, b) => a - b), expected);
  assert.deepEqual(await Deno.readFile(`${disk.root}/big.bin`), pattern(SIZE));
  assert.equal((await disk.stat("big.bin")).mtime?.getTime(), mtime.getTime());
  assert.deepEqual([...Deno.readDirSync(disk.root)].map((e) => e.name), ["big.bin"]);
});

Deno.test("segmented: a record for another version of the source is not continued", async () => {
  await using disk = await tempLocal();
  const { ep } = await source();
  await cutRun(ep, disk, 50 * KIB);
  const counting = new Counting(ep, 8);
  const r = await transferFile(counting, "big.bin", disk, "big.bin", {
    size: SIZE,
    mtime: new Date(mtime.getTime() + 60_000),
    resume: true,
    segments: { ...small, segments: 4 },
  });
  assert.equal(r.resumedFrom, 0);
  assert.deepEqual(await Deno.readFile(`${disk.root}/big.bin`), pattern(SIZE));
});

Deno.test("segmented: a segmented partial is never continued by one stream at its size", async () => {
  await using disk = await tempLocal();
  const { ep } = await source();
  await cutRun(ep, disk, 50 * KIB);
  const r = await transferFile(ep, "big.bin", disk, "big.bin", {
    size: SIZE,
    mtime,
    resume: true,
    segments: { segments: 1 },
  });
  assert.equal(r.resumedFrom, 0);
  assert.deepEqual(await Deno.readFile(`${disk.root}/big.bin`), pattern(SIZE));
  assert.deepEqual([...Deno.readDirSync(disk.root)].map((e) => e.name), ["big.bin"]);
});

Deno.test("segmented: retries within the run continue the cut segment", async () => {
  await using disk = await tempLocal();
  const { ep } = await source();
  const cut = new CutReads(ep, 70 * KIB, 2);
  const r = await transferFile(cut, "big.bin", disk, "big.bin", {
    size: SIZE,
    segments: { ...small, segments: 4 },
    retry: { retries: 2, baseDelayMs: 1 },
  });
  assert.ok(r.attempts >= 2);
  assert.deepEqual(await Deno.readFile(`${disk.root}/big.bin`), pattern(SIZE));
  assert.equal(cut.reads.length, 6, JSON.stringify(cut.reads));
});

Deno.test("segmented: memory to memory, and below the threshold one stream", async () => {
  const { ep } = await source();
  const target = mem();
  const r = await transferFile(ep, "big.bin", target, "big.bin", {
    size: SIZE,
    segments: { ...small, segments: 5 },
  });
  assert.equal(r.segments, 5);
  const one = await transferFile(ep, "big.bin", target, "again.bin", { size: SIZE });
  assert.equal(one.segments, undefined);
});

Deno.test("segmented: a one-stream partial is continued in segments after its bytes", async () => {
  await using disk = await tempLocal();
  const { ep } = await source();
  await Deno.writeFile(
    `${disk.root}/${partialName("big.bin")}`,
    pattern(SIZE).subarray(0, 200 * KIB),
  );
  const counting = new Counting(ep, 8);
  const r = await transferFile(counting, "big.bin", disk, "big.bin", {
    size: SIZE,
    resume: true,
    segments: { ...small, segments: 2 },
  });
  assert.equal(r.resumedFrom, 200 * KIB);
  assert.equal(Math.min(...counting.offsets), 200 * KIB);
  assert.deepEqual(await Deno.readFile(`${disk.root}/big.bin`), pattern(SIZE));
});

/**
 * Holds the read at offset 0 after its first chunk until a third read starts
 * (a connection took part of it); after 5 s it lets go anyway, so a missing
 * steal fails the test instead of hanging it.
 */
class SlowFirst extends Wrapped {
  offsets: number[] = [];
  #release?: () => void;
  readonly #held = new Promise<void>((r) => this.#release = r);
  readonly #timer = setTimeout(() => this.#release!(), 5000);
  override async read(path: string, options: ReadOptions = {}) {
    const offset = options.offset ?? 0;
    this.offsets.push(offset);
    if (this.offsets.length > 2) this.done();
    const inner = (await super.read(path, options)).getReader();
    const held = offset === 0 ? this.#held : undefined;
    let first = true;
    return new ReadableStream<Uint8Array>({
      async pull(c) {
        if (held && !first) await held;
        first = false;
        const r = await inner.read();
        if (r.done) c.close();
        else c.enqueue(r.value);
      },
      cancel: (reason) => inner.cancel(reason),
    });
  }
  done(): void {
    clearTimeout(this.#timer);
    this.#release!();
  }
}

Deno.test("segmented: a connection that finished takes half of a segment still running", async () => {
  await using disk = await tempLocal();
  const slow = new SlowFirst((await source()).ep);
  const r = await transferFile(slow, "big.bin", disk, "big.bin", {
    size: SIZE,
    segments: { ...small, segments: 2, splitMin: 64 * KIB },
  });
  slow.done();
  assert.ok(slow.offsets.length >= 3, JSON.stringify(slow.offsets));
  const stolen = slow.offsets[2];
  assert.ok(stolen > 64 * KIB && stolen < SIZE / 2, `the third read starts at ${stolen}`);
  assert.equal(r.segments, 2);
  assert.deepEqual(await Deno.readFile(`${disk.root}/big.bin`), pattern(SIZE));
});
