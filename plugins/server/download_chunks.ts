/**
 * What a download sends, pulled one chunk at a time ({@link chunkSource}):
 * an endpoint's stream (a byte stream read into pooled buffers), a local
 * file read directly, an endpoint's source without a stream, or an
 * in-memory listing. The pumps in ./transfer.ts send the chunks.
 * @module
 */
import { type DirectRead, type ReadSource, takeDirectRead } from "../../plugin.ts";
import { pool } from "./buffers.ts";

/**
 * What a download sends: an endpoint's stream, its source without a stream
 * where it offers one (`Endpoint.readDirect`), or an in-memory listing.
 */
export type DownloadSource = ReadableStream<Uint8Array> | ReadSource | Iterable<Uint8Array>;

/** The chunks a download sends, pulled one at a time (see {@link chunkSource}). */
export interface Chunks {
  next(): Promise<Uint8Array | undefined>;
  /**
   * Set for a local file read directly: {@link next} without the promise
   * (the read blocks anyway). The chunk is valid until the next call.
   */
  nextSync?(): Uint8Array | undefined;
  /** `chunk` (from `next`) was sent: its buffer may be read into again. */
  recycle(chunk: Uint8Array): void;
  cancel(): Promise<void>;
  /** Lets go of the stream and frees the buffers: call once no write uses them. */
  release(): void;
  /**
   * Whether reading the next chunk while one is sent gains anything: not for a
   * byte stream (its reads block, and the kernel's socket buffer already keeps
   * the connection busy while the next one is read), so those transfers hold
   * one buffer; a stream that fetches (a remote endpoint) overlaps the two.
   */
  readonly ahead: boolean;
}

/**
 * One way to pull chunks from what a download sends: an endpoint's stream or
 * source (see {@link DownloadSource}), or an in-memory listing. A byte stream (LocalEndpoint's) is read with a BYOB
 * reader into a buffer of `size` bytes that comes back through `recycle` once
 * its chunk is sent: no allocation per chunk, so a transfer
 * leaves no garbage behind for the collector to find late (the memory of
 * finished downloads used to stay with the process until V8 happened to run a
 * full collection, and 300 stalled downloads left ~75 MiB that way). At the
 * end the buffers are freed at once (`free` in ./buffers.ts). Any other stream's chunks
 * are passed on as they come.
 *
 * @example
 * ```ts
 * const chunks = chunkSource(await endpoint.read(path), 65536);
 * for (let c; (c = await chunks.next()) !== undefined;) {
 *   await send(c);
 *   chunks.recycle(c); // its buffer may be read into again
 * }
 * chunks.release();
 * ```
 */
export function chunkSource(source: DownloadSource, size: number): Chunks {
  if (source instanceof ReadableStream) {
    const direct = takeDirectRead(source);
    if (direct) return directChunks(direct, () => direct.close(), size);
    let byob: ReadableStreamBYOBReader | undefined;
    try {
      byob = source.getReader({ mode: "byob" });
    } catch { /* not a byte stream */ }
    if (byob) {
      const reader = byob;
      const spare: ArrayBuffer[] = [];
      pool.enter();
      // Every buffer handed out: a read transfers the one it is given, so the
      // chunk's `buffer` is a new object over the same memory.
      const owned = new Set<ArrayBuffer>();
      return {
        next: async () => {
          const buf = spare.pop() ?? pool.take(size);
          owned.delete(buf);
          const r = await reader.read(new Uint8Array(buf));
          if (r.value) owned.add(r.value.buffer as ArrayBuffer);
          if (!r.done) return r.value;
          if (r.value) spare.push(r.value.buffer as ArrayBuffer);
          return undefined;
        },
        recycle: (chunk) => {
          if (owned.has(chunk.buffer as ArrayBuffer)) spare.push(chunk.buffer as ArrayBuffer);
        },
        cancel: () => reader.cancel().catch(() => {}),
        release: () => {
          reader.releaseLock();
          for (const b of owned) pool.give(b);
          owned.clear();
          spare.length = 0;
          pool.leave();
        },
        ahead: false,
      };
    }
    const reader = source.getReader();
    return {
      next: async () => (await reader.read()).value,
      recycle: () => {},
      cancel: () => reader.cancel().catch(() => {}),
      release: () => reader.releaseLock(),
      ahead: true,
    };
  }
  if (isReadSource(source)) {
    const cancel = () => source.cancel().catch(() => {});
    // A local file's source also reads synchronously (ReadSource.readSync).
    return source.readSync
      ? directChunks(source as ReadSource & DirectRead, cancel, size)
      : sourceChunks(source, size);
  }
  const iter = source[Symbol.iterator]();
  return {
    next: () => Promise.resolve(iter.next().value ?? undefined),
    recycle: () => {},
    cancel: () => Promise.resolve(),
    release: () => {},
    ahead: true,
  };
}

/** Whether `source` is an endpoint's source without a stream (`Endpoint.readDirect`). */
function isReadSource(source: ReadSource | Iterable<Uint8Array>): source is ReadSource {
  return "readInto" in source;
}

/**
 * A local file read directly (the endpoint offers it: a stream's
 * `takeDirectRead` or a source's `readSync`): read straight into one pooled
 * buffer, reused for every chunk, without the Web Streams layer (~5 % of the
 * server's CPU in 300 concurrent downloads: promises, BYOB requests, a
 * transferred ArrayBuffer per read).
 */
function directChunks(
  direct: DirectRead,
  close: () => Promise<unknown>,
  size: number,
): Chunks {
  pool.enter();
  let buf: Uint8Array | undefined;
  // A file smaller than a chunk (an empty one above all) is read into a
  // buffer of its size, off the pool: no 64 KiB buffer (an mmap and an
  // munmap with ferry serve's malloc setting) for a few bytes. A small
  // buffer that comes back full (the file grew) gives way to a chunk.
  let small = direct.expected !== undefined && direct.expected < size ? direct.expected + 1 : 0;
  const nextSync = () => {
    buf ??= small ? new Uint8Array(small) : new Uint8Array(pool.take(size));
    const n = direct.readSync(buf);
    if (!n) return undefined;
    const chunk = n === buf.length ? buf : buf.subarray(0, n);
    if (small && n === small) {
      // Sent before the next read (`ahead` is false), which takes a chunk.
      small = 0;
      buf = undefined;
    }
    return chunk;
  };
  return {
    next: () => Promise.resolve(nextSync()),
    nextSync,
    recycle: () => {},
    cancel: () => close().then(() => {}),
    release: () => {
      void close();
      if (buf?.length === size) pool.give(buf.buffer);
      buf = undefined;
      pool.leave();
    },
    ahead: false,
  };
}

/**
 * An endpoint's source that fetches (`Endpoint.readDirect` of a remote
 * endpoint): each read lands in a pooled buffer that comes back through
 * `recycle` once its chunk is sent; the next read overlaps the send (two
 * buffers at most).
 */
function sourceChunks(source: ReadSource, size: number): Chunks {
  const spare: ArrayBuffer[] = [];
  const owned = new Set<ArrayBuffer>();
  pool.enter();
  return {
    next: async () => {
      const buf = spare.pop() ?? pool.take(size);
      owned.add(buf);
      const n = await source.readInto(new Uint8Array(buf));
      if (n !== null) return new Uint8Array(buf, 0, n);
      spare.push(buf);
      return undefined;
    },
    recycle: (chunk) => {
      if (owned.has(chunk.buffer as ArrayBuffer)) spare.push(chunk.buffer as ArrayBuffer);
    },
    cancel: () => source.cancel().catch(() => {}),
    release: () => {
      for (const b of owned) pool.give(b);
      owned.clear();
      spare.length = 0;
      pool.leave();
    },
    ahead: true,
  };
}
