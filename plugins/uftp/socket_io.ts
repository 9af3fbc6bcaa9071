/**
 * Small byte-level edges over node:net sockets, shared by the UFTPD and the
 * multi-stream client: exact-length reads with backpressure, writes that wait
 * for `drain`, and a graceful end.
 * @module
 */
import type net from "node:net";
import { FtpTimeoutError } from "../../ftp.ts";
import { UftpDataConnectionError } from "./errors.ts";

/** The error of a data connection that waited on the network longer than its deadline. */
function idleError(ms: number): FtpTimeoutError {
  return new FtpTimeoutError(`UFTP data connection idle for ${ms} ms`);
}

/**
 * Reads a socket in exact-length pieces (the socket is paused while nobody
 * waits, so a slow consumer keeps memory bounded). With `idleMs`, a wait for
 * bytes longer than that destroys the socket and fails with
 * `FtpTimeoutError`: only time spent waiting on the network counts, so a slow
 * consumer is not taken for a silent server.
 *
 * @example
 * ```ts
 * const reader = new ByteReader(socket, { idleMs: 30_000 });
 * const header = await reader.exactly(16); // null at a clean end
 * ```
 */
export class ByteReader {
  #chunks: Uint8Array[] = [];
  #buffered = 0;
  #ended = false;
  #error?: Error;
  #wake?: () => void;
  readonly #idleMs: number;

  constructor(readonly socket: net.Socket, options: { idleMs?: number } = {}) {
    this.#idleMs = options.idleMs ?? 0;
    socket.on("data", (chunk: Uint8Array) => {
      this.#chunks.push(chunk);
      this.#buffered += chunk.length;
      if (this.#buffered > 1 << 20) socket.pause();
      this.#notify();
    });
    socket.on("end", () => {
      this.#ended = true;
      this.#notify();
    });
    socket.on("close", () => {
      this.#ended = true;
      this.#notify();
    });
    socket.on("error", (e: Error) => {
      this.#error = e;
      this.#notify();
    });
  }

  /** Whether the peer ended and everything was read. */
  get done(): boolean {
    return this.#ended && this.#buffered === 0;
  }

  /** Up to `max` bytes as they come; null at the end. */
  async some(max: number): Promise<Uint8Array | null> {
    while (this.#buffered === 0) {
      if (this.#error) throw this.#error;
      if (this.#ended) return null;
      await this.#wait();
    }
    return this.#take(Math.min(max, this.#buffered));
  }

  /**
   * Exactly `n` bytes; null when the stream ended right at this boundary;
   * an error when it ended inside the piece.
   */
  async exactly(n: number): Promise<Uint8Array | null> {
    while (this.#buffered < n) {
      if (this.#error) throw this.#error;
      if (this.#ended) {
        if (this.#buffered === 0) return null;
        throw new UftpDataConnectionError(`data connection ended inside a ${n}-byte piece`);
      }
      await this.#wait();
    }
    return this.#take(n);
  }

  #take(n: number): Uint8Array {
    const out = new Uint8Array(n);
    let filled = 0;
    while (filled < n) {
      const head = this.#chunks[0];
      const part = Math.min(head.length, n - filled);
      out.set(head.subarray(0, part), filled);
      filled += part;
      if (part === head.length) this.#chunks.shift();
      else this.#chunks[0] = head.subarray(part);
    }
    this.#buffered -= n;
    if (this.#buffered < 1 << 19) this.socket.resume();
    return out;
  }

  #wait(): Promise<void> {
    this.socket.resume();
    return new Promise((resolve) => {
      const idle = this.#idleMs > 0
        ? setTimeout(() => {
          this.#error ??= idleError(this.#idleMs);
          this.socket.destroy();
          this.#notify();
        }, this.#idleMs)
        : undefined;
      this.#wake = () => {
        clearTimeout(idle);
        resolve();
      };
    });
  }

  #notify(): void {
    const wake = this.#wake;
    this.#wake = undefined;
    wake?.();
  }
}

/**
 * Writes a chunk, waiting for `drain` when the socket's buffer is full; with
 * `idleMs`, a drain that does not come within that destroys the socket and
 * fails with `FtpTimeoutError` (a peer that stopped reading).
 *
 * @example
 * ```ts
 * await writeFully(socket, bytes, 30_000);
 * ```
 */
export function writeFully(socket: net.Socket, chunk: Uint8Array, idleMs = 0): Promise<void> {
  return new Promise((resolve, reject) => {
    if (socket.destroyed) return reject(new UftpDataConnectionError("data connection closed"));
    // Deno 2.9.6's node:tls fails a 0-byte write with EPERM: an empty chunk is no write.
    if (!chunk.length || socket.write(chunk)) return resolve();
    const settle = (error?: Error) => {
      clearTimeout(idle);
      socket.off("close", onClose);
      socket.off("drain", onDrain);
      if (error) reject(error);
      else resolve();
    };
    const onClose = () =>
      settle(new UftpDataConnectionError("data connection closed while writing"));
    const onDrain = () => settle();
    const idle = idleMs > 0
      ? setTimeout(() => {
        settle(idleError(idleMs));
        socket.destroy();
      }, idleMs)
      : undefined;
    socket.once("close", onClose);
    socket.once("drain", onDrain);
  });
}

/**
 * Ends our side and resolves once the socket is fully closed (or after
 * `timeoutMs`, when it is destroyed).
 *
 * @example
 * ```ts
 * await endSocket(socket, 30_000);
 * ```
 */
export function endSocket(socket: net.Socket, timeoutMs: number): Promise<void> {
  return new Promise((resolve) => {
    if (socket.destroyed) return resolve();
    const timer = setTimeout(() => socket.destroy(), timeoutMs);
    socket.once("close", () => {
      clearTimeout(timer);
      resolve();
    });
    socket.end();
    socket.resume();
  });
}
