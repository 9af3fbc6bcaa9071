/**
 * Shared coarse timers for the server's deadlines (stall guards, idle
 * sessions, data connections that never come, a closing connection's
 * grace): one interval per period serves every deadline of that period,
 * instead of a timer made and cleared per session, transfer or EPSV (a
 * Deno 2.9.6 timer is a node-compat `Timeout` and a web timer under it;
 * a session used to make five).
 * @module
 */

/** A deadline check, called with `performance.now()`. */
export type Tick = (now: number) => void;

const tickers = new Map<number, { timer: ReturnType<typeof setInterval>; ticks: Set<Tick> }>();

/**
 * The tick period for a deadline `ms` away: a quarter of it, 10 ms to 1 s,
 * so a deadline is met at most a quarter (and at most a second) late.
 *
 * @example
 * ```ts
 * tickPeriod(300_000); // 1000
 * tickPeriod(200); // 50
 * ```
 */
export function tickPeriod(ms: number): number {
  return Math.max(10, Math.min(1000, ms / 4));
}

/**
 * Calls `tick` every `period` ms (the first call may come sooner) until the
 * function returned is called; that one may be called more than once, and
 * from inside a tick. All ticks of one period share one interval, which
 * ends with the last of them.
 *
 * @example
 * ```ts
 * const deadline = performance.now() + 30_000;
 * const stop = onTick(tickPeriod(30_000), (now) => {
 *   if (now >= deadline) { stop(); giveUp(); }
 * });
 * ```
 */
export function onTick(period: number, tick: Tick): () => void {
  let t = tickers.get(period);
  if (!t) {
    const ticks = new Set<Tick>();
    const timer = setInterval(() => {
      const now = performance.now();
      for (const f of ticks) f(now);
    }, period);
    tickers.set(period, t = { timer, ticks });
  }
  const entry = t;
  entry.ticks.add(tick);
  return () => {
    if (!entry.ticks.delete(tick) || entry.ticks.size) return;
    clearInterval(entry.timer);
    if (tickers.get(period) === entry) tickers.delete(period);
  };
}

/**
 * Runs `fire` once, `ms` from now (within a quarter of `ms` after, at most
 * a second), unless the function returned is called first.
 *
 * @example
 * ```ts
 * const cancel = after(2000, () => sock.destroy());
 * sock.once("close", cancel);
 * ```
 */
export function after(ms: number, fire: () => void): () => void {
  const deadline = performance.now() + ms;
  const stop = onTick(tickPeriod(ms), (now) => {
    if (now < deadline) return;
    stop();
    fire();
  });
  return stop;
}
