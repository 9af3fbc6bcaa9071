/**
 * Local files as Web Streams, the fast way on Deno 2.9.6: blocking reads and
 * writes in 256 KiB blocks. `FsFile.readable`/`writable` make one thread-pool
 * call per 64 KiB chunk, which measured slower than the FTP transfer feeding
 * them (docs/BENCHMARKS.md); a local disk write blocks for microseconds.
 * @module
 */

import { capability, offer, takeReading } from "./capabilities.ts";

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

/** Buffer of {@link streamToFile}: one, reused for every read of a byte stream. */
const COPY_BLOCK = 1024 * 1024;

/**
 * What a download's stream can do besides being a stream: read its next bytes
 * straight into the caller's buffer, with every effect the stream's own read
 * has (FTP: the final reply checked at the end, the session released). A
 * backend offers it ({@link offerReadInto}); {@link streamToFile} takes it and
 * skips the stream's machinery per read (two promise chains, a BYOB request and
 * its response): a 256 MiB UFTP get makes ~2,000 reads on loopback.
 */
export interface ReadInto {
  /** Reads into `into`: the byte count, or null once the source ended well; throws on failure. */
  readInto(into: Uint8Array): Promise<number | null>;
}

/**
 * A download's bytes without a stream around them: read into the caller's
 * buffer, then stopped with `cancel` if left before its end (FTP: an ABOR).
 */
export interface ReadSource {
  /** Reads into `into`: the byte count, or null once the source ended well; throws on failure. */
  readInto(into: Uint8Array): Promise<number | null>;
  /** Stops the source early, as cancelling its stream would. */
  cancel(reason?: unknown): Promise<void>;
  /**
   * Set where the reads block anyway (a local file): {@link readInto} without
   * the promise, for a caller that moves many bytes (the FTP server's downloads).
   */
  readSync?(into: Uint8Array): number | null;
  /** How many bytes the source expects to give (a local file's size when opened): a hint to size a buffer by. */
  readonly expected?: number;
}

const READ_INTO = capability<ReadInto>("read into");

/**
 * Says of `stream` that its bytes can also be read through `source` (see
 * {@link ReadInto}); cancelling the stream must still stop the source. Returns `stream`.
 *
 * @example
 * ```ts
 * return offerReadInto(stream, { readInto: (into) => next(into) });
 * ```
 */
export function offerReadInto(
  stream: ReadableStream<Uint8Array>,
  source: ReadInto,
): ReadableStream<Uint8Array> {
  return offer(stream, READ_INTO, source);
}

/**
 * The {@link ReadInto} offered for `stream` when nobody read it yet: the
 * stream is then locked, and `cancel` stops it (as cancelling the stream
 * would). Undefined for any other stream.
 *
 * @example
 * ```ts
 * const direct = takeReadInto(stream);
 * if (direct) for (let n; (n = await direct.readInto(buffer)) !== null;) use(buffer.subarray(0, n));
 * ```
 */
export function takeReadInto(stream: ReadableStream<Uint8Array>): ReadSource | undefined {
  const taken = takeReading(stream, READ_INTO);
  if (!taken) return undefined;
  const { value: source, reader } = taken;
  return { readInto: (into) => source.readInto(into), cancel: (reason) => reader.cancel(reason) };
}

/** Options of {@link streamToFile}. */
export interface StreamToFileOptions {
  /** Told the running total after every write. */
  onBytes?: (total: number) => void;
  /** Aborting cancels the stream and fails the copy with the signal's reason. */
  signal?: AbortSignal;
}

/**
 * Writes a stream's bytes to the file (blocking writes) and closes the file;
 * resolves with the byte count. A stream whose source offers {@link ReadInto}
 * (FTP and UFTP downloads over a plain data connection) is read through it into
 * one reused 1 MiB buffer; another byte stream with a BYOB reader into that
 * buffer, which spares a fresh buffer, a stream hop and a sink per chunk
 * (docs/BENCHMARKS.md); any other stream chunk by chunk.
 *
 * @example
 * ```ts
 * const bytes = await streamToFile(await ftp.retrieve("big.iso"), Deno.openSync("big.iso", { write: true, create: true }));
 * ```
 */
export async function streamToFile(
  stream: ReadableStream<Uint8Array>,
  file: Deno.FsFile,
  options: StreamToFileOptions = {},
): Promise<number> {
  const { signal, onBytes } = options;
  const direct = takeReadInto(stream);
  if (direct) return await readIntoFile(direct, file, options);
  let byob: ReadableStreamBYOBReader | undefined;
  let plain: ReadableStreamDefaultReader<Uint8Array> | undefined;
  try {
    byob = stream.getReader({ mode: "byob" });
  } catch {
    plain = stream.getReader(); // not a byte stream
  }
  const onAbort = () => void (byob ?? plain)!.cancel(signal!.reason).catch(() => {});
  let total = 0;
  try {
    signal?.throwIfAborted();
    signal?.addEventListener("abort", onAbort, { once: true });
    let buffer = new ArrayBuffer(COPY_BLOCK);
    for (;;) {
      const { value, done } = byob ? await byob.read(new Uint8Array(buffer)) : await plain!.read();
      // A cancelled stream ends like a finished one: only the signal tells them apart.
      signal?.throwIfAborted();
      if (done) break;
      for (let at = 0; at < value.length;) at += file.writeSync(value.subarray(at));
      total += value.length;
      onBytes?.(total);
      if (byob) buffer = value.buffer as ArrayBuffer;
    }
  } catch (error) {
    await (byob ?? plain)!.cancel(error).catch(() => {});
    throw error;
  } finally {
    signal?.removeEventListener("abort", onAbort);
    file.close();
  }
  return total;
}

/** {@link streamToFile} through a source's {@link ReadInto}: one buffer, one await per read. */
async function readIntoFile(
  source: ReadSource,
  file: Deno.FsFile,
  options: StreamToFileOptions,
): Promise<number> {
  const { signal, onBytes } = options;
  const onAbort = () => void source.cancel(signal!.reason).catch(() => {});
  let total = 0;
  try {
    signal?.throwIfAborted();
    signal?.addEventListener("abort", onAbort, { once: true });
    const buffer = new Uint8Array(COPY_BLOCK);
    for (let n = await source.readInto(buffer); n !== null; n = await source.readInto(buffer)) {
      signal?.throwIfAborted();
      for (let at = 0; at < n;) at += file.writeSync(buffer.subarray(at, n));
      total += n;
      onBytes?.(total);
    }
    // A cancelled source ends like a finished one: only the signal tells them apart.
    signal?.throwIfAborted();
  } catch (error) {
    await source.cancel(error).catch(() => {});
    throw error;
  } finally {
    signal?.removeEventListener("abort", onAbort);
    file.close();
  }
  return total;
}

/** Sinks known to be done with a chunk once its write resolved. */
const releasing = new WeakSet<object>();

/**
 * Says of a sink (a WritableStream, or a wrapper's sink object) that it is done
 * with each chunk once that chunk's write resolved (written to the kernel, or
 * copied), so a writer may fill the same memory again. Web Streams do not
 * promise that (a memory endpoint keeps chunks, a multi-stream writer splits
 * them over node sockets), so only a sink that knows marks itself (FtpClient's
 * uploads), and a wrapper that awaits its inner write passes the mark on.
 * Returns `sink`.
 *
 * @example
 * ```ts
 * return markReleasesChunks(new WritableStream({ write: (c) => conn.write(c).then(() => {}) }));
 * ```
 */
export function markReleasesChunks<T extends object>(sink: T, releases = true): T {
  if (releases) releasing.add(sink);
  return sink;
}

/**
 * Whether {@link markReleasesChunks} marked `sink`.
 *
 * @example
 * ```ts
 * const reuse = releasesChunks(sink); // one buffer for every chunk, or a fresh one each
 * ```
 */
export function releasesChunks(sink: object): boolean {
  return releasing.has(sink);
}

/** Options of {@link fileToSink} and {@link fileToWritable}. */
export interface FileToSinkOptions {
  /** Told the running total after every write. */
  onBytes?: (total: number) => void;
  /**
   * Size of {@link fileToSink}'s reused buffer (default 1 MiB). An FTP put
   * to a server on the same machine goes faster from a smaller one (see
   * cli/commands/put_ftp.ts, PUT_BLOCK).
   */
  blockSize?: number;
  /** Aborting aborts the sink and fails the copy with the signal's reason. */
  signal?: AbortSignal;
}

/**
 * Writes a file's bytes (from its current position) to `sink` through one
 * reused 1 MiB buffer, each write awaited before the buffer is filled again,
 * then closes the sink (an upload's close waits for the server's answer) and
 * the file; resolves with the byte count. Only for sinks that are done with a
 * chunk once its write resolved, as FtpClient.store's is: a sink that keeps
 * chunks (a memory endpoint) needs {@link fileToWritable}. Spares a fresh buffer
 * (zeroed, then faulted in by the read) and a stream hop per block.
 *
 * @example
 * ```ts
 * const bytes = await fileToSink(Deno.openSync("big.iso"), await ftp.store("big.iso"));
 * ```
 */
export async function fileToSink(
  file: Deno.FsFile,
  sink: WritableStream<Uint8Array>,
  options: FileToSinkOptions = {},
): Promise<number> {
  const { signal, onBytes } = options;
  const writer = sink.getWriter();
  const onAbort = () => void writer.abort(signal!.reason).catch(() => {});
  let total = 0;
  try {
    signal?.throwIfAborted();
    signal?.addEventListener("abort", onAbort, { once: true });
    const buffer = new Uint8Array(options.blockSize ?? COPY_BLOCK);
    for (let n = file.readSync(buffer); n !== null; n = file.readSync(buffer)) {
      await writer.write(buffer.subarray(0, n));
      total += n;
      onBytes?.(total);
    }
    signal?.throwIfAborted();
    await writer.close();
  } catch (error) {
    await writer.abort(error).catch(() => {});
    throw signal?.aborted ? signal.reason : error;
  } finally {
    signal?.removeEventListener("abort", onAbort);
    file.close();
  }
  return total;
}

/**
 * Writes the file from its current position into any `sink` and closes both;
 * resolves with the byte count. A sink that releases its chunks
 * ({@link releasesChunks}: an FTP or single-stream UFTP endpoint's upload) gets
 * {@link fileToSink}'s one reused buffer; any other a fresh 1 MiB block per read,
 * the next read while the sink writes the last one. The reused buffer made a
 * 256 MiB `put` to the real UFTPD take 0.70 x the CPU (docs/BENCHMARKS.md).
 *
 * @example
 * ```ts
 * await fileToWritable(Deno.openSync("big.iso"), await endpoint.write("big.iso"));
 * ```
 */
export async function fileToWritable(
  file: Deno.FsFile,
  sink: WritableStream<Uint8Array>,
  options: FileToSinkOptions = {},
): Promise<number> {
  if (releasesChunks(sink)) return await fileToSink(file, sink, options);
  const { signal, onBytes } = options;
  const writer = sink.getWriter();
  let total = 0;
  try {
    for (;;) {
      await writer.ready;
      signal?.throwIfAborted();
      const block = new Uint8Array(COPY_BLOCK);
      const n = file.readSync(block);
      if (n === null) break;
      // A failed write errors the sink: the next `ready` or the close says so.
      writer.write(block.subarray(0, n)).catch(() => {});
      total += n;
      onBytes?.(total);
    }
    await writer.close();
  } catch (error) {
    await writer.abort(error).catch(() => {});
    throw error;
  } finally {
    file.close();
  }
  return total;
}

/**
 * Whether anything is at `path` (followed as `stat` does; any error: false),
 * as node:fs's `existsSync`, without loading node:fs.
 *
 * @example
 * ```ts
 * if (!pathExists(".ferry/state.db")) console.log("no state yet");
 * ```
 */
export function pathExists(path: string): boolean {
  try {
    Deno.statSync(path);
    return true;
  } catch {
    return false;
  }
}
