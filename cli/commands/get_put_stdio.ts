/**
 * `-` as `get`'s local file (standard output, as `curl -o -` and lftp's
 * `cat`) and as `put`'s (standard input, as `curl -T -`): streamed, no
 * temporary file, no time set.
 * @module
 */
import { StdoutClosedError } from "../output_closed.ts";
import type { CliContext } from "../context.ts";
import { formatBytes, formatDuration, formatRate } from "../format.ts";
import { UsageError } from "../../workflow/errors.ts";
import { redactUrl } from "../../util/redact.ts";
import { TransferVerificationError } from "../../sync/verify.ts";
import { unlessInterrupted } from "./get_put_transfer.ts";

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

/**
 * `get URL -` with `-c`: standard output has nothing to resume.
 *
 * @example
 * ```ts
 * refuseResumeToStdout("-", { continue: true }); // throws UsageError
 * ```
 */
export function refuseResumeToStdout(
  local: string | undefined,
  opts: Record<string, unknown>,
): void {
  if (local === STDIO && opts.continue === true) {
    throw new UsageError("--continue needs a local file: standard output (-) cannot be resumed");
  }
}

/**
 * `get URL -`: the stream to standard output, then its byte count held to the
 * size the server told (a short copy fails, as curl's "transfer closed with
 * bytes remaining"; what came is out already).
 *
 * @example
 * ```ts
 * await getToStdout(cli, "a.txt", () => ep.read("a.txt"), () => Promise.resolve(3));
 * ```
 */
export async function getToStdout(
  cli: CliContext,
  what: string,
  open: () => Promise<ReadableStream<Uint8Array>>,
  size: () => Promise<number | undefined>,
): Promise<void> {
  const started = Date.now();
  const bytes = await unlessInterrupted(open().then((s) => streamToStdout(s, cli.signal)), cli);
  const expected = await size();
  if (expected !== undefined && expected !== bytes) {
    throw new TransferVerificationError(what, "size", expected, bytes, false);
  }
  // The line goes to stderr; --json's record is left out (stdout holds the file).
  if (!cli.globals.quiet) {
    const ms = Date.now() - started;
    cli.err(
      `get ${what}: ${formatBytes(bytes)} in ${formatDuration(ms)} (${formatRate(bytes, ms)})`,
    );
  }
}

/**
 * A put from standard input to a URL ending in `/`: there is no name to keep.
 *
 * @example
 * ```ts
 * const name = source.name ?? noName(url);
 * ```
 */
export function noName(url: string): never {
  throw new UsageError(
    `${redactUrl(url)}: standard input (-) has no name to keep; end the URL with the file's name`,
  );
}
