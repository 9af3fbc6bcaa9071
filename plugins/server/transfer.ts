/**
 * Moving bytes between an endpoint stream and a data socket with constant
 * memory: one chunk in flight, socket backpressure honoured, ASCII
 * conversion, throttling, stall timeout and ABOR.
 * @module
 */
import type { Socket } from "node:net";
import type tls from "node:tls";
import { readTls } from "./tls.ts";
import { FtpServerError } from "./errors.ts";
import { fromNetworkAscii, toNetworkAscii } from "./ascii.ts";
import type { Throttle } from "./throttle.ts";

/** Options shared by both directions. */
export interface PumpOptions {
  ascii?: boolean;
  throttle?: Throttle;
  /** Aborts the transfer (ABOR, session closed). */
  signal: AbortSignal;
  /** A stalled data connection is dropped after this many ms without traffic. */
  dataTimeout: number;
  /** Updated as bytes move (for STAT and the transfer log). */
  progress: { bytes: number };
}

/** The data connection stalled longer than the data timeout. */
export class DataTimeoutError extends FtpServerError {
  constructor() {
    super("data connection timed out", { code: "ESERVERDATATIMEOUT" });
  }
}

/** The transfer was aborted (ABOR or the session went away). */
export class AbortedError extends FtpServerError {
  constructor() {
    super("transfer aborted", { code: "ESERVERABORTED" });
  }
}

function guard(sock: Socket, opts: PumpOptions): () => void {
  sock.setTimeout(opts.dataTimeout);
  const onTimeout = () => sock.destroy(new DataTimeoutError());
  const onAbort = () => sock.destroy(new AbortedError());
  sock.on("timeout", onTimeout);
  opts.signal.addEventListener("abort", onAbort, { once: true });
  return () => {
    sock.setTimeout(0);
    sock.off("timeout", onTimeout);
    opts.signal.removeEventListener("abort", onAbort);
  };
}

function waitDrain(sock: Socket): Promise<void> {
  return new Promise((resolve, reject) => {
    const done = (e?: Error) => {
      sock.off("drain", onDrain);
      sock.off("close", onClose);
      sock.off("error", done);
      if (e) reject(e);
      else resolve();
    };
    const onDrain = () => done();
    const onClose = () => done(sockError(sock) ?? new FtpServerError("data connection closed"));
    sock.on("drain", onDrain);
    sock.on("close", onClose);
    sock.on("error", done);
  });
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
 * closes it. Rejects with `AbortedError`, `DataTimeoutError` or the socket error.
 *
 * @example
 * ```ts
 * await sendToSocket(await fs.read("/a"), sock, { signal, dataTimeout: 300_000, progress: { bytes: 0 } });
 * ```
 */
export async function sendToSocket(
  source: ReadableStream<Uint8Array> | Iterable<Uint8Array>,
  sock: Socket,
  opts: PumpOptions,
): Promise<void> {
  track(sock);
  const release = guard(sock, opts);
  const conv = opts.ascii ? toNetworkAscii() : undefined;
  const reader = source instanceof ReadableStream ? source.getReader() : undefined;
  const iter = reader ? undefined : (source as Iterable<Uint8Array>)[Symbol.iterator]();
  try {
    while (true) {
      let chunk: Uint8Array;
      if (reader) {
        const r = await reader.read();
        if (r.done) break;
        chunk = r.value;
      } else {
        const r = iter!.next();
        if (r.done) break;
        chunk = r.value;
      }
      if (opts.signal.aborted) throw new AbortedError();
      if (sock.destroyed) throw sockError(sock) ?? new FtpServerError("data connection closed");
      if (conv) chunk = conv(chunk);
      if (!sock.write(chunk)) await waitDrain(sock);
      opts.progress.bytes += chunk.length;
      if (opts.throttle) await opts.throttle.consume(chunk.length, opts.signal);
    }
    if (opts.signal.aborted) throw new AbortedError();
    await finish(sock);
  } catch (e) {
    sock.destroy();
    await reader?.cancel().catch(() => {});
    throw opts.signal.aborted ? new AbortedError() : e;
  } finally {
    release();
    reader?.releaseLock();
  }
}

/**
 * Reads the data socket to its end into a writable stream and closes the
 * stream (which commits an atomic write). On failure the stream is aborted.
 *
 * @example
 * ```ts
 * await receiveFromSocket(sock, await fs.write("/a", { atomic: false }), opts);
 * ```
 */
export async function receiveFromSocket(
  sock: Socket,
  dest: WritableStream<Uint8Array>,
  opts: PumpOptions,
): Promise<void> {
  track(sock);
  const release = guard(sock, opts);
  const conv = opts.ascii ? fromNetworkAscii() : undefined;
  const writer = dest.getWriter();
  try {
    const source = "encrypted" in sock ? flowing(sock as tls.TLSSocket) : sock;
    for await (const data of source) {
      let chunk = data instanceof Uint8Array ? data : new TextEncoder().encode(String(data));
      opts.progress.bytes += chunk.length;
      if (conv) chunk = conv(chunk);
      if (chunk.length) await writer.write(chunk);
      if (opts.throttle) await opts.throttle.consume(chunk.length, opts.signal);
      if (opts.signal.aborted) throw new AbortedError();
    }
    // A destroyed socket ends the iteration quietly: tell an abort from an EOF.
    if (opts.signal.aborted) throw new AbortedError();
    const err = sockError(sock);
    if (err) throw err;
    if (conv) {
      const tail = conv(new Uint8Array(0), true);
      if (tail.length) await writer.write(tail);
    }
    await writer.close();
  } catch (e) {
    sock.destroy();
    await writer.abort(e).catch(() => {});
    throw opts.signal.aborted ? new AbortedError() : e;
  } finally {
    release();
    sock.destroy();
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
