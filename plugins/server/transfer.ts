/**
 * Moving bytes between an endpoint stream and a data socket with constant
 * memory: one chunk in flight, socket backpressure honoured, ASCII
 * conversion, throttling, stall timeout and ABOR.
 * @module
 */
import type { Socket } from "node:net";
import type tls from "node:tls";
import { type DataSocket, isConn } from "./data.ts";
import { readTls } from "./tls.ts";
import { FtpServerError } from "./errors.ts";
import { fromNetworkAscii, toNetworkAscii } from "./ascii.ts";
import type { Throttle } from "./throttle.ts";
import type { AbortLike } from "./abort.ts";
import { DEFAULT_TRANSFER_CHUNK } from "./options.ts";
import { onTick, tickPeriod } from "./ticker.ts";
import {
  type DirectRead,
  type DirectSink,
  type DirectWrite,
  directWriteOf,
  type ReadSource,
  takeDirectRead,
} from "../../plugin.ts";

/**
 * Where an upload's bytes go: an endpoint's stream, or its direct sink where
 * it offers one (`Endpoint.writeDirect`: no Web Stream, writer and promise
 * per upload).
 */
export type UploadSink = WritableStream<Uint8Array> | DirectSink;

/**
 * What a download sends: an endpoint's stream, its source without a stream
 * where it offers one (`Endpoint.readDirect`), or an in-memory listing.
 */
export type DownloadSource = ReadableStream<Uint8Array> | ReadSource | Iterable<Uint8Array>;

/** Options shared by both directions. */
export interface PumpOptions {
  ascii?: boolean;
  throttle?: Throttle;
  /** Aborts the transfer (ABOR, session closed). */
  signal: AbortLike;
  /** A stalled data connection is dropped after this many ms without traffic. */
  dataTimeout: number;
  /** Updated as bytes move (for STAT and the transfer log). */
  progress: { bytes: number };
  /**
   * Bytes per chunk (default: the server's): a transfer holds at most two,
   * one being sent or written while the next one is read.
   */
  chunkSize?: number;
}

/**
 * The data connection stalled longer than the data timeout.
 *
 * @example
 * ```ts
 * if (e instanceof DataTimeoutError) session.reply(421, "Data connection timed out.");
 * ```
 */
export class DataTimeoutError extends FtpServerError {
  constructor() {
    super("data connection timed out", { code: "ESERVERDATATIMEOUT" });
  }
}

/**
 * The transfer was aborted (ABOR or the session went away).
 *
 * @example
 * ```ts
 * if (e instanceof AbortedError) return; // ABOR already answered
 * ```
 */
export class AbortedError extends FtpServerError {
  constructor() {
    super("transfer aborted", { code: "ESERVERABORTED" });
  }
}

/**
 * Drops the socket when no byte moved for `dataTimeout` ms, or on abort.
 * Progress is read from `opts.progress` by a coarse timer: node's
 * `socket.setTimeout` re-arms a timer on every write, which cost Deno 2.9.6
 * about two thirds of the download throughput here (830 -> 292 MB/s).
 */
function guard(sock: Socket, opts: PumpOptions, onQuiet?: () => void): () => void {
  return watch((e) => sock.destroy(e), opts, onQuiet);
}

/**
 * The stall guard's timer; `onQuiet` runs on each tick that saw no byte move
 * (a stalled client: the transfer may let go of memory it does not need).
 */
function watch(kill: (e: Error) => void, opts: PumpOptions, onQuiet?: () => void): () => void {
  let seen = opts.progress.bytes;
  const started = performance.now();
  let quietSince = started;
  const period = tickPeriod(opts.dataTimeout);
  const stop = onTick(period, (now) => {
    // The shared tick may come at once: a guard judges from one period on.
    if (now - started < period) return;
    if (opts.progress.bytes !== seen) {
      seen = opts.progress.bytes;
      quietSince = now;
    } else if (now - quietSince >= opts.dataTimeout) {
      kill(new DataTimeoutError());
    } else onQuiet?.();
  });
  const onAbort = () => kill(new AbortedError());
  opts.signal.addEventListener("abort", onAbort, { once: true });
  return () => {
    stop();
    opts.signal.removeEventListener("abort", onAbort);
  };
}

const errors = new WeakMap<Socket, Error>();
function sockError(sock: Socket): Error | undefined {
  return errors.get(sock);
}

function track(sock: Socket) {
  sock.on("error", (e) => errors.set(sock, e));
}

/** Ends the socket after everything was flushed, then releases it. */
function finish(sock: Socket): Promise<void> {
  return new Promise((resolve, reject) => {
    if (sock.destroyed) {
      reject(sockError(sock) ?? new FtpServerError("data connection closed"));
      return;
    }
    const onClose = () => reject(sockError(sock) ?? new FtpServerError("data connection closed"));
    sock.once("close", onClose);
    sock.end(() => {
      sock.off("close", onClose);
      sock.destroy();
      resolve();
    });
  });
}

/**
 * Sends a stream (or prepared chunks, e.g. a listing) to the data socket and
 * closes it. A local file (a stream that offers a direct read, else a byte
 * stream) is read into one buffer, sent, and read into again; another
 * stream's next chunk is read while one is sent.
 * A client that stops reading thus holds one chunk of the server's memory,
 * two with a remote endpoint (plus the kernel's socket buffers). Rejects
 * with `AbortedError`, `DataTimeoutError` or the socket error.
 *
 * @example
 * ```ts
 * await sendToSocket(await fs.read("/a"), sock, { signal, dataTimeout: 300_000, progress: { bytes: 0 } });
 * ```
 */
export async function sendToSocket(
  source: DownloadSource,
  sock: DataSocket,
  opts: PumpOptions,
): Promise<void> {
  if (isConn(sock)) return await sendToConn(source, sock, opts);
  track(sock);
  const release = guard(sock, opts);
  const conv = opts.ascii ? toNetworkAscii() : undefined;
  const chunks = chunkSource(source, opts.chunkSize ?? DEFAULT_TRANSFER_CHUNK);
  let sending: Promise<void> | undefined;
  try {
    while (true) {
      if (sending && !chunks.ahead) await sending;
      const raw = await chunks.next();
      if (raw === undefined) break;
      if (opts.signal.aborted) throw new AbortedError();
      const chunk = conv ? conv(raw) : raw;
      // Deno 2.9.6's node:tls fails a 0-byte write with EPERM (an empty listing was a 550).
      if (!chunk.length) {
        chunks.recycle(raw);
        continue;
      }
      if (sending) await sending;
      if (sock.destroyed) throw sockError(sock) ?? new FtpServerError("data connection closed");
      sending = flushed(sock, chunk).then(() => chunks.recycle(raw));
      sending.catch(() => {}); // awaited before the next write or at the end
      opts.progress.bytes += chunk.length;
      if (opts.throttle) await opts.throttle.consume(chunk.length, opts.signal);
    }
    if (sending) await sending;
    if (opts.signal.aborted) throw new AbortedError();
    await finish(sock);
  } catch (e) {
    sock.destroy();
    await sending?.catch(() => {}); // the chunk's buffer is freed below
    await chunks.cancel();
    throw opts.signal.aborted ? new AbortedError() : e;
  } finally {
    release();
    chunks.release();
  }
}

/**
 * Writes `chunk` and resolves once the socket handed it on (its write
 * callback), so that its buffer can be reused; rejects if the socket fails
 * or closes first.
 */
function flushed(sock: Socket, chunk: Uint8Array): Promise<void> {
  return new Promise((resolve, reject) => {
    const onClose = () => reject(sockError(sock) ?? new FtpServerError("data connection closed"));
    sock.once("close", onClose);
    sock.write(chunk, (e) => {
      sock.off("close", onClose);
      if (e) reject(e);
      else resolve();
    });
  });
}

/**
 * Reads the data socket to its end into a writable stream or direct sink and
 * closes it (which commits an atomic write). On failure it is aborted.
 *
 * @example
 * ```ts
 * await receiveFromSocket(sock, await fs.write("/a", { atomic: false }), opts);
 * ```
 */
export async function receiveFromSocket(
  sock: DataSocket,
  dest: UploadSink,
  opts: PumpOptions,
): Promise<void> {
  if (isConn(sock)) return await receiveFromConn(sock, dest, opts);
  track(sock);
  const conv = opts.ascii ? fromNetworkAscii() : undefined;
  const batch = new Batcher(dest, opts.chunkSize ?? DEFAULT_TRANSFER_CHUNK);
  const release = guard(sock, opts, () => batch.shed());
  try {
    if (!("encrypted" in sock) && !conv && !opts.throttle) {
      await receivePlain(sock, batch, opts);
    } else {
      const source = "encrypted" in sock ? flowing(sock as tls.TLSSocket) : sock;
      for await (const data of source) {
        let chunk = data instanceof Uint8Array ? data : new TextEncoder().encode(String(data));
        opts.progress.bytes += chunk.length;
        if (conv) chunk = conv(chunk);
        if (chunk.length) await batch.add(chunk);
        if (opts.throttle) await opts.throttle.consume(chunk.length, opts.signal);
        if (opts.signal.aborted) throw new AbortedError();
      }
    }
    // A destroyed socket ends the iteration quietly: tell an abort from an EOF.
    if (opts.signal.aborted) throw new AbortedError();
    const err = sockError(sock);
    if (err) throw err;
    if (conv) {
      const tail = conv(new Uint8Array(0), true);
      if (tail.length) await batch.add(tail);
    }
    await batch.close();
  } catch (e) {
    sock.destroy();
    await batch.abort(e);
    throw opts.signal.aborted ? new AbortedError() : e;
  } finally {
    release();
    sock.destroy();
    batch.dispose();
  }
}

/**
 * The plain binary upload without throttling: `data` events copied straight
 * into the batch, the socket paused only while a full batch waits for the
 * previous write. No promise per socket chunk (the async iterator of a node
 * socket costs one or more per 64 KiB).
 */
function receivePlain(sock: Socket, batch: Batcher, opts: PumpOptions): Promise<void> {
  return new Promise((resolve, reject) => {
    let failed = false;
    const fail = (e: unknown) => {
      if (failed) return;
      failed = true;
      cleanup();
      reject(e);
    };
    const onData = (data: Uint8Array | string) => {
      const chunk = typeof data === "string" ? new TextEncoder().encode(data) : data;
      opts.progress.bytes += chunk.length;
      if (!chunk.length) return;
      if (held) {
        // Arrived after pause(): keep the order behind the batch being written.
        held.push(chunk);
        return;
      }
      const waiting = batch.put(chunk);
      if (waiting) hold(waiting);
    };
    let held: Uint8Array[] | undefined;
    const hold = (waiting: Promise<void>) => {
      held = [];
      sock.pause();
      waiting.then(async () => {
        while (held!.length) await batch.add(held!.shift()!);
        held = undefined;
        if (!failed) sock.resume();
        if (ended) finish();
      }).catch(fail);
    };
    let ended = false;
    const finish = () => {
      cleanup();
      resolve();
    };
    // A destroyed socket (abort, stall) closes without `end`: the caller tells
    // an abort from an EOF, as with the iterator.
    const onEnd = () => {
      ended = true;
      if (!held) finish();
    };
    const onError = (e: Error) => fail(e);
    const cleanup = () => {
      sock.off("data", onData);
      sock.off("end", onEnd);
      sock.off("close", onEnd);
      sock.off("error", onError);
    };
    sock.on("data", onData);
    sock.on("end", onEnd);
    sock.on("close", onEnd);
    sock.on("error", onError);
    if (sock.readableEnded) onEnd();
    else sock.resume();
  });
}

/**
 * A plain passive `Deno.Conn` (see `DataChannel.passive`) with the stall
 * guard and ABOR: both close the connection, which fails the pending op.
 */
class ConnGuard {
  failure?: Error;
  #closed = false;
  readonly release: () => void;
  constructor(readonly conn: Deno.Conn, opts: PumpOptions, onQuiet?: () => void) {
    this.release = watch(
      (e) => {
        this.failure ??= e;
        this.close();
      },
      opts,
      onQuiet,
    );
  }
  close() {
    if (this.#closed) return;
    this.#closed = true;
    try {
      this.conn.close();
    } catch { /* already closed */ }
  }
}

/**
 * Gives a transfer buffer's memory back now instead of at V8's next full
 * collection: detaching an ArrayBuffer (`transfer(0)`) releases its backing
 * store when nothing else holds it (a Deno op still using it holds its own
 * reference). An idle server otherwise keeps finished transfers' buffers
 * until something else triggers a collection.
 */
function free(buf: ArrayBufferLike | undefined): void {
  if (buf instanceof ArrayBuffer && !buf.detached && buf.byteLength) buf.transfer(0);
}

/**
 * Transfer buffers that finished transfers gave back, for the next ones to
 * take while any transfer runs; all freed ({@link free}) once none does. A
 * fresh buffer costs more than its allocation: with ferry serve's
 * `MALLOC_MMAP_THRESHOLD_` (relaunch.ts) each one is an mmap, a page fault
 * per 4 KiB page on first use and an munmap that interrupts the other cores
 * (perf, 300 concurrent STOR+RETR: ~11 % of the server's CPU). The pool only
 * holds buffers that running transfers held a moment before, so it adds
 * nothing to the peak; a server at rest holds none. A stalled transfer's
 * shed buffer is freed, not pooled (it may stall for long).
 */
class BufferPool {
  #free: ArrayBuffer[] = [];
  #bytes = 0;
  #holders = 0;
  constructor(readonly maxBytes: number) {}

  /** A buffer of `size` bytes: a pooled one, or a new one. Call {@link enter} first. */
  take(size: number): ArrayBuffer {
    for (let i = this.#free.length - 1; i >= 0; i--) {
      const b = this.#free[i];
      if (b.byteLength !== size) continue;
      this.#free.splice(i, 1);
      this.#bytes -= size;
      if (!b.detached) return b;
    }
    return new ArrayBuffer(size);
  }

  /** Gives `buf` back: pooled while a transfer runs and the pool has room, else freed. */
  give(buf: ArrayBufferLike | undefined): void {
    if (!(buf instanceof ArrayBuffer) || buf.detached || !buf.byteLength) return;
    if (this.#holders > 0 && this.#bytes + buf.byteLength <= this.maxBytes) {
      this.#free.push(buf);
      this.#bytes += buf.byteLength;
    } else free(buf);
  }

  /** A transfer starts holding buffers. */
  enter(): void {
    this.#holders++;
  }

  /** A transfer gave its buffers back: the last one out frees the pool. */
  leave(): void {
    if (--this.#holders > 0) return;
    for (const b of this.#free) free(b);
    this.#free.length = 0;
    this.#bytes = 0;
  }
}

/** One pool for the process: 4 MiB at most (64 buffers of the default 64 KiB). */
const pool = new BufferPool(4 * 1048576);

/** The chunks a download sends, pulled one at a time (see {@link chunkSource}). */
interface Chunks {
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
 * end the buffers are freed at once ({@link free}). Any other stream's chunks
 * are passed on as they come.
 */
function chunkSource(source: DownloadSource, size: number): Chunks {
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

async function writeConn(conn: Deno.Conn, chunk: Uint8Array, progress: { bytes: number }) {
  let off = 0;
  while (off < chunk.length) {
    const n = await conn.write(off ? chunk.subarray(off) : chunk);
    off += n;
    progress.bytes += n;
  }
}

/** {@link sendToSocket} over a `Deno.Conn`: `Deno.Conn.write` until each chunk is out. */
async function sendToConn(
  source: DownloadSource,
  conn: Deno.Conn,
  opts: PumpOptions,
): Promise<void> {
  const g = new ConnGuard(conn, opts);
  const conv = opts.ascii ? toNetworkAscii() : undefined;
  const chunks = chunkSource(source, opts.chunkSize ?? DEFAULT_TRANSFER_CHUNK);
  let writing: Promise<void> | undefined;
  try {
    if (chunks.nextSync && !conv) {
      // A local file in binary mode (RETR's usual case): read, write it all,
      // read again, with no promise per chunk beyond the socket's own.
      for (let chunk; (chunk = chunks.nextSync()) !== undefined;) {
        if (opts.signal.aborted) throw new AbortedError();
        if (g.failure) throw g.failure;
        for (let off = 0; off < chunk.length;) {
          const n = await conn.write(off ? chunk.subarray(off) : chunk);
          off += n;
          opts.progress.bytes += n;
        }
        if (opts.throttle) await opts.throttle.consume(chunk.length, opts.signal);
      }
    }
    while (!chunks.nextSync || conv) {
      if (writing && !chunks.ahead) await writing;
      const raw = await chunks.next();
      if (raw === undefined) break;
      if (opts.signal.aborted) throw new AbortedError();
      if (g.failure) throw g.failure;
      const chunk = conv ? conv(raw) : raw;
      if (!chunk.length) {
        chunks.recycle(raw);
        continue;
      }
      // At most one write in flight, while the next chunk is read (see `ahead`).
      if (writing) await writing;
      writing = writeConn(conn, chunk, opts.progress).then(() => chunks.recycle(raw));
      writing.catch(() => {}); // awaited before the next write or at the end
      if (opts.throttle) await opts.throttle.consume(chunk.length, opts.signal);
    }
    if (writing) await writing;
    if (opts.signal.aborted) throw new AbortedError();
    if (g.failure) throw g.failure;
  } catch (e) {
    g.close();
    await writing?.catch(() => {}); // a closed connection fails the write at once
    await chunks.cancel();
    throw opts.signal.aborted ? new AbortedError() : g.failure ?? e;
  } finally {
    g.release();
    chunks.release();
    g.close();
  }
}

/**
 * {@link receiveFromSocket} over a `Deno.Conn`: a plain binary upload reads
 * straight into the free part of the upload batch (no copy, no event per
 * chunk); ASCII or throttled uploads read into a scratch buffer first.
 */
async function receiveFromConn(
  conn: Deno.Conn,
  dest: UploadSink,
  opts: PumpOptions,
): Promise<void> {
  const conv = opts.ascii ? fromNetworkAscii() : undefined;
  const size = opts.chunkSize ?? DEFAULT_TRANSFER_CHUNK;
  const batch = new Batcher(dest, size);
  const g = new ConnGuard(conn, opts, () => batch.shed());
  const scratch = conv || opts.throttle ? new Uint8Array(Math.min(size, 64 * 1024)) : undefined;
  try {
    while (true) {
      if (!scratch) {
        const n = await conn.read(batch.space());
        if (n === null) break;
        opts.progress.bytes += n;
        const full = batch.commit(n);
        if (full) await full;
      } else {
        const n = await conn.read(scratch);
        if (n === null) break;
        opts.progress.bytes += n;
        const chunk = conv ? conv(scratch.subarray(0, n)) : scratch.subarray(0, n);
        if (chunk.length) await batch.add(chunk);
        if (opts.throttle) await opts.throttle.consume(n, opts.signal);
      }
      if (opts.signal.aborted) throw new AbortedError();
      if (g.failure) throw g.failure;
    }
    if (opts.signal.aborted) throw new AbortedError();
    if (g.failure) throw g.failure;
    if (conv) {
      const tail = conv(new Uint8Array(0), true);
      if (tail.length) await batch.add(tail);
    }
    await batch.close();
  } catch (e) {
    g.close();
    const err = opts.signal.aborted ? new AbortedError() : g.failure ?? e;
    await batch.abort(err);
    throw err;
  } finally {
    g.release();
    g.close();
    batch.dispose();
  }
}

/**
 * Gathers socket chunks (64 KiB from node sockets) into writes of `size`
 * bytes with one write in flight while the next batch fills: two buffers per
 * upload at most, reused; one when the endpoint's stream offers a direct
 * (synchronous) write or the upload goes to a direct sink. Each Deno file write is a separate async op;
 * batching doubled upload throughput to a local endpoint here (about 300 ->
 * 620 MB/s at 256 KiB).
 */
class Batcher {
  // Two buffers in turn: one being written, one filling (no garbage per batch).
  #spare?: Uint8Array<ArrayBuffer>;
  #buf: Uint8Array<ArrayBuffer>;
  #len = 0;
  #inflight?: Promise<void>;
  #flying?: Uint8Array<ArrayBuffer>;
  /** The stream's writer; undefined for a direct sink. */
  readonly writer?: WritableStreamDefaultWriter<Uint8Array>;
  /**
   * With `direct` (a local file: see `DirectWrite`, or a direct sink) each
   * full batch is written at once, synchronously, and the same buffer fills
   * again: one buffer per upload, no promise per batch.
   */
  readonly direct?: DirectWrite;
  /** The direct sink, closed or aborted in place of a stream. */
  readonly #sink?: DirectSink;

  constructor(dest: UploadSink, readonly size: number) {
    if (dest instanceof WritableStream) {
      this.writer = dest.getWriter();
      this.direct = directWriteOf(dest);
    } else {
      this.direct = this.#sink = dest;
    }
    pool.enter();
    this.#buf = new Uint8Array(pool.take(size));
  }

  /** Writes the batch through `direct`; the error instead of throwing it. */
  #writeNow(): unknown {
    const out = this.#buf.subarray(0, this.#len);
    this.#len = 0;
    try {
      this.direct!.writeSync(out);
    } catch (e) {
      return e ?? new Error("write failed");
    }
  }

  /**
   * Copies a chunk in without waiting when that is possible; returns a
   * promise to wait for before the next `put` when the chunk filled a batch
   * while a write was still in flight (the rest of the chunk then follows
   * through `add`).
   */
  put(chunk: Uint8Array): Promise<void> | undefined {
    let off = 0;
    while (off < chunk.length) {
      const take = Math.min(chunk.length - off, this.size - this.#len);
      this.#buf.set(chunk.subarray(off, off + take), this.#len);
      this.#len += take;
      off += take;
      if (this.#len === this.size) {
        if (this.direct) {
          const failed = this.#writeNow();
          if (failed) return Promise.reject(failed);
          continue;
        }
        if (this.#inflight) return this.#send().then(() => this.add(chunk.subarray(off)));
        void this.#send();
      }
    }
    return undefined;
  }

  /** The free part of the filling batch, to read into; then {@link commit}. */
  space(): Uint8Array<ArrayBuffer> {
    return this.#len ? this.#buf.subarray(this.#len) : this.#buf;
  }

  /**
   * Counts `n` bytes read into {@link space}; sends the batch when full. A
   * direct write happens here and now (and throws here); otherwise the
   * promise to wait for, or undefined when there is nothing to wait for.
   */
  commit(n: number): Promise<void> | undefined {
    this.#len += n;
    if (this.#len !== this.size) return undefined;
    if (this.direct) {
      const failed = this.#writeNow();
      if (failed) throw failed;
      return undefined;
    }
    return this.#send();
  }

  async add(chunk: Uint8Array): Promise<void> {
    let off = 0;
    while (off < chunk.length) {
      const take = Math.min(chunk.length - off, this.size - this.#len);
      this.#buf.set(chunk.subarray(off, off + take), this.#len);
      this.#len += take;
      off += take;
      if (this.#len === this.size) await this.#send();
    }
  }

  async #send() {
    if (this.direct) {
      const failed = this.#writeNow();
      if (failed) throw failed;
      return;
    }
    const full = this.#buf;
    const out = full.subarray(0, this.#len);
    if (this.#inflight) await this.#inflight;
    // The previous write has resolved, so the sink is done with its buffer.
    this.#buf = this.#spare ?? new Uint8Array(pool.take(this.size));
    this.#spare = undefined;
    this.#len = 0;
    this.#flying = full;
    this.#inflight = this.writer!.write(out).then(() => {
      this.#spare = full;
      this.#flying = undefined;
    });
    // Awaited by the next #send, flush or settle; a failure may land first.
    this.#inflight.catch(() => {});
  }

  /** Writes what is left and waits for every write. */
  async flush(): Promise<void> {
    if (this.#len) await this.#send();
    if (this.#inflight) await this.#inflight;
    this.#inflight = undefined;
  }

  /** Waits for a pending write without raising (failure path). */
  async settle(): Promise<void> {
    await this.#inflight?.catch(() => {});
  }

  /** Writes what is left and closes the destination (an atomic write commits). */
  async close(): Promise<void> {
    await this.flush();
    if (this.#sink) await this.#sink.close();
    else await this.writer!.close();
  }

  /** Gives the destination up after a failure (its clean-up); never throws. */
  async abort(reason: unknown): Promise<void> {
    await this.settle();
    if (this.#sink) await this.#sink.abort(reason).catch(() => {});
    else await this.writer!.abort(reason).catch(() => {});
  }

  /**
   * A stalled upload: frees the spare buffer (the one written last, idle
   * until the filling one is full), so that a client that stopped sending
   * holds one buffer, not two. The next batch allocates it again.
   */
  shed(): void {
    if (!this.#spare) return; // set once the last write finished
    free(this.#spare.buffer);
    this.#spare = undefined;
  }

  /** Gives both buffers back ({@link BufferPool}); once, after `flush` or `settle`. */
  dispose(): void {
    pool.give(this.#buf.buffer);
    pool.give(this.#spare?.buffer);
    pool.give(this.#flying?.buffer);
    this.#spare = this.#flying = undefined;
    pool.leave();
  }
}

/**
 * Reads a TLS socket in flowing mode (see `readTls` for why). Chunks are
 * queued while the endpoint write is pending; memory is bounded by how much
 * faster the network is than the endpoint, so a very slow endpoint buffers
 * more. A close without the TLS end (close_notify, then EOF) is an error:
 * the data may have been cut.
 */
async function* flowing(sock: tls.TLSSocket): AsyncGenerator<Uint8Array> {
  const queue: Uint8Array[] = [];
  let ended = false;
  let failure: Error | undefined;
  let wake: (() => void) | undefined;
  const notify = () => {
    const w = wake;
    wake = undefined;
    w?.();
  };
  const onClose = () => {
    if (!ended) failure ??= new FtpServerError("data connection closed before the end of the data");
    notify();
  };
  readTls(sock, {
    data: (chunk) => {
      queue.push(chunk);
      notify();
    },
    end: () => {
      ended = true;
      notify();
    },
    error: (e) => {
      failure ??= e;
      notify();
    },
  });
  sock.on("close", onClose);
  try {
    while (true) {
      if (queue.length) {
        yield queue.shift()!;
        continue;
      }
      if (ended) return;
      if (failure) throw failure;
      await new Promise<void>((resolve) => wake = resolve);
    }
  } finally {
    sock.off("close", onClose);
  }
}
