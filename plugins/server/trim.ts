/**
 * Gives memory freed by finished transfers back to the operating system once
 * the server is idle. Transfer buffers are freed when a transfer ends
 * (transfer.ts), but glibc's allocator keeps freed memory in its heap: after
 * 300 stalled downloads closed, RSS stayed at 155-190 % of the server's
 * resting size (bench/server_memory.ts). `malloc_trim(0)` hands the free pages
 * back; it costs 20-30 ms for ~75 MiB here, so it runs only after no transfer
 * has been active for a while, once per quiet period.
 *
 * Only where it can: Linux, a glibc (`libc.so.6`), and FFI already allowed
 * (`--allow-ffi` or `-A`; never prompted for). Anywhere else it does nothing
 * and says why once, at debug level.
 * @module
 */
import { logger } from "../../plugin.ts";

const log = logger("server");

/** What the trimmer calls: `malloc_trim(0)` of the C library, or undefined where there is none. */
export type TrimFunction = () => void;

/**
 * `malloc_trim(0)` through FFI, or why it is not available.
 *
 * @example
 * ```ts
 * const t = glibcTrim();
 * if (typeof t === "function") t();
 * ```
 */
export function glibcTrim(): TrimFunction | string {
  if (Deno.build.os !== "linux") return `not Linux (${Deno.build.os})`;
  if (Deno.permissions.querySync({ name: "ffi" }).state !== "granted") {
    return "FFI not allowed (--allow-ffi)";
  }
  return () => {
    // Opened per call (libc is loaded already: a reference count), so that no
    // library handle stays open between quiet periods.
    const lib = Deno.dlopen("libc.so.6", {
      malloc_trim: { parameters: ["usize"], result: "i32" },
    });
    try {
      lib.symbols.malloc_trim(0n);
    } finally {
      lib.close();
    }
  };
}

/**
 * V8's last-resort full collection, which also hands the heap pages it
 * emptied back to the system (a plain `gc()` keeps them pooled: RSS stays),
 * or undefined when the process has no `gc` (V8's `--expose-gc`, which
 * `ferry serve` sets for itself: relaunch.ts). After 300 concurrent sessions
 * V8's heap stays ~10 MiB larger than at rest until it happens to collect;
 * this took RSS back from 126-128 % of the resting size (9 ms, once the
 * server is idle).
 *
 * @example
 * ```ts
 * v8Release()?.();
 * ```
 */
export function v8Release(): TrimFunction | undefined {
  const gc = (globalThis as { gc?: (options?: object) => unknown }).gc;
  if (typeof gc !== "function") return undefined;
  return () => void gc({ type: "major", execution: "sync", flavor: "last-resort" });
}

/**
 * A server's trim: {@link v8Release} first when `idle()` says so (ftp server:
 * no session open, or connections came since the last trim; a full
 * collection is not worth its cost between the transfers of sessions already
 * open), then `trim` (malloc_trim). Either may be missing.
 *
 * @example
 * ```ts
 * const t = serverTrim(glibcTrim(), v8Release(), () => sessions.size === 0);
 * ```
 */
export function serverTrim(
  trim: TrimFunction | string,
  release: TrimFunction | undefined,
  idle: () => boolean,
): TrimFunction | string {
  if (!release) return trim;
  return () => {
    if (idle()) release();
    if (typeof trim === "function") trim();
  };
}

/**
 * When a server's trim asks V8 for its release ({@link serverTrim}'s `idle`):
 * when no session is open, or when connections came since the last trim,
 * even with their sessions still open. 300 logins leave ~16 KiB a session of
 * young-generation pages and garbage that no session holds (RSS of 300 idle
 * sessions 22 KiB each before the release, 6 after; bench/server_memory.ts);
 * between the transfers of sessions already open a full collection is not
 * worth its cost.
 *
 * @example
 * ```ts
 * const gate = new ReleaseGate(() => sessions.size);
 * const t = serverTrim(glibcTrim(), v8Release(), gate.due);
 * gate.arrived(); // a connection was accepted
 * ```
 */
export class ReleaseGate {
  #arrived = false;

  constructor(readonly openSessions: () => number) {}

  /** A connection came. */
  arrived(): void {
    this.#arrived = true;
  }

  /** Whether the release is due now; a yes uses up the arrivals seen so far. */
  due = (): boolean => {
    const arrived = this.#arrived;
    this.#arrived = false;
    return arrived || this.openSessions() === 0;
  };
}

/**
 * Calls `trim` once `quietMs` passed since the last {@link poke} with
 * nothing `busy`; a poke while waiting starts the wait again.
 *
 * @example
 * ```ts
 * const trimmer = new MemoryTrimmer(() => sessions.some((s) => s.activeTransfer));
 * trimmer.poke(); // a transfer ended
 * trimmer.stop(); // server closed
 * ```
 */
export class MemoryTrimmer {
  #timer?: ReturnType<typeof setTimeout>;
  /** When the quiet period of the last poke ends (performance.now()). */
  #due = 0;
  #stopped = false;
  #trim: TrimFunction | undefined;
  /** Times the trim ran (tests). */
  runs = 0;

  constructor(
    readonly busy: () => boolean,
    readonly quietMs = 2000,
    trim: TrimFunction | string = glibcTrim(),
  ) {
    if (typeof trim === "string") log.debug("freed memory is not trimmed: {why}", { why: trim });
    else this.#trim = trim;
  }

  /**
   * Something ended (a transfer, a session) or began (a connection): trim
   * after a quiet period. One
   * timer, not one per poke: a poke moves the deadline, and the timer, when
   * it fires early, waits for the rest (300 busy sessions poke ~900 times).
   */
  poke(): void {
    if (this.#stopped || !this.#trim) return;
    this.#due = performance.now() + this.quietMs;
    this.#timer ??= setTimeout(this.#onTimer, this.quietMs);
  }

  #onTimer = () => {
    this.#timer = undefined;
    const left = this.#due - performance.now();
    if (left > 0 && !this.#stopped) {
      this.#timer = setTimeout(this.#onTimer, left);
      return;
    }
    this.#fire();
  };

  #fire() {
    if (this.#stopped || !this.#trim) return;
    if (this.busy()) return; // the transfer that is running will poke when it ends
    try {
      this.#trim();
      this.runs++;
    } catch (e) {
      // A C library without malloc_trim (musl): stop trying, say so once.
      this.#trim = undefined;
      log.debug("freed memory is not trimmed: {why}", { why: (e as Error).message });
    }
  }

  /** No more trims (the server closed). */
  stop(): void {
    this.#stopped = true;
    if (this.#timer !== undefined) clearTimeout(this.#timer);
    this.#timer = undefined;
  }
}
