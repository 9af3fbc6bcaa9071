/**
 * `-` as `get`'s local file (standard output, as `curl -o -` and lftp's
 * `cat`) and as `put`'s (standard input, as `curl -T -`): streamed, no
 * temporary file, no time set.
 * @module
 */
import { StdoutClosedError } from "../output_closed.ts";

/** The name that means standard output (`get`) or input (`put`). */
export const STDIO = "-";

/**
 * Writes the stream to standard output; resolves with the byte count. A
 * reader that went away (`ferry get URL - | head`) fails the copy with
 * {@link StdoutClosedError} (exit 141, as a tool killed by SIGPIPE).
 *
 * @example
 * ```ts
 * const bytes = await streamToStdout(await ftp.retrieve("a.txt"), signal);
 * ```
 */
export async function streamToStdout(
  stream: ReadableStream<Uint8Array>,
  signal: AbortSignal,
): Promise<number> {
  const reader = stream.getReader();
  const onAbort = () => void reader.cancel(signal.reason).catch(() => {});
  signal.addEventListener("abort", onAbort, { once: true });
  let total = 0;
  try {
    for (;;) {
      const { value, done } = await reader.read();
      signal.throwIfAborted(); // a cancelled stream ends like a finished one
      if (done) return total;
      for (let at = 0; at < value.length;) {
        try {
          at += await Deno.stdout.write(value.subarray(at));
        } catch (error) {
          throw error instanceof Deno.errors.BrokenPipe ? new StdoutClosedError(error) : error;
        }
      }
      total += value.length;
    }
  } catch (error) {
    await reader.cancel(error).catch(() => {});
    throw error;
  } finally {
    signal.removeEventListener("abort", onAbort);
  }
}

/**
 * Sends standard input to `sink` and closes it (an upload's close waits for
 * the server's answer); resolves with the byte count. Aborting aborts the sink.
 *
 * @example
 * ```ts
 * const bytes = await stdinToSink(await ftp.store("a.txt"), signal);
 * ```
 */
export async function stdinToSink(
  sink: WritableStream<Uint8Array>,
  signal: AbortSignal,
): Promise<number> {
  let total = 0;
  const count = new TransformStream<Uint8Array, Uint8Array>({
    transform(chunk, controller) {
      total += chunk.length;
      controller.enqueue(chunk);
    },
  });
  await Deno.stdin.readable.pipeThrough(count).pipeTo(sink, { signal });
  return total;
}
