/**
 * The write protocol every backend shares: where the bytes go (temporary name,
 * resumable partial, or the target itself), when they are renamed into place,
 * and what is cleaned up when a write fails, is aborted or has the wrong size.
 *
 * Backends only supply primitive hooks (open a sink at an offset, rename,
 * remove, set mtime); the rules live here once so that local disk, memory and
 * FTP behave the same and the conformance suite can hold them to it.
 * @module
 */
import type { DirectSink, WriteOptions } from "./types.ts";
import { basename, dirname, joinPath, normalizePath } from "./path.ts";
import { InvalidPathError, SizeMismatchError, UnsupportedError } from "./errors.ts";
import { mtimeNotSet } from "./mtime_warning.ts";
import { logger } from "../util/log.ts";
import { markReleasesChunks, releasesChunks } from "../util/files.ts";
import { offerDirectWrite } from "./streams.ts";
import { errorMessage } from "../util/errors.ts";
import type { Logger } from "../util/log.ts";

/** What a write will do, decided from the path and the options alone. */
export interface WritePlan {
  /** The canonical final path. */
  target: string;
  /** Where the bytes are written: a temporary or partial name, or `target`. */
  writeTo: string;
  /** Byte offset the new data starts at within `writeTo`. */
  offset: number;
  /** Whether `writeTo` is renamed onto `target` after a successful close. */
  rename: boolean;
  /** Whether `writeTo` survives a failed or aborted write (a resumable partial). */
  keepOnFailure: boolean;
  /** Expected final size, checked on close. */
  size?: number;
  /** mtime to set on `target` after the commit. */
  mtime?: Date;
  /** Hears that `mtime` was not set ({@link WriteOptions.onMtimeNotSet}). */
  onMtimeNotSet?: (error: unknown) => void;
}

const log = logger("endpoint", "write");

const tempPattern = /^\.(.+)\.ferry(-[0-9a-z]+)?\.part$/;

/**
 * A fresh temporary name beside `path`: `.<name>.ferry-<random>.part`.
 *
 * @example
 * ```ts
 * tempName("dir/file.txt", "k3x9"); // "dir/.file.txt.ferry-k3x9.part"
 * ```
 */
export function tempName(path: string, random: string = randomTag()): string {
  return beside(path, `.${basename(path)}.ferry-${random}.part`);
}

/**
 * A fresh name beside `path` for its old copy while a replacement is renamed
 * onto it (`.<name>.ferry-old-<random>`). Not a temporary name: a sync never
 * takes it for an orphaned partial, so a run cut between the two renames
 * leaves the old file where a person finds it.
 *
 * @example
 * ```ts
 * asideName("dir/file.txt", "k3x9"); // "dir/.file.txt.ferry-old-k3x9"
 * ```
 */
export function asideName(path: string, random: string = randomTag()): string {
  return beside(path, `.${basename(path)}.ferry-old-${random}`);
}

/** What putting an old file back or away takes: a rename and a removal, in one namespace. */
export interface AsideOps {
  /** Moves `from` to `to`. */
  rename(from: string, to: string): Promise<unknown>;
  /** Removes a file. */
  remove(path: string): Promise<unknown>;
}

/**
 * Runs `move` (a rename onto `to`) once the old `to` stands at `aside`
 * ({@link asideName}, moved there by the caller after the backend refused
 * to rename onto it): the old file is put back if `move` still fails, and
 * removed once the new one stands, so a refusal never costs the old file.
 * A failure to put it back or remove it is logged, not thrown.
 *
 * @example
 * ```ts
 * const aside = asideName("a.txt");
 * await ep.rename("a.txt", aside);
 * await moveWithOldAside(ep, "a.txt", aside, () => ep.rename(".a.txt.part", "a.txt"), log);
 * ```
 */
export async function moveWithOldAside<T>(
  ops: AsideOps,
  to: string,
  aside: string,
  move: () => Promise<T>,
  log: Logger,
): Promise<T> {
  let result: T;
  try {
    result = await move();
  } catch (error) {
    await ops.rename(aside, to).catch((e) =>
      log.error("the old {to} is left at {aside}: cannot put it back: {error}", {
        to,
        aside,
        error: errorMessage(e),
      })
    );
    throw error;
  }
  await ops.remove(aside).catch((e) =>
    log.warn("cannot remove the replaced file's old copy {aside}: {error}", {
      aside,
      error: errorMessage(e),
    })
  );
  return result;
}

/**
 * The fixed name of a resumable partial beside `path`: `.<name>.ferry.part`.
 * Fixed, so that a later run can find it and continue at its size.
 *
 * @example
 * ```ts
 * partialName("dir/file.txt"); // "dir/.file.txt.ferry.part"
 * ```
 */
export function partialName(path: string): string {
  return beside(path, `.${basename(path)}.ferry.part`);
}

/**
 * The fixed name of the record of a segmented download beside `path`:
 * `.<name>.ferry-segments.part` (a temporary name, so walks skip it). It
 * lives exactly as long as the partial of that download: made before the
 * partial's first byte, removed after the partial was renamed or removed.
 *
 * @example
 * ```ts
 * segmentStateName("dir/file.iso"); // "dir/.file.iso.ferry-segments.part"
 * ```
 */
export function segmentStateName(path: string): string {
  return beside(path, `.${basename(path)}.ferry-segments.part`);
}

/**
 * Whether a base name is one of ferry's temporary or partial names (jobs skip
 * them when listing, and may clean up stale ones).
 *
 * @example
 * ```ts
 * isTempName(".a.txt.ferry-k3x9.part"); // true
 * isTempName("a.txt");                  // false
 * ```
 */
export function isTempName(name: string): boolean {
  return tempPattern.test(name);
}

/**
 * Decides where a write goes:
 * - `atomic` (default) and no `offset`, not `resumable`: a fresh temporary name,
 *   removed on any failure;
 * - `atomic` with `resumable` or an `offset` > 0: the fixed partial name
 *   ({@link partialName}), kept on failure or abort so a later write can resume it
 *   at its size (but removed on a size mismatch, since its data is wrong);
 * - `atomic: false`: the target itself; `offset` continues the file that is there.
 *
 * @example
 * ```ts
 * planWrite("a/f", {}).writeTo;                // "a/.f.ferry-<random>.part"
 * planWrite("a/f", { offset: 10 }).writeTo;    // "a/.f.ferry.part"
 * planWrite("a/f", { atomic: false }).rename;  // false
 * ```
 */
export function planWrite(path: string, options: WriteOptions = {}, random?: string): WritePlan {
  const target = normalizePath(path);
  if (target === "") throw new InvalidPathError(path, "cannot write to the endpoint root");
  const offset = options.offset ?? 0;
  if (!Number.isSafeInteger(offset) || offset < 0) {
    throw new InvalidPathError(path, `invalid offset ${offset}`);
  }
  const atomic = options.atomic ?? true;
  const resumable = atomic && (options.resumable === true || offset > 0);
  const writeTo = !atomic ? target : resumable ? partialName(target) : tempName(target, random);
  return {
    target,
    writeTo,
    offset,
    rename: atomic,
    keepOnFailure: resumable,
    size: options.size,
    mtime: options.mtime,
    ...(options.onMtimeNotSet ? { onMtimeNotSet: options.onMtimeNotSet } : {}),
  };
}

/** An open destination for bytes; backends adapt files, buffers or data channels to it. */
export interface WriteSink {
  /** Write one chunk; resolves when the sink can take the next one. */
  write(chunk: Uint8Array): Promise<void>;
  /**
   * Optional: writes one chunk synchronously, as `write` would (a local file);
   * the stream then offers it ({@link offerDirectWrite}). Throws on failure.
   */
  writeSync?(chunk: Uint8Array): void;
  /** Flush and close normally. */
  close(): Promise<void>;
  /** Close after a failure. Must not throw. */
  abort(reason: unknown): Promise<void>;
}

/** The primitive operations a backend lends to {@link openPlannedWrite}. */
export interface WriteHooks {
  /**
   * Opens `name` for writing from `offset`: offset 0 creates or truncates;
   * offset > 0 requires the file to have exactly that many bytes (else
   * `InvalidOffsetError`) and appends.
   */
  open(name: string, offset: number): Promise<WriteSink>;
  /** Renames, replacing an existing file at `to`. */
  rename(from: string, to: string): Promise<void>;
  /** Removes a file; called for cleanup, so failures are ignored by the caller. */
  remove(name: string): Promise<void>;
  /**
   * Sets the mtime; omit when the backend cannot (the write's
   * `onMtimeNotSet` then hears an `UnsupportedError`). A rejection is the
   * time not set, never the write failed: the bytes are in place by then.
   */
  setMtime?(path: string, mtime: Date): Promise<void>;
  /** The endpoint's URL, naming it in the `UnsupportedError` of a time it cannot set. */
  url?: string;
}

/**
 * Opens the plan's destination and returns a stream that enforces the plan:
 * counts bytes, checks `size`, renames into place on close, and cleans up on
 * error, `abort()` or `signal`.
 *
 * @example
 * ```ts
 * const plan = planWrite("f.txt", { size: 3 });
 * const stream = await openPlannedWrite(plan, hooks);
 * await ReadableStream.from([new Uint8Array([1, 2, 3])]).pipeTo(stream);
 * ```
 */
export async function openPlannedWrite(
  plan: WritePlan,
  hooks: WriteHooks,
  signal?: AbortSignal,
): Promise<WritableStream<Uint8Array>> {
  let controller: WritableStreamDefaultController | undefined;
  const planned = await openPlannedSink(plan, hooks, signal, (reason) => controller?.error(reason));
  const stream = new WritableStream<Uint8Array>({
    start(c) {
      controller = c;
    },
    write: (chunk) => planned.write(chunk),
    close: () => planned.close(),
    abort: (reason) => planned.abort(reason),
  });
  const writeSync = planned.writeSync;
  if (writeSync) offerDirectWrite(stream, { writeSync });
  // Each write awaits the sink's: a sink that releases its chunks makes this one do so too.
  return markReleasesChunks(stream, planned.releasesChunks);
}

/**
 * {@link openPlannedWrite} without the stream (`Endpoint.writeDirect`): the
 * same rules, for hooks whose sink writes synchronously (`WriteSink.writeSync`);
 * `signal` fails later writes and discards the write as it would the stream's.
 *
 * @example
 * ```ts
 * const sink = await openPlannedDirect(planWrite("f.txt", { size: 3 }), hooks);
 * sink.writeSync(new Uint8Array([1, 2, 3]));
 * await sink.close();
 * ```
 */
export async function openPlannedDirect(
  plan: WritePlan,
  hooks: WriteHooks,
  signal?: AbortSignal,
): Promise<DirectSink> {
  const planned = await openPlannedSink(plan, hooks, signal);
  const writeSync = planned.writeSync;
  if (!writeSync) {
    const error = new TypeError("the sink cannot write synchronously");
    await planned.abort(error);
    throw error;
  }
  return { writeSync, close: planned.close, abort: planned.abort };
}

/** The plan's rules over an opened sink: what the stream of {@link openPlannedWrite} runs. */
interface PlannedSink {
  write(chunk: Uint8Array): Promise<void>;
  /** Present when the sink writes synchronously. */
  writeSync?: (chunk: Uint8Array) => void;
  close(): Promise<void>;
  abort(reason: unknown): Promise<void>;
  releasesChunks: boolean;
}

/**
 * Opens the plan's sink and wraps it in the plan's rules. `onSignal` is told
 * the reason when `signal` aborts (the stream errors its controller with it).
 */
async function openPlannedSink(
  plan: WritePlan,
  hooks: WriteHooks,
  signal?: AbortSignal,
  onSignal?: (reason: unknown) => void,
): Promise<PlannedSink> {
  signal?.throwIfAborted();
  const sink = await hooks.open(plan.writeTo, plan.offset);
  let written = plan.offset;
  let done = false;

  const discard = async (reason: unknown, removePartial: boolean) => {
    if (done) return;
    done = true;
    signal?.removeEventListener("abort", onAbort);
    await sink.abort(reason);
    if (plan.rename && (removePartial || !plan.keepOnFailure)) {
      await hooks.remove(plan.writeTo).catch(() => {});
    }
  };
  // A failed direct write's cleanup, awaited by the abort() that follows.
  let discarding: Promise<void> | undefined;
  const onAbort = () => {
    onSignal?.(signal!.reason);
    discarding ??= discard(signal!.reason, false);
  };
  signal?.addEventListener("abort", onAbort, { once: true });
  /** Counts `chunk` in; the error to fail with when it goes past `size`. */
  const count = (chunk: Uint8Array) => {
    if (done) return signal?.reason ?? new Error("write after the stream ended");
    written += chunk.byteLength;
    if (plan.size !== undefined && written > plan.size) {
      return new SizeMismatchError(plan.target, plan.size, written);
    }
  };
  const sinkWriteSync = sink.writeSync?.bind(sink);
  return {
    async write(chunk) {
      const refused = count(chunk);
      if (refused) {
        if (!done) await discard(refused, true);
        throw refused;
      }
      try {
        await sink.write(chunk);
      } catch (error) {
        await discard(error, false);
        throw error;
      }
    },
    writeSync: sinkWriteSync && ((chunk) => {
      const refused = count(chunk);
      if (refused) {
        if (!done) discarding = discard(refused, true);
        throw refused;
      }
      try {
        sinkWriteSync(chunk);
      } catch (error) {
        discarding = discard(error, false);
        throw error;
      }
    }),
    async close() {
      if (done) throw signal?.reason ?? new Error("close after the stream ended");
      if (plan.size !== undefined && written !== plan.size) {
        const error = new SizeMismatchError(plan.target, plan.size, written);
        await discard(error, true);
        throw error;
      }
      try {
        await sink.close();
        if (plan.rename) await hooks.rename(plan.writeTo, plan.target);
      } catch (error) {
        // The sink may be half-closed; abort() must tolerate that.
        await discard(error, false);
        throw error;
      }
      done = true;
      signal?.removeEventListener("abort", onAbort);
      if (plan.mtime) await datePlanned(plan, plan.mtime, hooks);
    },
    async abort(reason) {
      await (discarding ?? discard(reason, false));
    },
    releasesChunks: releasesChunks(sink),
  };
}

/**
 * Gives the written target its planned mtime. The bytes are in place and
 * right by now: a time that does not stick is a warning and the caller's
 * `onMtimeNotSet`, never a failed write (endpoint/types.ts `WriteOptions.mtime`).
 */
async function datePlanned(plan: WritePlan, mtime: Date, hooks: WriteHooks): Promise<void> {
  if (!hooks.setMtime) {
    plan.onMtimeNotSet?.(new UnsupportedError("setMtime", hooks.url ?? "this endpoint"));
    return;
  }
  try {
    await hooks.setMtime(plan.target, mtime);
  } catch (error) {
    mtimeNotSet(log, plan.target, error);
    plan.onMtimeNotSet?.(error);
  }
}

/**
 * A plain stream over a sink (no plan: `Endpoint.writeAt`): closing closes the
 * sink; an error, `abort()` or `signal` aborts it.
 *
 * @example
 * ```ts
 * await ReadableStream.from([bytes]).pipeTo(sinkStream(sink));
 * ```
 */
export function sinkStream(sink: WriteSink, signal?: AbortSignal): WritableStream<Uint8Array> {
  let done = false;
  const finish = async (reason: unknown) => {
    if (done) return;
    done = true;
    signal?.removeEventListener("abort", onAbort);
    await sink.abort(reason);
  };
  let controller: WritableStreamDefaultController | undefined;
  const onAbort = () => {
    controller?.error(signal!.reason);
    void finish(signal!.reason);
  };
  signal?.addEventListener("abort", onAbort, { once: true });
  return new WritableStream<Uint8Array>({
    start(c) {
      controller = c;
    },
    async write(chunk) {
      if (done) throw signal?.reason ?? new Error("write after the stream ended");
      try {
        await sink.write(chunk);
      } catch (error) {
        await finish(error);
        throw error;
      }
    },
    async close() {
      if (done) throw signal?.reason ?? new Error("close after the stream ended");
      done = true;
      signal?.removeEventListener("abort", onAbort);
      await sink.close();
    },
    abort: (reason) => finish(reason),
  });
}

function beside(path: string, name: string): string {
  return joinPath(dirname(path), name);
}

function randomTag(): string {
  const bytes = crypto.getRandomValues(new Uint8Array(6));
  return Array.from(bytes, (b) => (b % 36).toString(36)).join("");
}
