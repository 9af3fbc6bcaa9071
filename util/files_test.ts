import assert from "node:assert/strict";
import {
  FILE_BLOCK,
  fileReadable,
  fileToSink,
  fileToWritable,
  fileWritable,
  markReleasesChunks,
  offerReadInto,
  releasesChunks,
  streamToFile,
} from "./files.ts";

Deno.test("fileWritable and fileReadable round-trip a file, from an offset too", async () => {
  const dir = await Deno.makeTempDir();
  try {
    const data = new Uint8Array(FILE_BLOCK * 2 + 123).map((_, i) => i % 251);
    const path = `${dir}/f.bin`;
    await new Blob([data]).stream().pipeTo(
      fileWritable(Deno.openSync(path, { write: true, create: true })),
    );
    assert.deepEqual(await Deno.readFile(path), data);
    const back = new Uint8Array(
      await new Response(fileReadable(Deno.openSync(path))).arrayBuffer(),
    );
    assert.deepEqual(back, data);
    const tail = new Uint8Array(
      await new Response(fileReadable(Deno.openSync(path), FILE_BLOCK + 5)).arrayBuffer(),
    );
    assert.deepEqual(tail, data.subarray(FILE_BLOCK + 5));
    const reader = fileReadable(Deno.openSync(path)).getReader();
    await reader.read();
    await reader.cancel(); // closes the file: the resource sanitizer checks it
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

/** A byte stream handing out `data` in pieces of at most `piece` bytes; `offered` gets each BYOB buffer's size. */
function byteSource(data: Uint8Array, piece: number, offered: number[]) {
  let at = 0;
  return new ReadableStream({
    type: "bytes",
    pull(controller) {
      const view = controller.byobRequest?.view;
      if (at >= data.length) {
        controller.close();
        controller.byobRequest?.respond(0);
        return;
      }
      const n = Math.min(piece, data.length - at, view?.byteLength ?? piece);
      if (view) {
        offered.push(view.buffer.byteLength);
        new Uint8Array(view.buffer, view.byteOffset, n).set(data.subarray(at, at + n));
        controller.byobRequest!.respond(n);
      } else controller.enqueue(data.slice(at, at + n));
      at += n;
    },
  });
}

Deno.test("streamToFile: a byte stream is read into one reused buffer; a plain stream chunk by chunk", async () => {
  const dir = await Deno.makeTempDir();
  try {
    const data = new Uint8Array(300_000).map((_, i) => (i * 7919) % 251);
    const offered: number[] = [];
    const totals: number[] = [];
    const a = `${dir}/a`;
    const n = await streamToFile(
      byteSource(data, 70_000, offered),
      Deno.openSync(a, { write: true, create: true }),
      { onBytes: (t) => totals.push(t) },
    );
    assert.equal(n, data.length);
    assert.deepEqual(await Deno.readFile(a), data);
    assert.deepEqual(totals, [70_000, 140_000, 210_000, 280_000, 300_000]);
    // Every read was a BYOB read into the reader's whole 1 MiB buffer (handed back each time).
    assert.deepEqual(offered, Array(5).fill(1024 * 1024));

    const b = `${dir}/b`;
    const plain = ReadableStream.from([data.subarray(0, 10), data.subarray(10)]);
    assert.equal(
      await streamToFile(plain, Deno.openSync(b, { write: true, create: true })),
      data.length,
    );
    assert.deepEqual(await Deno.readFile(b), data);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("streamToFile: an abort cancels the stream, fails with the reason and closes the file", async () => {
  const dir = await Deno.makeTempDir();
  try {
    const controller = new AbortController();
    let cancelled: unknown;
    const endless = new ReadableStream({
      type: "bytes",
      pull(c) {
        c.byobRequest!.respond(1);
        controller.abort(new Error("stop"));
      },
      cancel(reason) {
        cancelled = reason;
      },
    });
    const file = Deno.openSync(`${dir}/c`, { write: true, create: true });
    await assert.rejects(streamToFile(endless, file, { signal: controller.signal }), /stop/);
    assert.match(String(cancelled), /stop/);
    assert.throws(() => file.writeSync(new Uint8Array(1)), Deno.errors.BadResource);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("fileToSink: one buffer, written chunk by chunk, the sink closed; an abort aborts it", async () => {
  const dir = await Deno.makeTempDir();
  try {
    const data = new Uint8Array(3 * 1024 * 1024 + 7).map((_, i) => i % 253);
    await Deno.writeFile(`${dir}/f.bin`, data);
    // The sink copies each chunk: it is done with it once its write resolves.
    const got: Uint8Array<ArrayBuffer>[] = [];
    const buffers = new Set<ArrayBufferLike>();
    let closed = false;
    const sink = new WritableStream<Uint8Array>({
      write(chunk) {
        buffers.add(chunk.buffer);
        got.push(chunk.slice());
      },
      close() {
        closed = true;
      },
    });
    const counts: number[] = [];
    const n = await fileToSink(Deno.openSync(`${dir}/f.bin`), sink, {
      onBytes: (t) => counts.push(t),
    });
    assert.equal(n, data.length);
    assert.deepEqual(new Uint8Array(await new Blob(got).arrayBuffer()), data);
    assert.equal(buffers.size, 1);
    assert.ok(closed);
    assert.equal(counts.at(-1), data.length);

    const sizes: number[] = [];
    const small = new WritableStream<Uint8Array>({
      write: (chunk) => void sizes.push(chunk.length),
    });
    const m = await fileToSink(Deno.openSync(`${dir}/f.bin`), small, { blockSize: 128 * 1024 });
    assert.equal(m, data.length);
    assert.equal(Math.max(...sizes), 128 * 1024);

    const controller = new AbortController();
    let aborted: unknown;
    const stuck = new WritableStream<Uint8Array>({
      write: () => controller.abort(new Error("stop")),
      abort(reason) {
        aborted = reason;
      },
    });
    const file = Deno.openSync(`${dir}/f.bin`);
    await assert.rejects(fileToSink(file, stuck, { signal: controller.signal }), /stop/);
    assert.match(String(aborted), /stop/);
    assert.throws(() => file.readSync(new Uint8Array(1)), Deno.errors.BadResource);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("fileToWritable: one reused buffer for a sink that releases its chunks, a fresh block each otherwise", async () => {
  const dir = await Deno.makeTempDir();
  try {
    const data = new Uint8Array(2_500_000).map((_, i) => (i * 31) % 253);
    await Deno.writeFile(`${dir}/src`, data);
    const run = async (mark: boolean) => {
      const buffers = new Set<ArrayBufferLike>();
      const copies: Uint8Array[] = [];
      const sink = new WritableStream<Uint8Array>({
        write(chunk) {
          buffers.add(chunk.buffer);
          copies.push(chunk.slice());
        },
      });
      const totals: number[] = [];
      const n = await fileToWritable(Deno.openSync(`${dir}/src`), markReleasesChunks(sink, mark), {
        onBytes: (t) => totals.push(t),
      });
      assert.equal(n, data.length);
      assert.deepEqual(totals, [1 << 20, 2 << 20, data.length]);
      const joined = new Uint8Array(n);
      copies.reduce((at, c) => (joined.set(c, at), at + c.length), 0);
      assert.deepEqual(joined, data);
      return buffers.size;
    };
    assert.equal(await run(true), 1);
    assert.equal(await run(false), 3);
    assert.equal(releasesChunks(new WritableStream()), false);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("fileToWritable: a failing sink fails the copy and the file is closed", async () => {
  const dir = await Deno.makeTempDir();
  try {
    await Deno.writeFile(`${dir}/src`, new Uint8Array(3 << 20));
    const file = Deno.openSync(`${dir}/src`);
    const sink = new WritableStream<Uint8Array>({
      write() {
        throw new Error("disk full");
      },
    });
    await assert.rejects(fileToWritable(file, sink), /disk full/);
    assert.throws(() => file.readSync(new Uint8Array(1)), Deno.errors.BadResource);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("streamToFile: an offered ReadInto is read instead of the stream; a failure or abort cancels the stream", async () => {
  const dir = await Deno.makeTempDir();
  try {
    const path = `${dir}/f.bin`;
    const open = () => Deno.openSync(path, { write: true, create: true, truncate: true });
    const source = (parts: number[], end: () => Promise<number | null>) => {
      let pulled = 0;
      const cancelled: unknown[] = [];
      const stream = new ReadableStream<Uint8Array>({
        pull: () => void pulled++,
        cancel: (reason) => void cancelled.push(reason),
      }, { highWaterMark: 0 });
      const left = [...parts];
      offerReadInto(stream, {
        readInto: (into) => {
          const n = left.shift();
          if (n === undefined) return end();
          into.fill(n, 0, n);
          return Promise.resolve(n);
        },
      });
      return { stream, pulled: () => pulled, cancelled };
    };
    const ok = source([3, 5], () => Promise.resolve(null));
    assert.equal(await streamToFile(ok.stream, open()), 8);
    assert.deepEqual([...await Deno.readFile(path)], [3, 3, 3, 5, 5, 5, 5, 5]);
    assert.equal(ok.pulled(), 0);
    assert.deepEqual(ok.cancelled, []);

    const failure = new Error("226 never came");
    const bad = source([2], () => Promise.reject(failure));
    await assert.rejects(() => streamToFile(bad.stream, open()), failure);
    assert.deepEqual(bad.cancelled, [failure]);

    const controller = new AbortController();
    const stuck = source([1], () => {
      controller.abort(new Error("interrupted"));
      return Promise.resolve(0);
    });
    await assert.rejects(
      () => streamToFile(stuck.stream, open(), { signal: controller.signal }),
      /interrupted/,
    );
    assert.equal(stuck.cancelled.length, 1);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
