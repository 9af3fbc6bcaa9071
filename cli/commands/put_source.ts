/**
 * What `ferry put` sends: a local file, or standard input for `-` (as
 * `curl -T -`). A directory is refused before anything connects (lftp's
 * `put dir`: "Is a directory"; ferry says to mirror a tree); so is a file
 * that is not there, by name.
 * @module
 */
import { NotFoundError } from "../../endpoint/errors.ts";
import { basename } from "../../util/paths.ts";
import { fileToSink, fileToWritable } from "../../util/files.ts";
import { UsageError } from "../../workflow/errors.ts";
import { stdinToSink, STDIO } from "./get_put_stdio.ts";

/** The bytes a put sends, and what it knows of them. */
export interface PutSource {
  /** The name the file keeps under a URL ending in `/` (undefined: standard input has none). */
  name?: string;
  /** The size known before sending (undefined for standard input). */
  size?: number;
  /**
   * Sends everything to `sink` and closes it; resolves with the byte count.
   * `blockSize`: the reused buffer of a sink that releases its chunks.
   */
  send(sink: WritableStream<Uint8Array>, signal: AbortSignal, blockSize?: number): Promise<number>;
  /** The size and time to check the stored copy against once sent (the file's now). */
  after(bytes: number): Promise<{ size: number; mtime?: Date }>;
  /** Lets go of the file when nothing was sent. */
  close(): void;
}

/**
 * Opens what `put LOCAL` sends: standard input for `-`, else the file.
 * Throws `UsageError` for a directory, `NotFoundError` for no such file.
 *
 * @example
 * ```ts
 * const source = openPutSource("a.bin");
 * const bytes = await source.send(await ftp.store("a.bin"), signal);
 * ```
 */
export function openPutSource(local: string, anySink = false): PutSource {
  if (local === STDIO) {
    return {
      send: (sink, signal) => stdinToSink(sink, signal),
      after: (bytes) => Promise.resolve({ size: bytes }),
      close: () => {},
    };
  }
  let file: Deno.FsFile;
  try {
    file = Deno.openSync(local, { read: true });
  } catch (error) {
    if (error instanceof Deno.errors.NotFound) {
      throw new NotFoundError(local, { message: `${local}: no such file`, cause: error });
    }
    throw error;
  }
  const { isDirectory, size } = file.statSync();
  if (isDirectory) {
    file.close();
    throw new UsageError(
      `${local}: is a directory; put sends one file (ferry mirror ${local} URL copies a tree)`,
    );
  }
  return {
    name: basename(local),
    size,
    send: (sink, signal, blockSize) =>
      (anySink ? fileToWritable : fileToSink)(file, sink, { signal, blockSize }),
    after: async () => {
      const { size, mtime } = await Deno.stat(local);
      return { size, mtime: mtime ?? undefined };
    },
    close: () => file.close(),
  };
}
