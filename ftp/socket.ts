/**
 * Thin edges over `node:net` sockets: connect with a deadline, and Web Streams
 * with backpressure over a socket. node:net is used for control connections
 * (plain and TLS) because data-channel TLS session reuse only works through
 * node:tls in Deno (docs/TLS.md); it is imported when a connection is made.
 * @module
 */
import type net from "node:net";
import { FtpConnectionError, FtpTimeoutError } from "./errors.ts";
import { formatHostPort } from "./host_port.ts";

/** Options for {@link connectSocket}. */
export interface SocketOptions {
  /** Deadline for the TCP connect in milliseconds. */
  timeoutMs: number;
  /** Local address to bind (ftplib's `source_address`). */
  localAddress?: string;
  signal?: AbortSignal;
}

/**
 * Opens a TCP connection, rejecting with a typed error on failure or deadline.
 *
 * @example
 * ```ts
 * const sock = await connectSocket("127.0.0.1", 21, { timeoutMs: 5000 });
 * ```
 */
export async function connectSocket(
  host: string,
  port: number,
  options: SocketOptions,
): Promise<net.Socket> {
  // Imported here: a plain session on Deno.Conn (the CLI's head start) needs no Node layer.
  const { default: net } = await import("node:net");
  return await new Promise((resolve, reject) => {
    const socket = net.connect({
      host,
      port,
      localAddress: options.localAddress,
      noDelay: true,
    });
    const fail = (error: Error) => {
      cleanup();
      socket.destroy();
      reject(error);
    };
    const onError = (cause: Error) => fail(connectError(host, port, cause));
    const timer = setTimeout(() => fail(connectError(host, port)), options.timeoutMs);
    const onAbort = () => fail(new FtpConnectionError("connect aborted", { code: "ABORT_ERR" }));
    const cleanup = () => {
      clearTimeout(timer);
      socket.off("error", onError);
      options.signal?.removeEventListener("abort", onAbort);
    };
    socket.once("error", onError);
    options.signal?.addEventListener("abort", onAbort, { once: true });
    socket.once("connect", () => {
      cleanup();
      resolve(socket);
    });
  });
}

/**
 * The error for a connect that failed (`cause`) or ran out of time (no cause).
 *
 * @example
 * ```ts
 * connectError("127.0.0.1", 21); // FtpTimeoutError "timed out connecting to 127.0.0.1:21"
 * ```
 */
export function connectError(
  host: string,
  port: number,
  cause?: Error & { code?: string },
): FtpConnectionError | FtpTimeoutError {
  const where = formatHostPort(host, port);
  if (!cause) return new FtpTimeoutError(`timed out connecting to ${where}`);
  return new FtpConnectionError(`cannot connect to ${where}: ${cause.message}`, {
    cause,
    code: cause.code,
  });
}

// Kept apart (no node:net there): the head start formats peers before this loads.
export { formatHostPort } from "./host_port.ts";

/**
 * A ReadableStream over a socket's incoming bytes, pausing the socket when the
 * consumer is slow so memory stays constant. Errors become stream errors.
 *
 * @example
 * ```ts
 * for await (const chunk of socketReadable(sock)) total += chunk.length;
 * ```
 */
export function socketReadable(
  socket: net.Socket,
  mapError: (error: Error) => Error = (e) => e,
  endHint?: {
    signal: Promise<unknown>;
    graceMs: number;
    expectedBytes: Promise<number | undefined>;
  },
): ReadableStream<Uint8Array> {
  let finished = false;
  // Deno 2.9.6's TLSSocket loses its EOF (and may drop buffered bytes) once its
  // readable side was paused, so TLS sockets are never paused: a consumer slower
  // than the network buffers in the stream's queue instead (docs/TLS.md).
  const mayPause = !("encrypted" in socket);
  let grace: ReturnType<typeof setTimeout> | undefined;
  let hinted = false;
  return new ReadableStream<Uint8Array>({
    start(controller) {
      // Deno 2.9.6's TLSSocket sometimes never emits the end of a TLS stream
      // even though every byte arrived (seen in ~1 of 40 vsftpd transfers).
      // When the server has confirmed the transfer on the control connection
      // (`endHint`) and the socket then stays quiet for `graceMs`, it is over.
      const armGrace = () => {
        clearTimeout(grace);
        grace = setTimeout(() => {
          if (finished) return;
          finished = true;
          controller.close();
          socket.destroy();
        }, endHint!.graceMs);
      };
      endHint?.signal.then(() => {
        hinted = true;
        if (!finished) armGrace();
      }, () => {});
      socket.once("close", () => clearTimeout(grace));
      // The server may wait for our close_notify before it confirms; when every
      // announced byte is here, say goodbye so it can. The announcement (a 150
      // reply) may come after the bytes themselves.
      let received = 0;
      let expected: number | undefined;
      const goodbyeIfComplete = () => {
        if (expected !== undefined && received === expected && !socket.writableEnded) socket.end();
      };
      endHint?.expectedBytes.then((n) => {
        expected = n;
        goodbyeIfComplete();
      }, () => {});
      socket.on("data", (chunk: Uint8Array) => {
        if (finished) return;
        if (hinted) armGrace();
        received += chunk.length;
        goodbyeIfComplete();
        controller.enqueue(chunk);
        if (mayPause && (controller.desiredSize ?? 0) <= 0) socket.pause();
      });
      socket.once("end", () => {
        if (finished) return;
        finished = true;
        controller.close();
      });
      socket.once("error", (error: Error) => {
        if (finished) return;
        finished = true;
        controller.error(mapError(error));
      });
      socket.once("close", () => {
        if (finished) return;
        finished = true;
        controller.error(mapError(new FtpConnectionError("data connection closed before its end")));
      });
    },
    pull() {
      if (mayPause) socket.resume();
    },
    cancel() {
      finished = true;
      socket.destroy();
    },
  }, { highWaterMark: 16 });
}

/**
 * Writes a chunk, resolving once the socket accepts more (backpressure).
 *
 * @example
 * ```ts
 * await writeChunk(sock, new TextEncoder().encode("hello"));
 * ```
 */
export function writeChunk(socket: net.Socket, chunk: Uint8Array): Promise<void> {
  return new Promise((resolve, reject) => {
    if (socket.destroyed) {
      reject(new FtpConnectionError("data connection closed while writing"));
      return;
    }
    // Deno 2.9.6's node:tls fails a 0-byte write with EPERM: an empty chunk is no write.
    if (!chunk.length) return resolve();
    const ok = socket.write(chunk, (error) => {
      if (error) reject(new FtpConnectionError(`write failed: ${error.message}`, { cause: error }));
    });
    if (ok) resolve();
    else {
      const onDrain = () => {
        socket.off("close", onClose);
        resolve();
      };
      const onClose = () => {
        socket.off("drain", onDrain);
        reject(new FtpConnectionError("data connection closed while writing"));
      };
      socket.once("drain", onDrain);
      socket.once("close", onClose);
    }
  });
}

/**
 * Ends the write side and resolves when the peer has the last byte (socket closed).
 *
 * @example
 * ```ts
 * await endSocket(sock, 30_000);
 * ```
 */
export function endSocket(socket: net.Socket, timeoutMs: number): Promise<void> {
  return new Promise((resolve, reject) => {
    if (socket.destroyed) {
      resolve();
      return;
    }
    const timer = setTimeout(() => {
      socket.destroy();
      reject(new FtpTimeoutError("timed out closing the data connection"));
    }, timeoutMs);
    socket.once("close", () => {
      clearTimeout(timer);
      resolve();
    });
    socket.end();
    // The peer answers our FIN with its own; we need not read anything else.
    socket.resume();
  });
}

/** Text encodings for command and path names. */
export type FtpEncoding = "utf-8" | "latin1";

/** One encoder for every command line (a fresh one per line was most of the call). */
const utf8 = new TextEncoder();

/**
 * Encodes text for the wire. latin-1 is done by hand: `TextDecoder("latin1")` is
 * windows-1252 in WHATWG, which is not what FTP servers mean.
 *
 * @example
 * ```ts
 * encodeText("ü", "latin1"); // Uint8Array [0xfc]
 * ```
 */
export function encodeText(text: string, encoding: FtpEncoding): Uint8Array {
  if (encoding === "utf-8") return utf8.encode(text);
  const bytes = new Uint8Array(text.length);
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c > 255) throw new RangeError(`character ${JSON.stringify(text[i])} is not latin-1`);
    bytes[i] = c;
  }
  return bytes;
}

/** A streaming decoder for the chosen encoding. */
export function textDecoder(encoding: FtpEncoding): { decode(bytes: Uint8Array): string } {
  if (encoding === "utf-8") {
    const decoder = new TextDecoder("utf-8");
    return { decode: (bytes) => decoder.decode(bytes, { stream: true }) };
  }
  return {
    decode: (bytes) => {
      let out = "";
      for (let i = 0; i < bytes.length; i += 8192) {
        out += String.fromCharCode(...bytes.subarray(i, i + 8192));
      }
      return out;
    },
  };
}
