/**
 * Moving bytes between an endpoint stream and a data socket with constant
 * memory: one chunk in flight, socket backpressure honoured, ASCII
 * conversion, throttling, stall timeout and ABOR. What a download reads
 * from is in ./download_chunks.ts, how an upload's bytes are batched into
 * the endpoint in ./upload_batch.ts, their shared buffers in ./buffers.ts.
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
import { chunkSource, type DownloadSource } from "./download_chunks.ts";
import { Batcher, type UploadSink } from "./upload_batch.ts";

export type { DownloadSource } from "./download_chunks.ts";
export type { UploadSink } from "./upload_batch.ts";

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
