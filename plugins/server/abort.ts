/**
 * A transfer's abort: what a pump needs of an abort signal, and the session's
 * light implementation of it.
 * @module
 */

/**
 * What a pump needs of an abort signal: an `AbortSignal`, or the session's
 * lighter {@link TransferAbort}.
 */
export interface AbortLike {
  readonly aborted: boolean;
  addEventListener(type: "abort", listener: () => void, options?: { once?: boolean }): void;
  removeEventListener(type: "abort", listener: () => void): void;
}

/**
 * A transfer's abort (ABOR, session closed) without an `AbortController`:
 * a controller, its signal and the EventTarget machinery of one listener
 * (options normalized, a listener record, the event dispatched) per
 * transfer were all garbage for the common transfer that is never aborted.
 * This holds a flag and at most a few listeners (the stall guard, a
 * throttle's wait).
 *
 * @example
 * ```ts
 * const abort = new TransferAbort();
 * abort.addEventListener("abort", () => sock.destroy());
 * abort.abort(); // runs the listener once; abort.aborted is true
 * ```
 */
export class TransferAbort implements AbortLike {
  aborted = false;
  #listeners: (() => void)[] = [];

  /** Adds `listener`, run once at the abort (listeners always run once here). */
  addEventListener(_type: "abort", listener: () => void): void {
    if (!this.aborted) this.#listeners.push(listener);
  }

  removeEventListener(_type: "abort", listener: () => void): void {
    const i = this.#listeners.indexOf(listener);
    if (i >= 0) this.#listeners.splice(i, 1);
  }

  /** Sets {@link aborted} and runs the listeners (once; later calls do nothing). */
  abort(): void {
    if (this.aborted) return;
    this.aborted = true;
    const listeners = this.#listeners;
    this.#listeners = [];
    for (const f of listeners) f();
  }
}
