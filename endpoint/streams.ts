/**
 * Small stream helpers shared by the backends and the tests.
 * @module
 */

import { capability, offer, take, takeReading } from "../util/capabilities.ts";

const chunkSize = 64 * 1024;

/**
 * A byte stream over `data` from `offset`, in 64 KiB chunks, that errors when
 * `signal` aborts.
 *
 * @example
 * ```ts
 * const s = rangeStream(new Uint8Array([1, 2, 3]), 1);
 * await collect(s); // Uint8Array [2, 3]
 * ```
 */
export function rangeStream(
  data: Uint8Array,
  offset = 0,
  signal?: AbortSignal,
): ReadableStream<Uint8Array> {
  let position = Math.min(Math.max(0, offset), data.byteLength);
  return new ReadableStream<Uint8Array>({
    pull(controller) {
      if (signal?.aborted) return controller.error(signal.reason);
      if (position >= data.byteLength) return controller.close();
      const end = Math.min(position + chunkSize, data.byteLength);
      // A copy, so a consumer that transfers or mutates the chunk cannot touch the source.
      controller.enqueue(data.slice(position, end));
      position = end;
    },
  });
}

/**
 * Reads a whole byte stream into one array.
 *
 * @example
 * ```ts
 * const bytes = await collect(await endpoint.read("a.txt"));
 * ```
 */
export async function collect(stream: ReadableStream<Uint8Array>): Promise<Uint8Array> {
  const parts: Uint8Array[] = [];
  let length = 0;
  for await (const chunk of stream) {
    parts.push(chunk);
    length += chunk.byteLength;
  }
  const out = new Uint8Array(length);
  let at = 0;
  for (const part of parts) {
    out.set(part, at);
    at += part.byteLength;
  }
  return out;
}

/**
 * Writes `data` through a fresh writable stream and closes it.
 *
 * @example
 * ```ts
 * await writeAll(await endpoint.write("a.txt"), new TextEncoder().encode("hi"));
 * ```
 */
export async function writeAll(
  stream: WritableStream<Uint8Array>,
  data: Uint8Array | Iterable<Uint8Array>,
): Promise<void> {
  const parts = data instanceof Uint8Array ? [data] : data;
  const writer = stream.getWriter();
  try {
    for (const part of parts) await writer.write(part);
    await writer.close();
  } catch (error) {
    await writer.abort(error).catch(() => {});
    throw error;
  }
}

/**
 * At most `length` bytes of `source`: the stream ends after them and the rest
 * of `source` is cancelled (for FTP, an ABOR that runs on in the background,
 * its session going back to the pool when the server has answered). Backends
 * apply it for `ReadOptions.length` when they cannot ask for a range.
 *
 * @example
 * ```ts
 * await collect(limitStream(rangeStream(new Uint8Array([1, 2, 3])), 2)); // Uint8Array [1, 2]
 * ```
 */
export function limitStream(
  source: ReadableStream<Uint8Array>,
  length: number,
): ReadableStream<Uint8Array> {
  const reader = source.getReader();
  let left = length;
  const stop = (controller: ReadableStreamDefaultController<Uint8Array>) => {
    controller.close();
    void reader.cancel().catch(() => {});
  };
  return new ReadableStream<Uint8Array>({
    start(controller) {
      if (left <= 0) stop(controller);
    },
    async pull(controller) {
      const { value, done } = await reader.read();
      if (done) return controller.close();
      if (value.byteLength < left) {
        left -= value.byteLength;
        controller.enqueue(value);
        return;
      }
      controller.enqueue(value.subarray(0, left));
      left = 0;
      stop(controller);
    },
    cancel(reason) {
      return reader.cancel(reason);
    },
  });
}

/**
 * What a stream's source can do besides being a stream: read synchronously
 * into the caller's own buffer (a local file's pages are in memory or a read
 * away). A backend offers it on the stream its `read()` returns
 * ({@link offerDirectRead}: a capability, util/capabilities.ts); a consumer
 * that moves many bytes (the FTP server's downloads) takes it
 * ({@link takeDirectRead}) and skips the Web Streams machinery per chunk. Every other stream is read as a stream.
 */
export interface DirectRead {
  /** Reads into `into`: the number of bytes read, `null` (or 0) at the end. */
  readSync(into: Uint8Array): number | null;
  /**
   * How many bytes the source expects to give from here, when it knows (the
   * file's size when opened): a hint to size a buffer by (an empty file needs
   * none); a file that grew gives more.
   */
  readonly expected?: number;
}

/** The reading side a {@link takeDirectRead} caller owns. */
export interface DirectReader extends DirectRead {
  /** Lets go of the source (cancels the stream, which closes the file). */
  close(): Promise<void>;
}

const DIRECT_READ = capability<DirectRead>("direct read");

/**
 * Says of `stream` that its bytes can also be read through `source` (see
 * {@link DirectRead}); cancelling the stream must release the source. Returns `stream`.
 *
 * @example
 * ```ts
 * return offerDirectRead(stream, { readSync: (into) => file.readSync(into) });
 * ```
 */
export function offerDirectRead(
  stream: ReadableStream<Uint8Array>,
  source: DirectRead,
): ReadableStream<Uint8Array> {
  return offer(stream, DIRECT_READ, source);
}

/**
 * The direct reading side of `stream` when its backend offered one and nobody
 * read it yet: the stream is then locked, and the caller reads through the
 * result and calls `close()` at the end. Undefined for any other stream.
 *
 * @example
 * ```ts
 * const direct = takeDirectRead(stream);
 * if (direct) {
 *   const buf = new Uint8Array(65536);
 *   for (let n; (n = direct.readSync(buf));) send(buf.subarray(0, n));
 *   await direct.close();
 * }
 * ```
 */
export function takeDirectRead(stream: ReadableStream<Uint8Array>): DirectReader | undefined {
  const taken = takeReading(stream, DIRECT_READ);
  if (!taken) return undefined;
  const { value: source, reader } = taken;
  return {
    readSync: (into) => source.readSync(into),
    expected: source.expected,
    close: () => reader.cancel().catch(() => {}),
  };
}

/**
 * The writing counterpart of {@link DirectRead}: a chunk written synchronously
 * (a local file: into the page cache), with the same effect as the stream's
 * `write()` resolving. Closing and aborting still go through the stream
 * (which commits or discards an atomic write).
 */
export interface DirectWrite {
  /** Writes all of `chunk`; throws on failure (then abort the stream). */
  writeSync(chunk: Uint8Array): void;
}

const DIRECT_WRITE = capability<DirectWrite>("direct write");

/**
 * Says of `stream` that chunks may also be written through `sink` (see
 * {@link DirectWrite}). Returns `stream`.
 *
 * @example
 * ```ts
 * return offerDirectWrite(stream, { writeSync: (chunk) => file.writeSync(chunk) });
 * ```
 */
export function offerDirectWrite(
  stream: WritableStream<Uint8Array>,
  sink: DirectWrite,
): WritableStream<Uint8Array> {
  return offer(stream, DIRECT_WRITE, sink);
}

/**
 * The direct writing side of `stream` when its backend offered one, handed
 * over once (the one writer owns it; asked again, undefined). Use it only
 * while no `write()` of the stream is pending; close or abort the stream when
 * done.
 *
 * @example
 * ```ts
 * const direct = directWriteOf(stream);
 * const writer = stream.getWriter();
 * if (direct) direct.writeSync(chunk);
 * else await writer.write(chunk);
 * await writer.close();
 * ```
 */
export function directWriteOf(stream: WritableStream<Uint8Array>): DirectWrite | undefined {
  return take(stream, DIRECT_WRITE);
}
