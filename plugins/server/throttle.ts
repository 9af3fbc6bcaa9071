/**
 * Bandwidth limits per session (pyftpdlib's ThrottledDTPHandler read/write
 * limits, in bytes per second). A transfer awaits `consume()` after each chunk;
 * the wait is what keeps the average under the limit.
 * @module
 */
import type { AbortLike } from "./abort.ts";

/**
 * Keeps a byte stream under `bytesPerSecond` on average.
 *
 * @example
 * ```ts
 * const t = new Throttle(1_000_000);
 * for await (const chunk of source) { await t.consume(chunk.length); send(chunk); }
 * ```
 */
export class Throttle {
  #start = performance.now();
  #bytes = 0;

  constructor(readonly bytesPerSecond: number) {}

  /** Accounts `n` bytes and waits until the average rate is back under the limit. */
  async consume(n: number, signal?: AbortLike): Promise<void> {
    if (!(this.bytesPerSecond > 0)) return;
    this.#bytes += n;
    const due = (this.#bytes / this.bytesPerSecond) * 1000;
    const ahead = due - (performance.now() - this.#start);
    if (ahead <= 1) return;
    await new Promise<void>((resolve) => {
      const timer = setTimeout(done, ahead);
      function done() {
        clearTimeout(timer);
        signal?.removeEventListener("abort", done);
        resolve();
      }
      signal?.addEventListener("abort", done, { once: true });
    });
  }
}
