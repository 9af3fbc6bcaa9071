/**
 * An adaptive count of transfers in flight, TCP's slow start applied to
 * connections: start below the most allowed, add one while each step makes
 * the job faster, stop adding when a step did not, and step down when the
 * server turns a session away as one too many (421, or a 530 that says so),
 * never to climb back to the count it refused. Never above `max`, never below
 * one. Pure: the caller reports each finished transfer with the clock.
 * @module
 */
import { causeChain } from "../util/errors.ts";

/** Options of {@link AdaptiveLimit}. */
export interface AdaptiveOptions {
  /** Most transfers in flight (the endpoints' `maxConnections` and `--parallel`). */
  max: number;
  /** Where to start (default half of `max`, at least 1). */
  start?: number;
  /** Shortest measuring window in ms (default 500); it also waits for `limit` transfers. */
  windowMs?: number;
  /** How much better (a share) a window must be to count as faster (default 0.05). */
  gain?: number;
}

/**
 * Bytes a finished file is worth beside its bytes: on a far server each file
 * costs a few round trips whatever its size (3 at 40 ms: 0.12 s, the time of
 * ~1.5 MB at 100 Mbit/s), so throughput counts files as well as bytes.
 */
export const FILE_WORTH_BYTES = 1 << 20;

/**
 * The count of transfers to keep in flight, updated from finished transfers.
 *
 * @example
 * ```ts
 * const adaptive = new AdaptiveLimit({ max: 8 });
 * await forEachLimit(copies, () => adaptive.limit, async (c) => {
 *   const bytes = await copy(c);
 *   adaptive.done(performance.now(), bytes);
 * });
 * ```
 */
export class AdaptiveLimit {
  #limit: number;
  /** The highest count allowed now: `max`, or below a count the server refused. */
  #ceiling: number;
  readonly #windowMs: number;
  readonly #gain: number;
  #growing = true;
  /** The best throughput so far (bytes per ms, files counted as FILE_WORTH_BYTES). */
  #best = 0;
  #windowStart?: number;
  #windowWork = 0;
  #windowFiles = 0;

  /** Starts at `start` (default half of `max`). */
  constructor(options: AdaptiveOptions) {
    const max = Math.max(1, Math.floor(options.max));
    this.#ceiling = max;
    this.#limit = clamp(options.start ?? Math.ceil(max / 2), 1, max);
    this.#windowMs = options.windowMs ?? 500;
    this.#gain = options.gain ?? 0.05;
  }

  /** Transfers to keep in flight now. */
  get limit(): number {
    return this.#limit;
  }

  /** Whether the count may still grow (no step has failed to pay yet). */
  get growing(): boolean {
    return this.#growing && this.#limit < this.#ceiling;
  }

  /**
   * One transfer finished at `now` (ms) having moved `bytes`; returns the
   * count to keep in flight from now on.
   *
   * @example
   * ```ts
   * adaptive.done(performance.now(), 65_536);
   * ```
   */
  done(now: number, bytes: number): number {
    if (this.#windowStart === undefined) {
      // The first finished transfer opens the first window (start-up is not throughput).
      this.#windowStart = now;
      return this.#limit;
    }
    this.#windowWork += bytes + FILE_WORTH_BYTES;
    this.#windowFiles++;
    const elapsed = now - this.#windowStart;
    if (elapsed < this.#windowMs || this.#windowFiles < this.#limit) return this.#limit;
    const rate = this.#windowWork / elapsed;
    if (rate > this.#best * (1 + this.#gain)) {
      this.#best = rate;
      if (this.#growing && this.#limit < this.#ceiling) this.#limit++;
    } else if (this.#best > 0) {
      // The last step did not pay: stay here.
      this.#growing = false;
    }
    this.#windowStart = now;
    this.#windowWork = 0;
    this.#windowFiles = 0;
    return this.#limit;
  }

  /**
   * The server refused a session as one too many: one transfer fewer from
   * now on, and never again as many as now. Returns the new count.
   *
   * @example
   * ```ts
   * if (error.ftpCode === 421) adaptive.refused();
   * ```
   */
  refused(): number {
    this.#ceiling = Math.max(1, Math.min(this.#ceiling, this.#limit - 1));
    this.#limit = this.#ceiling;
    this.#growing = false;
    // A window measured at the old count says nothing about the new one.
    this.#windowStart = undefined;
    this.#windowWork = 0;
    this.#windowFiles = 0;
    return this.#limit;
  }
}

function clamp(n: number, low: number, high: number): number {
  return Math.min(high, Math.max(low, Math.floor(n)));
}

/**
 * Whether an error is a server turning a session away as one too many: an
 * FTP 421, or an error that says so by name (`TooManyConnectionsError`, a
 * 530 "too many users"), the error itself or a cause.
 *
 * @example
 * ```ts
 * isTooMany(Object.assign(new Error("x"), { ftpCode: 421 })); // true
 * ```
 */
export function isTooMany(error: unknown): boolean {
  for (const e of causeChain(error)) {
    if (e.ftpCode === 421 || e.name === "TooManyConnectionsError") return true;
  }
  return false;
}
