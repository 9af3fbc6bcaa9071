/**
 * Bounded concurrency for listings and transfers: one small helper instead of
 * ad-hoc Promise juggling in every job.
 * @module
 */

/**
 * Runs `fn` over `items` with at most `limit` calls in flight, in item order.
 * Every item is attempted: a rejection does not stop the others, and the first
 * one is rethrown at the end (jobs catch per item, so this is for bugs).
 * An aborted `signal` stops starting new items. `limit` may be a function
 * (an adaptive count, see sync/adaptive.ts): it is asked again after each
 * item, and the calls in flight follow it up and down.
 *
 * @example
 * ```ts
 * await forEachLimit([1, 2, 3], 2, async (n) => console.log(n));
 * ```
 */
export async function forEachLimit<T>(
  items: Iterable<T>,
  limit: number | (() => number),
  fn: (item: T, index: number) => Promise<void>,
  signal?: AbortSignal,
): Promise<void> {
  const iterator = items[Symbol.iterator]();
  let index = 0;
  let failure: { error: unknown } | undefined;
  let done = false;
  let active = 0;
  const workers: Promise<void>[] = [];
  const allowed = () => Math.max(1, Math.floor(typeof limit === "number" ? limit : limit()) || 1);
  // `active` changes synchronously as a worker decides to stop, so two
  // finishing at once do not both stop for one step down.
  const worker = async () => {
    while (!signal?.aborted && !done) {
      const next = iterator.next();
      if (next.done) {
        done = true;
        break;
      }
      const i = index++;
      try {
        await fn(next.value, i);
      } catch (error) {
        failure ??= { error };
      }
      if (active > allowed()) break; // the count went down: this one stops
      grow();
    }
    active--;
  };
  const grow = () => {
    while (!done && !signal?.aborted && active < allowed()) {
      active++;
      workers.push(worker());
    }
  };
  grow();
  // Workers started later join the list while earlier ones are awaited.
  for (let w = 0; w < workers.length; w++) await workers[w];
  if (failure) throw failure.error;
}
