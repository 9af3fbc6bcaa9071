import assert from "node:assert/strict";
import { pump } from "./pump.ts";
import { offerDirectWrite } from "../endpoint/streams.ts";
import { offerReadInto } from "../util/files.ts";

const bytes = (...sizes: number[]) => sizes.map((n) => new Uint8Array(n).fill(n % 256));

function sink(options: { failAt?: number } = {}) {
  const got: number[] = [];
  let closed = false;
  let aborted: unknown;
  const stream = new WritableStream<Uint8Array>({
    write(chunk) {
      if (options.failAt === got.length) throw new Error("disk full");
      got.push(chunk.byteLength);
    },
    close() {
      closed = true;
    },
    abort(reason) {
      aborted = reason;
    },
  });
  return { stream, got, closed: () => closed, aborted: () => aborted };
}

function source(chunks: Uint8Array[], options: { failAfter?: number; hang?: boolean } = {}) {
  let i = 0;
  let cancelled: unknown = "no";
  const stream = new ReadableStream<Uint8Array>({
    pull(controller) {
      if (options.failAfter === i) return controller.error(new Error("connection reset"));
      if (i < chunks.length) return controller.enqueue(chunks[i++]);
      if (options.hang) return new Promise(() => {});
      controller.close();
    },
    cancel(reason) {
      cancelled = reason;
    },
  }, { highWaterMark: 0 });
  return { stream, cancelled: () => cancelled };
}

Deno.test("pump: copies every chunk, counts them, and closes the destination", async () => {
  const out = sink();
  const seen: number[] = [];
  await pump(source(bytes(3, 5, 7)).stream, out.stream, { onChunk: (n) => seen.push(n) });
  assert.deepEqual(out.got, [3, 5, 7]);
  assert.deepEqual(seen, [3, 5, 7]);
  assert.equal(out.closed(), true);
});

Deno.test("pump: a failing source aborts the destination with its error", async () => {
  const out = sink();
  await assert.rejects(
    pump(source(bytes(3, 5), { failAfter: 1 }).stream, out.stream),
    /connection reset/,
  );
  assert.match(String(out.aborted()), /connection reset/);
  assert.equal(out.closed(), false);
});

Deno.test("pump: a failing destination cancels the source with its error", async () => {
  const input = source(bytes(1, 2, 3, 4));
  await assert.rejects(pump(input.stream, sink({ failAt: 1 }).stream), /disk full/);
  assert.match(String(input.cancelled()), /disk full/);
});

Deno.test("pump: an abort stops a stalled copy on both sides", async () => {
  const input = source(bytes(1), { hang: true });
  const out = sink();
  const controller = new AbortController();
  const copying = pump(input.stream, out.stream, { signal: controller.signal });
  setTimeout(() => controller.abort(new Error("interrupted")), 10);
  await assert.rejects(copying, /interrupted/);
  assert.match(String(input.cancelled()), /interrupted/);
  assert.match(String(out.aborted()), /interrupted/);
});

Deno.test("pump: an already aborted signal touches nothing", async () => {
  const input = source(bytes(1));
  const out = sink();
  await assert.rejects(
    pump(input.stream, out.stream, { signal: AbortSignal.abort(new Error("stop")) }),
    /stop/,
  );
  assert.deepEqual(out.got, []);
  assert.match(String(out.aborted()), /stop/);
});

Deno.test("pump: a destination's direct write takes the chunks; its failure aborts both sides", async () => {
  const direct = (failAt?: number) => {
    const out = sink();
    const written: number[] = [];
    offerDirectWrite(out.stream, {
      writeSync(chunk) {
        if (failAt === written.length) throw new Error("disk full");
        written.push(chunk.byteLength);
      },
    });
    return { ...out, written };
  };
  const ok = direct();
  await pump(source(bytes(3, 5)).stream, ok.stream);
  assert.deepEqual(ok.written, [3, 5]);
  assert.deepEqual(ok.got, [], "no chunk through the stream's write");
  assert.equal(ok.closed(), true);

  const bad = direct(1);
  const src = source(bytes(3, 5, 7));
  await assert.rejects(pump(src.stream, bad.stream), /disk full/);
  assert.deepEqual(bad.written, [3]);
  assert.match(String(bad.aborted()), /disk full/);
  assert.match(String(src.cancelled()), /disk full/);
});

Deno.test("pump: a source's reads into a buffer go to a direct write; a failed read aborts the destination", async () => {
  const into = (chunks: Uint8Array[], failAt?: number) => {
    let i = 0;
    let cancelled: unknown = "no";
    const stream = new ReadableStream<Uint8Array>({
      cancel(reason) {
        cancelled = reason;
      },
    });
    offerReadInto(stream, {
      readInto(buffer) {
        if (failAt === i) return Promise.reject(new Error("connection reset"));
        const chunk = chunks[i++];
        if (!chunk) return Promise.resolve(null);
        buffer.set(chunk);
        return Promise.resolve(chunk.byteLength);
      },
    });
    return { stream, cancelled: () => cancelled };
  };
  const target = () => {
    const out = sink();
    const written: number[][] = [];
    offerDirectWrite(out.stream, { writeSync: (chunk) => void written.push([...chunk]) });
    return { ...out, written };
  };
  const ok = target();
  await pump(into([Uint8Array.of(1, 2), Uint8Array.of(3)]).stream, ok.stream);
  assert.deepEqual(ok.written, [[1, 2], [3]]);
  assert.equal(ok.closed(), true);

  const bad = target();
  const src = into([Uint8Array.of(1)], 1);
  await assert.rejects(pump(src.stream, bad.stream), /connection reset/);
  assert.deepEqual(bad.written, [[1]]);
  assert.match(String(bad.aborted()), /connection reset/);
  assert.equal(src.cancelled(), "no", "a failed source is not cancelled");
});

Deno.test("pump: a direct sink (no stream) takes the chunks, is closed, and aborted on failures", async () => {
  const target = (failAt?: number) => {
    const written: number[] = [];
    let closed = false;
    let aborted: unknown;
    const out = {
      writeSync(chunk: Uint8Array) {
        if (failAt === written.length) throw new Error("disk full");
        written.push(chunk.byteLength);
      },
      close: () => (closed = true, Promise.resolve()),
      abort: (reason?: unknown) => (aborted = reason, Promise.resolve()),
    };
    return { out, written, closed: () => closed, aborted: () => aborted };
  };
  const ok = target();
  await pump(source(bytes(3, 5)).stream, ok.out);
  assert.deepEqual(ok.written, [3, 5]);
  assert.equal(ok.closed(), true);

  const full = target(1);
  const src = source(bytes(3, 5, 7));
  await assert.rejects(pump(src.stream, full.out), /disk full/);
  assert.match(String(full.aborted()), /disk full/);
  assert.match(String(src.cancelled()), /disk full/);
  assert.equal(full.closed(), false);

  const reset = target();
  await assert.rejects(pump(source(bytes(3, 5), { failAfter: 1 }).stream, reset.out), /reset/);
  assert.deepEqual(reset.written, [3]);
  assert.match(String(reset.aborted()), /connection reset/);

  const stopped = target();
  const controller = new AbortController();
  const hanging = source(bytes(3), { hang: true });
  const running = pump(hanging.stream, stopped.out, { signal: controller.signal });
  controller.abort(new Error("stop"));
  await assert.rejects(running, /stop/);
  assert.match(String(stopped.aborted()), /stop/);
  assert.match(String(hanging.cancelled()), /stop/);
});

Deno.test("pump: a source without a stream is read into pump's buffer; through a stream, into fresh ones", async () => {
  const from = (chunks: number[][], failAt?: number) => {
    let i = 0;
    let cancelled: unknown = "no";
    const source = {
      readInto(into: Uint8Array) {
        if (failAt === i) return Promise.reject(new Error("connection reset"));
        const chunk = chunks[i++];
        if (!chunk) return Promise.resolve(null);
        into.set(chunk);
        return Promise.resolve(chunk.length);
      },
      cancel: (reason?: unknown) => (cancelled = reason, Promise.resolve()),
    };
    return { source, cancelled: () => cancelled };
  };
  const written: number[][] = [];
  let closed = false;
  const direct = {
    writeSync: (chunk: Uint8Array) => void written.push([...chunk]),
    close: () => (closed = true, Promise.resolve()),
    abort: () => Promise.resolve(),
  };
  await pump(from([[1, 2], [3]]).source, direct);
  assert.deepEqual(written, [[1, 2], [3]]);
  assert.equal(closed, true);

  // A stream may keep its chunks after write() returned: each read has a buffer of its own.
  const kept: Uint8Array[] = [];
  const stream = new WritableStream<Uint8Array>({ write: (chunk) => void kept.push(chunk) });
  await pump(from([[1, 2], [3]]).source, stream);
  assert.deepEqual(kept.map((c) => [...c]), [[1, 2], [3]]);

  // A failed read aborts the destination; the source is not cancelled (it failed itself).
  const out = sink();
  const failing = from([[1]], 1);
  await assert.rejects(pump(failing.source, out.stream), /connection reset/);
  assert.match(String(out.aborted()), /connection reset/);
  assert.equal(failing.cancelled(), "no");
});
