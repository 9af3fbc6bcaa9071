/**
 * One data connection as the transfer code sees it: chunks in, chunks out, a
 * clean end and a hard stop, whatever carries it. Plain passive connections
 * are a `Deno.Conn` (read straight into a buffer sized for what is left of the
 * file: a small file costs one op per read and no stream machinery); TLS and
 * active connections stay on node:net/node:tls, which TLS session reuse needs
 * (docs/TLS.md).
 * @module
 */
import type net from "node:net";
import { FtpConnectionError, FtpTimeoutError, maskCommand } from "./errors.ts";
import { connectError, endSocket, socketReadable, writeChunk } from "./socket.ts";
import { deadline } from "../util/timers.ts";

/** A connected data channel (see the module notes). */
export interface DataConnection {
  /** The next chunk of a download, or null at its end. Errors are data-connection errors. */
  read(): Promise<Uint8Array | null>;
  /**
   * The next bytes of a download into the caller's `buffer`: how many, or null at
   * its end. Only where the carrier can fill a given buffer (a `Deno.Conn`): a
   * reader that reuses one buffer spares a fresh zeroed buffer per read (~20 %
   * of a download's CPU, docs/BENCHMARKS.md).
   */
  readInto?(buffer: Uint8Array): Promise<number | null>;
  /**
   * Writes a chunk of an upload, resolving when more may be written; the
   * caller may then reuse the chunk's memory (an upload read into one buffer).
   */
  write(chunk: Uint8Array): Promise<void>;
  /** Ends an upload: half-closes and waits until the server has closed too. */
  end(timeoutMs: number): Promise<void>;
  /** Drops the connection at once (abort, failure). */
  destroy(): void;
}

/** How a data connection reports trouble. */
export interface DataConnectionOptions {
  /** Idle deadline: no byte in either direction for this long ends the connection. */
  timeoutMs: number;
  /** The command it carries, for the idle-deadline message. */
  command: string;
  /** Turns a raw socket error into the error a reader sees. */
  mapError: (error: Error) => Error;
  /** Download size announced by the 150 reply, if any (sizes read buffers). */
  expectedBytes?: Promise<number | undefined>;
}

/** Largest read buffer when the size is not known (listings, servers that do not announce it). */
const readBuffer = 256 * 1024;
/**
 * Largest read buffer, for large announced downloads: fewer, larger chunks
 * through the streams behind (a 256 MiB UFTP download: ~9 % less wall time
 * than with 256 KiB, docs/BENCHMARKS.md).
 */
const maxReadBuffer = 1024 * 1024;
const minReadBuffer = 16 * 1024;

/**
 * Connects a plain data connection with `Deno.connect`, with a deadline.
 *
 * @example
 * ```ts
 * const conn = await connectConn("127.0.0.1", 50000, { timeoutMs: 10_000 });
 * ```
 */
export function connectConn(
  host: string,
  port: number,
  options: { timeoutMs: number },
): Promise<Deno.TcpConn> {
  // One promise settled by whichever comes first (every transfer connects one):
  // no async frame, race and deadline promise around the connect.
  return new Promise((resolve, reject) => {
    const connecting = Deno.connect({ hostname: host, port });
    let late = false;
    // Not setTimeout (util/timers.ts): the first one loads Deno's Node layer.
    const cancel = deadline(options.timeoutMs, () => {
      late = true;
      reject(connectError(host, port));
    });
    connecting.then((conn) => {
      cancel();
      // A connection that arrives after the deadline is closed, not leaked.
      if (late) conn.close();
      else resolve(conn);
    }, (error) => {
      cancel();
      reject(connectError(host, port, error as Error));
    });
  });
}

/**
 * A {@link DataConnection} over a `Deno.Conn`.
 *
 * @example
 * ```ts
 * const data = connData(await connectConn(host, port, { timeoutMs }), { timeoutMs, command, mapError });
 * for (let c = await data.read(); c; c = await data.read()) total += c.length;
 * ```
 */
export function connData(conn: Deno.TcpConn, options: DataConnectionOptions): DataConnection {
  let closed = false;
  let writing = false;
  let failure: Error | undefined;
  let lastActive = performance.now();
  // Only a read or write waiting on the network can be idle: a consumer that
  // takes its time between reads (a slow disk) is not the server's silence.
  let pending = 0;
  let left: number | undefined;
  options.expectedBytes?.then((n) => left = n, () => {});
  const close = () => {
    if (closed) return;
    closed = true;
    idle();
    try {
      conn.close();
    } catch { /* already closed by the runtime */ }
  };
  // One timer per connection, re-armed for what is left of the deadline when
  // it fires early: cheaper than a timer per read.
  const check = () => {
    const quiet = pending > 0 ? performance.now() - lastActive : 0;
    if (quiet < options.timeoutMs) {
      arm(options.timeoutMs - quiet);
      return;
    }
    failure = idleError(options);
    close();
  };
  // A deadline (util/timers.ts) does not keep the process alive, as the idle check must not.
  const arm = (ms: number) => idle = deadline(ms, check);
  let idle: () => void;
  arm(options.timeoutMs);
  const fail = (error: unknown): never => {
    close();
    const cause = failure ?? (error instanceof Error ? error : new Error(String(error)));
    throw options.mapError(cause);
  };
  const readInto = async (buffer: Uint8Array): Promise<number | null> => {
    if (failure) fail(failure);
    let n: number | null;
    lastActive = performance.now();
    pending++;
    try {
      n = await conn.read(buffer);
    } catch (error) {
      return fail(closed && !failure ? new FtpConnectionError("data connection closed") : error);
    } finally {
      pending--;
    }
    lastActive = performance.now();
    if (n === null) {
      close();
      return null;
    }
    if (left !== undefined) left = Math.max(0, left - n);
    return n;
  };
  // Size not known (a listing): a small buffer first, doubled while reads
  // fill it, up to `readBuffer`. A listing of a few KiB then zeroes 16 KiB,
  // not 256 KiB, per read: a no-change mirror's ~80 listing reads were ~20 MB
  // of fresh buffers.
  let unknownSize = minReadBuffer;
  return {
    read: async () => {
      // One byte more than announced, so the read that finds the end is small.
      const size = left === undefined
        ? unknownSize
        : Math.max(minReadBuffer, Math.min(maxReadBuffer, left + 1));
      const buffer = new Uint8Array(size);
      const n = await readInto(buffer);
      if (n === size && left === undefined) unknownSize = Math.min(readBuffer, size * 2);
      return n === null ? null : buffer.subarray(0, n);
    },
    readInto,
    async write(chunk) {
      if (failure || closed) {
        fail(failure ?? new FtpConnectionError("data connection closed while writing"));
      }
      lastActive = performance.now();
      pending++;
      try {
        if (!writing) {
          // Uploads only (a setsockopt per download is measurable): the last
          // short segment must not wait for an ACK.
          writing = true;
          conn.setNoDelay(true);
        }
        for (let at = 0; at < chunk.byteLength;) {
          at += await conn.write(chunk.subarray(at));
          lastActive = performance.now();
        }
      } catch (error) {
        fail(error);
      } finally {
        pending--;
      }
    },
    async end(timeoutMs) {
      if (closed) return;
      const cancel = deadline(timeoutMs, () => {
        failure = new FtpTimeoutError("timed out closing the data connection");
        close();
      });
      try {
        await conn.closeWrite();
        // The server answers our FIN with its own; anything else it sends is dropped.
        const sink = new Uint8Array(512);
        while (!closed && (await conn.read(sink)) !== null) { /* drain */ }
      } catch (error) {
        if (failure) throw failure;
        if (!closed) throw options.mapError(error as Error);
      } finally {
        cancel();
        close();
      }
      if (failure) throw failure;
    },
    destroy: close,
  };
}

/**
 * A {@link DataConnection} over a node:net or node:tls socket. Reading starts
 * at once (a server may send everything and close before its 1xx reply reaches
 * us); `endHint` carries the TLS end-of-stream workaround of `socketReadable`.
 *
 * @example
 * ```ts
 * const data = socketData(socket, { timeoutMs, command, mapError });
 * ```
 */
export function socketData(
  socket: net.Socket,
  options: DataConnectionOptions & {
    /** Downloads only: bytes are read from the start. */
    download: boolean;
    /** TLS downloads: the final reply's arrival and the quiet time after it that ends the data. */
    endHint?: { signal: Promise<unknown>; graceMs: number };
  },
): DataConnection {
  socket.setTimeout(options.timeoutMs);
  socket.once("timeout", () => socket.destroy(idleError(options)));
  const errors: Error[] = [];
  socket.on("error", (e: Error) => errors.push(e));
  const reader = options.download
    ? socketReadable(
      socket,
      options.mapError,
      options.endHint && {
        ...options.endHint,
        expectedBytes: options.expectedBytes ?? Promise.resolve(undefined),
      },
    ).getReader()
    : undefined;
  return {
    async read() {
      if (!reader) throw new FtpConnectionError("not a download");
      const { value, done } = await reader.read();
      return done ? null : value;
    },
    async write(chunk) {
      try {
        // node:net keeps a written chunk until it is flushed, which may be after
        // the write resolved: it gets a copy, so the caller may reuse its buffer.
        await writeChunk(socket, chunk.slice());
      } catch (error) {
        throw errors[0] ? options.mapError(errors[0]) : error;
      }
    },
    end: (timeoutMs) => endSocket(socket, timeoutMs),
    destroy: () => {
      reader?.cancel().catch(() => {});
      socket.destroy();
    },
  };
}

function idleError(options: DataConnectionOptions): FtpTimeoutError {
  return new FtpTimeoutError(
    `data connection of ${maskCommand(options.command)} idle for ${options.timeoutMs} ms`,
  );
}
