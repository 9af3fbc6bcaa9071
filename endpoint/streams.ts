/**
 * Small stream helpers shared by the backends and the tests.
 * @module
 */

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
