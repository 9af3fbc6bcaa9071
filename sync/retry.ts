/**
 * Which failures are worth another try, and the exponential back-off between
 * tries. One predicate for every job, as rclone keeps its `shouldRetry`.
 * @module
 */
import { causeChain } from "../util/errors.ts";

/** Retry settings shared by every job. */
export interface RetryOptions {
  /** Further attempts after the first (default 3). */
  retries?: number;
  /** Delay before the first retry in ms (default 500); doubles each time. */
  baseDelayMs?: number;
  /** Upper bound of one delay in ms (default 30 s). */
  maxDelayMs?: number;
}

/** Codes of dropped or stalled connections (Node/Deno style). */
const temporaryCodes = new Set([
  "ECONNRESET",
  "ECONNABORTED",
  "ECONNREFUSED",
  "ETIMEDOUT",
  "EPIPE",
  "EAI_AGAIN",
  "EHOSTUNREACH",
  "ENETUNREACH",
  "ENETRESET",
  "UND_ERR_SOCKET",
]);

/** Deno error classes of the same kind (they carry no `code`). */
const temporaryNames = new Set([
  "ConnectionReset",
  "ConnectionAborted",
  "ConnectionRefused",
  "TimedOut",
  "BrokenPipe",
  "UnexpectedEof",
  "Interrupted",
]);

/**
 * Whether an error is temporary: an FTP 4xx reply (`ftpCode` 400-499, which
 * includes 421 "too many connections"), a dropped or timed-out connection, or
 * anything flagged `temporary: true`. Causes are followed, so a wrapped socket
 * error counts too. Aborts never count.
 *
 * @example
 * ```ts
 * isTemporary(Object.assign(new Error("x"), { ftpCode: 421 }));   // true
 * isTemporary(Object.assign(new Error("x"), { code: "ECONNRESET" })); // true
 * isTemporary(new NotFoundError("a"));                           // false
 * ```
 */
export function isTemporary(error: unknown): boolean {
  for (const err of causeChain(error)) {
    if (err.name === "AbortError") return false;
    if (err.temporary === true) return true;
    if (typeof err.ftpCode === "number" && err.ftpCode >= 400 && err.ftpCode < 500) return true;
    if (typeof err.code === "string" && temporaryCodes.has(err.code)) return true;
    if (typeof err.name === "string" && temporaryNames.has(err.name)) return true;
  }
  return false;
}

/**
 * The delay before retry number `attempt` (1-based): base * 2^(attempt-1),
 * capped, with up to 25 % random jitter so parallel workers do not stampede a
 * server that just said 421.
 *
 * @example
 * ```ts
 * backoffDelay(1, { baseDelayMs: 100 }, () => 0); // 100
 * backoffDelay(3, { baseDelayMs: 100 }, () => 0); // 400
 * ```
 */
export function backoffDelay(
  attempt: number,
  options: RetryOptions = {},
  random: () => number = Math.random,
): number {
  const base = options.baseDelayMs ?? 500;
  const max = options.maxDelayMs ?? 30_000;
  const plain = Math.min(max, base * 2 ** Math.max(0, attempt - 1));
  return Math.round(plain * (1 + 0.25 * random()));
}

/**
 * Runs `fn` until it succeeds, a non-temporary error is thrown, or the retries
 * are used up; `onRetry` hears about each retry before the wait.
 *
 * @example
 * ```ts
 * const data = await withRetry((attempt) => fetchIt(attempt), { retries: 2 });
 * ```
 */
export async function withRetry<T>(
  fn: (attempt: number) => Promise<T>,
  options: RetryOptions & {
    signal?: AbortSignal;
    onRetry?: (error: unknown, attempt: number, delayMs: number) => void;
  } = {},
): Promise<T> {
  const retries = options.retries ?? 3;
  for (let attempt = 0;; attempt++) {
    options.signal?.throwIfAborted();
    try {
      return await fn(attempt);
    } catch (error) {
      if (attempt >= retries || !isTemporary(error) || options.signal?.aborted) throw error;
      const delay = backoffDelay(attempt + 1, options);
      options.onRetry?.(error, attempt + 1, delay);
      await sleep(delay, options.signal);
    }
  }
}

function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  if (ms <= 0) return Promise.resolve();
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      signal?.removeEventListener("abort", onAbort);
      resolve();
    }, ms);
    const onAbort = () => {
      clearTimeout(timer);
      reject(signal!.reason);
    };
    signal?.addEventListener("abort", onAbort, { once: true });
  });
}
