/**
 * Local files as Web Streams, the fast way on Deno 2.9.6: blocking reads and
 * writes in 256 KiB blocks. `FsFile.readable`/`writable` make one thread-pool
 * call per 64 KiB chunk, which measured slower than the FTP transfer feeding
 * them (docs/BENCHMARKS.md); a local disk write blocks for microseconds.
 * @module
 */

/** Block size of {@link fileReadable}. */
export const FILE_BLOCK = 256 * 1024;

/**
 * A stream of a file's bytes from `offset`, read in {@link FILE_BLOCK} blocks.
 * The file is closed when the stream ends, errors or is cancelled.
 *
 * @example
 * ```ts
 * await fileReadable(Deno.openSync("big.iso")).pipeTo(await ftp.store("big.iso"));
 * ```
 */
export function fileReadable(file: Deno.FsFile, offset = 0): ReadableStream<Uint8Array> {
  if (offset > 0) file.seekSync(offset, Deno.SeekMode.Start);
  let closed = false;
  const close = () => {
    if (!closed) {
      closed = true;
      file.close();
    }
  };
  return new ReadableStream<Uint8Array>({
    pull(controller) {
      try {
        const block = new Uint8Array(FILE_BLOCK);
        const n = file.readSync(block);
        if (n === null) {
          close();
          controller.close();
        } else controller.enqueue(block.subarray(0, n));
      } catch (error) {
        close();
        controller.error(error);
      }
    },
    cancel: close,
  }, { highWaterMark: 0 });
}

/**
 * A sink that writes every chunk to the file at once (blocking); the file is
 * closed when the stream closes or aborts.
 *
 * @example
 * ```ts
 * await (await ftp.retrieve("big.iso")).pipeTo(fileWritable(Deno.openSync("big.iso", { write: true, create: true })));
 * ```
 */
export function fileWritable(file: Deno.FsFile): WritableStream<Uint8Array> {
  let closed = false;
  const close = () => {
    if (!closed) {
      closed = true;
      file.close();
    }
  };
  return new WritableStream<Uint8Array>({
    write(chunk) {
      try {
        for (let at = 0; at < chunk.length;) at += file.writeSync(chunk.subarray(at));
      } catch (error) {
        close();
        throw error;
      }
    },
    close,
    abort: close,
  });
}
