/**
 * Moving bytes from a readable to a writable stream, as `pipeTo` does, for
 * the many-small-files case: no TransformStream to count bytes, and no lock
 * releases at the end (in Deno each release builds a TypeError with a stack
 * trace; two pipes per file made them a measurable share of a small file's
 * cost). The streams are used up afterwards either way. A destination that
 * offers direct writes (a local file: endpoint/streams.ts), or is a sink
 * without a stream (`Endpoint.writeDirect`), takes each chunk synchronously,
 * without the Web Streams write machinery per chunk; a source that also
 * offers reads into the caller's buffer (an FTP download: util/files.ts), or
 * is one without a stream (`Endpoint.readDirect`), is then read into one
 * reused buffer, without the readable stream's machinery either.
 * @module
 */
import { directWriteOf } from "../endpoint/streams.ts";
import type { DirectSink } from "../endpoint/types.ts";
import { type ReadSource, takeReadInto } from "../util/files.ts";

/**
 * Buffers of the reads into a reused buffer, kept between copies (one per copy
 * in flight): a direct write is done with a chunk when it returns.
 */
const spare: Uint8Array[] = [];
const bufferSize = 256 * 1024;
const maxSpare = 16;
/** Reads of a source into fresh buffers (its chunks written through a stream). */
const freshSize = 64 * 1024;

/** Options of {@link pump}. */
export interface PumpOptions {
  /** Stops the copy: the source is cancelled and the destination aborted with the reason. */
  signal?: AbortSignal;
  /** Called with each chunk's size before it is written. */
  onChunk?: (bytes: number) => void;
}

/**
 * Copies `input` into `output` and closes `output`, with `pipeTo`'s error
 * rules: a failing source aborts the destination, a failing destination
 * cancels the source, an aborted signal does both; the promise rejects with
 * that error (or the signal's reason). Reads ahead while a write is in
 * flight, within the destination's queue size.
 *
 * @example
 * ```ts
 * let bytes = 0;
 * await pump(await src.read("a.bin"), await dst.write("a.bin"), { onChunk: (n) => bytes += n });
 * ```
 */
export async function pump(
  input: ReadableStream<Uint8Array> | ReadSource,
  output: WritableStream<Uint8Array> | DirectSink,
  options: PumpOptions = {},
): Promise<void> {
  const { signal, onChunk } = options;
  // A direct sink (Endpoint.writeDirect) is its own writer: no stream to go through.
  const stream = output instanceof WritableStream ? output : undefined;
  const direct = stream ? directWriteOf(stream) : output as DirectSink;
  // A source (Endpoint.readDirect) is read into a buffer as it is; a stream's
  // reads into one are taken before anything reads it (taking it locks the stream).
  const source = input instanceof ReadableStream ? undefined : input;
  const into = source ?? (direct ? takeReadInto(input as ReadableStream<Uint8Array>) : undefined);
  const reader = into ? undefined : (input as ReadableStream<Uint8Array>).getReader();
  const writer = stream?.getWriter();
  const sink = writer ?? output as DirectSink;
  let stopped = false;
  const stop = async (reason: unknown, side: "both" | "input" | "output") => {
    if (stopped) return;
    stopped = true;
    await Promise.allSettled([
      side !== "output" ? (into ? into.cancel(reason) : reader!.cancel(reason)) : undefined,
      side !== "input" ? sink.abort(reason) : undefined,
    ]);
  };
  // One buffer for every read where each chunk is written before the next read.
  let buffer: Uint8Array | undefined;
  if (into && direct) buffer = spare.pop() ?? new Uint8Array(bufferSize);
  const onAbort = () => void stop(signal!.reason, "both");
  signal?.addEventListener("abort", onAbort, { once: true });
  try {
    if (signal?.aborted) {
      await stop(signal.reason, "both");
      throw signal.reason;
    }
    for (;;) {
      try {
        // A direct write is done when it returns: nothing to wait for.
        if (!direct) await writer!.ready;
      } catch (error) {
        // The destination failed (a write was refused): give up the source.
        await stop(error, "input");
        throw error;
      }
      // The next chunk (undefined at the end): the reused buffer's filled part when
      // reading into it. Read here, not by a helper: no promise and result object more
      // per read (a mirror reads twice per small file).
      let chunk: Uint8Array | undefined;
      try {
        if (into) {
          // A stream's write may hold its chunk after it returned: a fresh buffer each read then.
          if (!direct) buffer = new Uint8Array(freshSize);
          const n = await into.readInto(buffer!);
          chunk = n === null ? undefined : buffer!.subarray(0, n);
        } else {
          const next = await reader!.read();
          chunk = next.done ? undefined : next.value;
        }
      } catch (error) {
        await stop(error, "output");
        throw error;
      }
      if (signal?.aborted) throw signal.reason;
      if (chunk === undefined) break;
      onChunk?.(chunk.byteLength);
      if (direct) {
        try {
          direct.writeSync(chunk);
        } catch (error) {
          // As a refused write(): the source is given up, the destination aborted.
          await stop(error, "both");
          throw error;
        }
      } else {
        // Its failure shows in `writer.ready` or `close()`.
        writer!.write(chunk).catch(() => {});
      }
    }
    await sink.close();
  } finally {
    signal?.removeEventListener("abort", onAbort);
    // Nothing holds the buffer now: a read into it has returned or failed.
    if (buffer && direct && spare.length < maxSpare) spare.push(buffer);
  }
}
