/**
 * Deadlines without `setTimeout`. In Deno 2.9 the global `setTimeout` is
 * node:timers', loaded on first use with the Node layer under it: the first
 * call took 18-27 ms of the main thread here (a one-file `ferry get` paid it
 * between the auth server's grant and the UFTPD login), where `AbortSignal.timeout`
 * took 0.5 ms. {@link deadline} waits on an `Atomics.waitAsync` cell
 * instead, which V8 times out on its own: no module to load, cancelled by a
 * notify. All deadlines share one such wait, for the earliest of them.
 *
 * Like a timer passed to `Deno.unrefTimer`, a deadline does not keep the
 * process alive: for timeouts of something that does (a socket read, a connect),
 * not for sleeps.
 * @module
 */

/** A deadline not yet fired nor cancelled. */
interface Pending {
  at: number;
  fire: () => void;
}

/**
 * Every live deadline, waited on by one shared `Atomics.waitAsync` for the
 * earliest: a deadline of its own per call (a SharedArrayBuffer, a V8 waiter,
 * a notify and a promise each) was ~5 per file of a mirror of small files
 * (control replies, data connect, idle check), and nearly all are cancelled
 * long before their time. Now adding and cancelling one is a Set's.
 */
const pending = new Set<Pending>();
/** The shared wait's cell and when it times out (Infinity: none armed). */
let armed: Int32Array | undefined;
let armedAt = Infinity;
/** A wake this close before a deadline counts as reaching it (timers may fire a little early). */
const slackMs = 1;

/** Arms the shared wait for `at` unless one is armed for that time or earlier. */
function arm(at: number): void {
  if (at >= armedAt) return;
  if (armed) Atomics.notify(armed, 0); // the old wait ends; its wake is ignored
  const cell = new Int32Array(new SharedArrayBuffer(4));
  armed = cell;
  armedAt = at;
  const waited = Atomics.waitAsync(cell, 0, 0, Math.max(0, at - performance.now()));
  const woke = () => {
    if (armed !== cell) return; // replaced by an earlier one, or notified
    armed = undefined;
    armedAt = Infinity;
    sweep();
  };
  if (waited.async) waited.value.then(woke);
  else queueMicrotask(woke);
}

/** Fires what is due, earliest first, then arms the wait for the earliest left. */
function sweep(): void {
  const now = performance.now() + slackMs;
  const due: Pending[] = [];
  for (const entry of pending) {
    if (entry.at <= now) {
      pending.delete(entry);
      due.push(entry);
    }
  }
  due.sort((a, b) => a.at - b.at);
  for (const entry of due) {
    try {
      entry.fire();
    } catch (error) {
      // Thrown where a timer's callback throws, not into the other deadlines.
      queueMicrotask(() => {
        throw error;
      });
    }
  }
  // A deadline added by a `fire` above has armed itself; this re-arms only earlier.
  let next = Infinity;
  for (const entry of pending) if (entry.at < next) next = entry.at;
  if (next < Infinity) arm(next);
}

/**
 * Calls `fire` after `ms` unless the returned function was called first.
 * Does not keep the process alive (see the module notes).
 *
 * @example
 * ```ts
 * const cancel = deadline(30_000, () => conn.close());
 * try { await conn.read(buffer); } finally { cancel(); }
 * ```
 */
export function deadline(ms: number, fire: () => void): () => void {
  if (ms <= 0) {
    // A zero deadline times out at once: fired as a timer would, not synchronously.
    let live = true;
    queueMicrotask(() => {
      if (live) {
        live = false;
        fire();
      }
    });
    return () => {
      live = false;
    };
  }
  const entry: Pending = { at: performance.now() + ms, fire };
  pending.add(entry);
  arm(entry.at);
  // The shared wait stays armed when the last deadline goes: a later one, due after
  // it (a reply's timeout, added per command), needs no wait of its own, and the
  // wait, at its time, finds nothing due and arms nothing. Ending it here made a
  // wait per command (~155 a no-change mirror of 41 listings).
  return () => {
    pending.delete(entry);
  };
}
