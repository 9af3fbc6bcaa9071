/**
 * The server's transfer buffers: one pool for the process, from which
 * downloads (./download_chunks.ts) and uploads (./upload_batch.ts) take
 * their chunk buffers and to which they give them back, and {@link free},
 * which hands a buffer's memory back to the system at once.
 * @module
 */

/**
 * Gives a transfer buffer's memory back now instead of at V8's next full
 * collection: detaching an ArrayBuffer (`transfer(0)`) releases its backing
 * store when nothing else holds it (a Deno op still using it holds its own
 * reference). An idle server otherwise keeps finished transfers' buffers
 * until something else triggers a collection.
 *
 * @example
 * ```ts
 * free(chunk.buffer); // its memory goes back now, not at the next full collection
 * ```
 */
export function free(buf: ArrayBufferLike | undefined): void {
  if (buf instanceof ArrayBuffer && !buf.detached && buf.byteLength) buf.transfer(0);
}

/**
 * Transfer buffers that finished transfers gave back, for the next ones to
 * take while any transfer runs; all freed ({@link free}) once none does. A
 * fresh buffer costs more than its allocation: with ferry serve's
 * `MALLOC_MMAP_THRESHOLD_` (relaunch.ts) each one is an mmap, a page fault
 * per 4 KiB page on first use and an munmap that interrupts the other cores
 * (perf, 300 concurrent STOR+RETR: ~11 % of the server's CPU). The pool only
 * holds buffers that running transfers held a moment before, so it adds
 * nothing to the peak; a server at rest holds none. A stalled transfer's
 * shed buffer is freed, not pooled (it may stall for long).
 *
 * @example
 * ```ts
 * pool.enter();
 * const buf = pool.take(65536);
 * pool.give(buf);
 * pool.leave(); // the last transfer out frees what the pool holds
 * ```
 */
export class BufferPool {
  #free: ArrayBuffer[] = [];
  #bytes = 0;
  #holders = 0;
  constructor(readonly maxBytes: number) {}

  /** A buffer of `size` bytes: a pooled one, or a new one. Call {@link enter} first. */
  take(size: number): ArrayBuffer {
    for (let i = this.#free.length - 1; i >= 0; i--) {
      const b = this.#free[i];
      if (b.byteLength !== size) continue;
      this.#free.splice(i, 1);
      this.#bytes -= size;
      if (!b.detached) return b;
    }
    return new ArrayBuffer(size);
  }

  /** Gives `buf` back: pooled while a transfer runs and the pool has room, else freed. */
  give(buf: ArrayBufferLike | undefined): void {
    if (!(buf instanceof ArrayBuffer) || buf.detached || !buf.byteLength) return;
    if (this.#holders > 0 && this.#bytes + buf.byteLength <= this.maxBytes) {
      this.#free.push(buf);
      this.#bytes += buf.byteLength;
    } else free(buf);
  }

  /** A transfer starts holding buffers. */
  enter(): void {
    this.#holders++;
  }

  /** A transfer gave its buffers back: the last one out frees the pool. */
  leave(): void {
    if (--this.#holders > 0) return;
    for (const b of this.#free) free(b);
    this.#free.length = 0;
    this.#bytes = 0;
  }
}

/** One pool for the process: 4 MiB at most (64 buffers of the default 64 KiB). */
export const pool = new BufferPool(4 * 1048576);
