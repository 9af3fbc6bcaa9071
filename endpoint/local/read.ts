/**
 * A local endpoint's reads: a file opened inside the root (or the very file a
 * walk's lstat found) and its bytes as a byte stream or straight into the
 * caller's buffer.
 * @module
 */
import type { DirectReadOptions, ReadSource } from "../types.ts";
import { IsADirectoryError } from "../errors.ts";
import { offerDirectRead } from "../streams.ts";
import type { LocalFiles } from "./context.ts";
import { withoutStack } from "./guard.ts";

/**
 * Bytes per read. Reads block, as writes do (and as curl's and lftp's do): an
 * async read is a hand-off to the thread pool and back per chunk, which cost
 * an upload over a fast link more than the copy itself (docs/BENCHMARKS.md).
 */
const readChunk = 256 * 1024;

/**
 * The file of a read opened and handed to `use` (which closes it on failure):
 * LocalEndpoint's `read` and `readDirect`, with `p` normalized.
 */
export async function opened<T>(
  files: LocalFiles,
  p: string,
  options: DirectReadOptions,
  use: (file: Deno.FsFile, info: Deno.FileInfo) => T,
): Promise<T> {
  options.signal?.throwIfAborted();
  // The caller's lstat found this file (a jail's walk): when the file opened
  // is that very one, the guard's lstat and check of the path would only
  // say again what the caller's lstat said. Compared on the open file, so a
  // swap after the caller's lstat takes the guarded way below.
  const same = options.unique === undefined
    ? undefined
    : openSame(files.guard.abs(p), options.unique);
  if (same) return files.attemptSync(p, () => use(same.file, same.info));
  const found = await files.guard.guard(p, true);
  // A plain file is opened synchronously, as it is read (fileStream): that takes
  // microseconds, less than two hand-offs to the thread pool and back (open, fstat),
  // which were most of the local side's cost in a many-small-files upload (bench/s3.ts).
  // Anything else (a link, a FIFO whose open waits for a writer) is opened asynchronously.
  const plain = found?.info?.isFile === true;
  return await files.attempt(p, async () => {
    const abs = files.guard.abs(p);
    const file = plain ? Deno.openSync(abs, { read: true }) : await Deno.open(abs, { read: true });
    let info: Deno.FileInfo;
    try {
      info = plain ? file.statSync() : await file.stat();
    } catch (e) {
      file.close();
      throw e;
    }
    return use(file, info);
  });
}

/**
 * The file at `abs` opened for reading, when it is the regular file whose
 * `dev:ino` is `unique` (see ReadOptions.unique); undefined otherwise (closed
 * again), or when it cannot be opened: the caller then takes its guarded way,
 * which reports what is wrong.
 */
function openSame(
  abs: string,
  unique: string,
): { file: Deno.FsFile; info: Deno.FileInfo } | undefined {
  let file: Deno.FsFile;
  try {
    file = withoutStack(() => Deno.openSync(abs, { read: true }));
  } catch {
    return undefined;
  }
  try {
    const info = file.statSync();
    if (info.isFile && info.ino !== null && `${info.dev}:${info.ino}` === unique) {
      return { file, info };
    }
  } catch { /* not readable as expected: the guarded way tells */ }
  file.close();
  return undefined;
}

/**
 * Checks a file opened for a read and moves to `offset`: the bytes left from
 * there. A directory, or a failed seek, closes the file and throws.
 */
export function seekOpen(
  p: string,
  file: Deno.FsFile,
  info: Deno.FileInfo,
  offset?: number,
): number {
  try {
    if (info.isDirectory) throw new IsADirectoryError(p);
    if (offset) file.seekSync(offset, Deno.SeekMode.Start);
  } catch (e) {
    file.close();
    throw e;
  }
  return Math.max(0, info.size - (offset ?? 0));
}

/**
 * The bytes of an open file without a stream ({@link LocalEndpoint.readDirect}):
 * read into the caller's buffer until the end of file (a file that grew is
 * read whole), which closes it, as `cancel` and a failed read do. An aborted
 * `signal` fails the next read with its reason.
 */
export function fileSource(file: Deno.FsFile, expected: number, signal?: AbortSignal): ReadSource {
  let open = true;
  const close = () => {
    if (open) {
      open = false;
      file.close();
    }
  };
  const readSync = (into: Uint8Array): number | null => {
    if (signal?.aborted) {
      close();
      throw signal.reason;
    }
    if (!open) return null;
    let n: number | null;
    try {
      n = file.readSync(into);
    } catch (e) {
      close();
      throw e;
    }
    if (n === null || (n === 0 && into.length > 0)) {
      close();
      return null;
    }
    return n;
  };
  return {
    readInto: (into) => {
      try {
        return Promise.resolve(readSync(into));
      } catch (e) {
        return Promise.reject(e);
      }
    },
    readSync,
    expected,
    cancel: () => {
      close();
      return Promise.resolve();
    },
  };
}

/**
 * The bytes of an open file, as a byte stream: a BYOB reader (the FTP
 * server's downloads) has each read land in its own buffer, which it reuses,
 * so a transfer makes no garbage per chunk; a default reader gets a fresh
 * chunk per read. Nothing is read ahead (a byte stream's high-water mark is
 * 0): reads block, so reading ahead would only hold memory. `expected` (what
 * the file held when opened) sizes the default reader's chunks, so a small
 * file is not read into a large buffer; reading goes on to the end of file
 * all the same, so a file that grew is read whole.
 */
export function fileStream(
  file: Deno.FsFile,
  expected: number,
  signal?: AbortSignal,
): ReadableStream<Uint8Array> {
  let open = true;
  let left = expected;
  let grown = false;
  const close = () => {
    if (open) {
      open = false;
      file.close();
    }
  };
  let onAbort: (() => void) | undefined;
  const finish = () => {
    close();
    if (onAbort) signal!.removeEventListener("abort", onAbort);
  };
  const stream = new ReadableStream({
    type: "bytes",
    start(controller) {
      if (!signal) return;
      onAbort = () => {
        close();
        controller.error(signal.reason);
      };
      signal.addEventListener("abort", onAbort, { once: true });
    },
    pull(controller) {
      try {
        const request = controller.byobRequest;
        // One byte more than expected, so that the read that finds the end is
        // small; a file that grew is read on in full chunks.
        const into = request?.view
          ? new Uint8Array(request.view.buffer, request.view.byteOffset, request.view.byteLength)
          : new Uint8Array(left > 0 ? Math.min(readChunk, left + 1) : grown ? readChunk : 1);
        const n = file.readSync(into);
        if (n !== null) {
          if (left <= 0 || n > left) grown = true;
          left -= n;
        }
        if (n === null || (n === 0 && into.length > 0)) {
          finish();
          controller.close();
          request?.respond(0);
        } else if (request?.view) request.respond(n);
        else controller.enqueue(into.subarray(0, n));
      } catch (e) {
        close();
        throw e;
      }
    },
    cancel() {
      finish();
    },
  });
  // The FTP server's downloads read the file straight into their buffer.
  return offerDirectRead(stream, { readSync: (into) => file.readSync(into), expected });
}
