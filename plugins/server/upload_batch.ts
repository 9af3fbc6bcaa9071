/**
 * Where an upload's bytes go ({@link UploadSink}) and how they get there:
 * the socket's chunks gathered into batches of the transfer's chunk size
 * ({@link Batcher}), written while the next batch fills. The pumps in
 * ./transfer.ts feed it.
 * @module
 */
import { type DirectSink, type DirectWrite, directWriteOf } from "../../plugin.ts";
import { free, pool } from "./buffers.ts";

/**
 * Where an upload's bytes go: an endpoint's stream, or its direct sink where
 * it offers one (`Endpoint.writeDirect`: no Web Stream, writer and promise
 * per upload).
 */
export type UploadSink = WritableStream<Uint8Array> | DirectSink;

/**
 * Gathers socket chunks (64 KiB from node sockets) into writes of `size`
 * bytes with one write in flight while the next batch fills: two buffers per
 * upload at most, reused; one when the endpoint's stream offers a direct
 * (synchronous) write or the upload goes to a direct sink. Each Deno file write is a separate async op;
 * batching doubled upload throughput to a local endpoint here (about 300 ->
 * 620 MB/s at 256 KiB).
 *
 * @example
 * ```ts
 * const batch = new Batcher(await endpoint.write(path), 256 * 1024);
 * for await (const chunk of socketChunks) await batch.add(chunk);
 * await batch.close();
 * batch.dispose();
 * ```
 */
export class Batcher {
  // Two buffers in turn: one being written, one filling (no garbage per batch).
  #spare?: Uint8Array<ArrayBuffer>;
  #buf: Uint8Array<ArrayBuffer>;
  #len = 0;
  #inflight?: Promise<void>;
  #flying?: Uint8Array<ArrayBuffer>;
  /** The stream's writer; undefined for a direct sink. */
  readonly writer?: WritableStreamDefaultWriter<Uint8Array>;
  /**
   * With `direct` (a local file: see `DirectWrite`, or a direct sink) each
   * full batch is written at once, synchronously, and the same buffer fills
   * again: one buffer per upload, no promise per batch.
   */
  readonly direct?: DirectWrite;
  /** The direct sink, closed or aborted in place of a stream. */
  readonly #sink?: DirectSink;

  constructor(dest: UploadSink, readonly size: number) {
    if (dest instanceof WritableStream) {
      this.writer = dest.getWriter();
      this.direct = directWriteOf(dest);
    } else {
      this.direct = this.#sink = dest;
    }
    pool.enter();
    this.#buf = new Uint8Array(pool.take(size));
  }

  /** Writes the batch through `direct`; the error instead of throwing it. */
  #writeNow(): unknown {
    const out = this.#buf.subarray(0, this.#len);
    this.#len = 0;
    try {
      this.direct!.writeSync(out);
    } catch (e) {
      return e ?? new Error("write failed");
    }
  }

  /**
   * Copies a chunk in without waiting when that is possible; returns a
   * promise to wait for before the next `put` when the chunk filled a batch
   * while a write was still in flight (the rest of the chunk then follows
   * through `add`).
   */
  put(chunk: Uint8Array): Promise<void> | undefined {
    let off = 0;
    while (off < chunk.length) {
      const take = Math.min(chunk.length - off, this.size - this.#len);
      this.#buf.set(chunk.subarray(off, off + take), this.#len);
      this.#len += take;
      off += take;
      if (this.#len === this.size) {
        if (this.direct) {
          const failed = this.#writeNow();
          if (failed) return Promise.reject(failed);
          continue;
        }
        if (this.#inflight) return this.#send().then(() => this.add(chunk.subarray(off)));
        void this.#send();
      }
    }
    return undefined;
  }

  /** The free part of the filling batch, to read into; then {@link commit}. */
  space(): Uint8Array<ArrayBuffer> {
    return this.#len ? this.#buf.subarray(this.#len) : this.#buf;
  }

  /**
   * Counts `n` bytes read into {@link space}; sends the batch when full. A
   * direct write happens here and now (and throws here); otherwise the
   * promise to wait for, or undefined when there is nothing to wait for.
   */
  commit(n: number): Promise<void> | undefined {
    this.#len += n;
    if (this.#len !== this.size) return undefined;
    if (this.direct) {
      const failed = this.#writeNow();
      if (failed) throw failed;
      return undefined;
    }
    return this.#send();
  }

  async add(chunk: Uint8Array): Promise<void> {
    let off = 0;
    while (off < chunk.length) {
      const take = Math.min(chunk.length - off, this.size - this.#len);
      this.#buf.set(chunk.subarray(off, off + take), this.#len);
      this.#len += take;
      off += take;
      if (this.#len === this.size) await this.#send();
    }
  }

  async #send() {
    if (this.direct) {
      const failed = this.#writeNow();
      if (failed) throw failed;
      return;
    }
    const full = this.#buf;
    const out = full.subarray(0, this.#len);
    if (this.#inflight) await this.#inflight;
    // The previous write has resolved, so the sink is done with its buffer.
    this.#buf = this.#spare ?? new Uint8Array(pool.take(this.size));
    this.#spare = undefined;
    this.#len = 0;
    this.#flying = full;
    this.#inflight = this.writer!.write(out).then(() => {
      this.#spare = full;
      this.#flying = undefined;
    });
    // Awaited by the next #send, flush or settle; a failure may land first.
    this.#inflight.catch(() => {});
  }

  /** Writes what is left and waits for every write. */
  async flush(): Promise<void> {
    if (this.#len) await this.#send();
    if (this.#inflight) await this.#inflight;
    this.#inflight = undefined;
  }

  /** Waits for a pending write without raising (failure path). */
  async settle(): Promise<void> {
    await this.#inflight?.catch(() => {});
  }

  /** Writes what is left and closes the destination (an atomic write commits). */
  async close(): Promise<void> {
    await this.flush();
    if (this.#sink) await this.#sink.close();
    else await this.writer!.close();
  }

  /** Gives the destination up after a failure (its clean-up); never throws. */
  async abort(reason: unknown): Promise<void> {
    await this.settle();
    if (this.#sink) await this.#sink.abort(reason).catch(() => {});
    else await this.writer!.abort(reason).catch(() => {});
  }

  /**
   * A stalled upload: frees the spare buffer (the one written last, idle
   * until the filling one is full), so that a client that stopped sending
   * holds one buffer, not two. The next batch allocates it again.
   */
  shed(): void {
    if (!this.#spare) return; // set once the last write finished
    free(this.#spare.buffer);
    this.#spare = undefined;
  }

  /** Gives both buffers back (`BufferPool` in ./buffers.ts); once, after `flush` or `settle`. */
  dispose(): void {
    pool.give(this.#buf.buffer);
    pool.give(this.#spare?.buffer);
    pool.give(this.#flying?.buffer);
    this.#spare = this.#flying = undefined;
    pool.leave();
  }
}
