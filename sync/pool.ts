/**
 * Bounded concurrency for listings and transfers: one small helper instead of
 * ad-hoc Promise juggling in every job.
 * @module
 */

/**
 * Runs `fn` over `items` with at most `limit` calls in flight, in item order.
 * Every item is attempted: a rejection does not stop the others, and the first
 * one is rethrown at the end (jobs catch per item, so this is for bugs).
 * An aborted `signal` stops starting new items.
 *
 * @example
 * ```ts
 * await forEachLimit([1, 2, 3], 2, async (n) => console.log(n));
 * ```
 */
export async function forEachLimit<T>(
  items: Iterable<T>,
  limit: number,
  fn: (item: T, index: number) => Promise<void>,
  signal?: AbortSignal,
): Promise<void> {
  const iterator = items[Symbol.iterator]();
  let index = 0;
  let failure: { error: unknown } | undefined;
  const worker = async () => {
    while (!signal?.aborted) {
      const next = iterator.next();
      if (next.done) return;
      const i = index++;
      try {
        await fn(next.value, i);
      } catch (error) {
        failure ??= { error };
      }
    }
  };
  const n = Math.max(1, Math.floor(limit) || 1);
  await Promise.all(Array.from({ length: n }, worker));
  if (failure) throw failure.error;
}
