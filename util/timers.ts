/**
 * Deadlines without `setTimeout`. In Deno 2.9 the global `setTimeout` is
 * node:timers', loaded on first use with the Node layer under it: the first
 * call took 18-27 ms of the main thread here (a one-file `ferry get` paid it
 * between the auth server's grant and the UFTPD login), where `AbortSignal.timeout`
 * took 0.5 ms. {@link deadline} waits on a private `Atomics.waitAsync` cell
 * instead, which V8 times out on its own: no module to load, cancelled by a
 * notify.
 *
 * Like a timer passed to `Deno.unrefTimer`, a deadline does not keep the
 * process alive: for timeouts of something that does (a socket read, a connect),
 * not for sleeps.
 * @module
 */

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
  const cell = new Int32Array(new SharedArrayBuffer(4));
  let live = true;
  const waited = Atomics.waitAsync(cell, 0, 0, Math.max(0, ms));
  if (waited.async) {
    waited.value.then((outcome) => {
      if (live && outcome === "timed-out") {
        live = false;
        fire();
      }
    });
  } else {
    // A zero deadline times out at once: fired as a timer would, not synchronously.
    queueMicrotask(() => {
      if (live) {
        live = false;
        fire();
      }
    });
  }
  return () => {
    if (!live) return;
    live = false;
    Atomics.notify(cell, 0);
  };
}
