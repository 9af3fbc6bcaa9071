/**
 * Transfers as Web Streams over one data connection: constant memory, progress
 * callbacks, and the final reply folded into the stream's end so a 4xx/5xx after
 * the data becomes a stream error instead of being lost.
 * @module
 */
import type { Reply } from "./reply.ts";
import { FtpConnectionError, FtpProtocolError } from "./errors.ts";
import { type FtpEncoding, textDecoder } from "./socket.ts";
import type { DataConnection } from "./data_connection.ts";
import { markReleasesChunks, offerReadInto, type ReadSource } from "../util/files.ts";

/** A data connection after the transfer command was accepted (1xx). */
export interface TransferHandle {
  /** The data connection; undefined when the server answered 2xx at once (nothing to transfer). */
  data: DataConnection | undefined;
  /**
   * The 1xx reply to the command (STOU names the file here); undefined for an
   * upload whose bytes went ahead of it (`FtpClientOptions.writeAhead`).
   */
  preliminary: Reply | undefined;
  command: string;
  /**
   * A binary download from byte 0: the size its 1xx reply announced
   * ("(N bytes)", vsftpd and ProFTPD), if any. Fewer bytes before a success
   * reply is an error, as curl's "partial file": the data connection ended
   * early without the server knowing (a middlebox that took it and lost its
   * other side, a file cut while read), and an empty or short file must not
   * pass as the download. More bytes are allowed (a file that grew).
   */
  announcedBytes?: number;
  timeoutMs: number;
  /** Reads the final reply and releases the control connection; throws on 4xx/5xx. */
  finalReply(): Promise<Reply>;
  /**
   * Uploads: the data connection is closing; lines meant to go with its end
   * (`TransferOptions.after`) are sent now.
   */
  closing?(): void;
  /** Drops the data connection, sends ABOR and resynchronises; releases the control connection. */
  abort(): Promise<void>;
  /**
   * After the data connection failed with `cause`: drops it, reads the server's
   * reply to the transfer and releases the control connection. Returns the error
   * to report: the server's 4xx/5xx reply (a `425` refusal is then a temporary
   * error like any other, with `cause` attached), else `cause`.
   */
  failed(cause: unknown): Promise<unknown>;
}

/** Progress and cancellation for a stream. */
export interface DataStreamOptions {
  onProgress?: (bytes: number) => void;
  signal?: AbortSignal;
  /**
   * Downloads: called once when the control connection is free again (after
   * the final reply, an abort or a failure), before the stream closes or
   * errors; `failed` says the transfer went wrong and the session may be out
   * of step. Lets a session pool take the session back without wrapping the
   * stream in another one.
   */
  onSettled?: (failed: boolean) => void;
}

/**
 * The download side: data bytes, then the final reply checked before `close`.
 *
 * @example
 * ```ts
 * const stream = retrieveStream(handle, { onProgress: (n) => console.log(n) });
 * ```
 */
export function retrieveStream(
  handle: TransferHandle,
  options: DataStreamOptions,
): ReadableStream<Uint8Array> {
  const steps = downloadSteps(handle, options);
  if (!steps) return new ReadableStream({ start: (c) => c.close() });
  const { next, cancel } = steps;
  if (handle.data!.readInto) {
    // A byte stream: a BYOB reader (util/files.ts) has the bytes read straight into its
    // own buffer; a default reader gets a fresh chunk per read as below. streamToFile
    // skips the stream and calls `next` itself (offerReadInto).
    const stream = new ReadableStream({
      type: "bytes",
      async pull(controller) {
        const request = controller.byobRequest;
        const view = request?.view;
        try {
          const got = await next(
            view ? new Uint8Array(view.buffer, view.byteOffset, view.byteLength) : undefined,
          );
          if (got === null) {
            controller.close();
            request?.respond(0);
          } else if (typeof got === "number") request!.respond(got);
          else controller.enqueue(got);
        } catch (error) {
          controller.error(error);
        }
      },
      cancel,
    });
    return offerReadInto(stream, { readInto: (into) => next(into) as Promise<number | null> });
  }
  return new ReadableStream<Uint8Array>({
    async pull(controller) {
      try {
        const got = await next();
        if (got === null) controller.close();
        else controller.enqueue(got as Uint8Array);
      } catch (error) {
        controller.error(error);
      }
    },
    cancel,
  }, { highWaterMark: 0 });
}

/**
 * {@link retrieveStream} without the stream, for a reader with a buffer of its
 * own (sync/pump.ts): the same bytes, checks and session hand-back, read into
 * the caller's buffer. Where the data connection cannot fill a given buffer
 * (TLS), its chunks are copied in, what does not fit kept for the next read.
 *
 * @example
 * ```ts
 * const source = retrieveSource(handle, {});
 * for (let n; (n = await source.readInto(buffer)) !== null;) use(buffer.subarray(0, n));
 * ```
 */
export function retrieveSource(handle: TransferHandle, options: DataStreamOptions): ReadSource {
  const steps = downloadSteps(handle, options);
  if (!steps) return { readInto: () => Promise.resolve(null), cancel: () => Promise.resolve() };
  const { next, cancel } = steps;
  if (handle.data!.readInto) {
    return { readInto: (into) => next(into) as Promise<number | null>, cancel };
  }
  let left: Uint8Array | undefined;
  return {
    async readInto(into) {
      const chunk = left ?? await next() as Uint8Array | null;
      if (chunk === null) return null;
      const n = Math.min(chunk.byteLength, into.byteLength);
      into.set(n === chunk.byteLength ? chunk : chunk.subarray(0, n));
      left = n < chunk.byteLength ? chunk.subarray(n) : undefined;
      return n;
    },
    cancel,
  };
}

/**
 * The steps of a download that {@link retrieveStream} and {@link retrieveSource}
 * run; undefined when there is nothing to read (the session is handed back).
 */
function downloadSteps(handle: TransferHandle, options: DataStreamOptions):
  | {
    next: (into?: Uint8Array) => Promise<Uint8Array | number | null>;
    cancel: () => Promise<void>;
  }
  | undefined {
  let reported = false;
  const report = (failed: boolean) => {
    if (reported) return;
    reported = true;
    options.onSettled?.(failed);
  };
  const data = handle.data;
  if (!data) {
    report(false);
    return undefined;
  }
  let bytes = 0;
  let settled = false;
  // Whether the session came out of an abort in step (ABOR and its replies read).
  let aborted: Promise<boolean> | undefined;
  const abort = (): Promise<boolean> => {
    if (aborted) return aborted;
    if (settled) return Promise.resolve(true);
    settled = true;
    aborted = handle.abort().then(() => true, () => false);
    return aborted;
  };
  const onAbort = () => void abort();
  options.signal?.addEventListener("abort", onAbort, { once: true });
  /**
   * One step of the download: a chunk of the data connection's own (`into`
   * absent) or the count of bytes read into `into`; null once the final reply
   * said the transfer succeeded. A failure is the error the reader sees.
   */
  const next = async (into?: Uint8Array): Promise<Uint8Array | number | null> => {
    let got: Uint8Array | number | null;
    try {
      got = into && data.readInto ? await data.readInto(into) : await data.read();
    } catch (error) {
      options.signal?.removeEventListener("abort", onAbort);
      let reason = error;
      if (!settled) {
        // The data connection broke: the server's reply says why.
        settled = true;
        reason = await handle.failed(error);
        report(true);
      } else if (aborted) {
        // An abort cut this read: the session is handed back once the abort
        // has resynchronised it (or dropped if it could not), never before.
        report(!(await aborted));
      } else report(true);
      throw reason;
    }
    if (got === null) {
      settled = true;
      options.signal?.removeEventListener("abort", onAbort);
      try {
        await handle.finalReply();
      } catch (error) {
        report(true);
        throw error;
      }
      // The session is in step (its final reply read) whatever the bytes say.
      report(false);
      const announced = handle.announcedBytes;
      if (announced !== undefined && bytes < announced) {
        throw new FtpConnectionError(
          `data connection ended after ${bytes} of the ${announced} bytes the server ` +
            `announced for ${handle.command}`,
          { command: handle.command },
        );
      }
      return null;
    }
    bytes += typeof got === "number" ? got : got.length;
    options.onProgress?.(bytes);
    return got;
  };
  const cancel = async () => {
    options.signal?.removeEventListener("abort", onAbort);
    // A session whose ABOR could not be resynchronised is out of step: dropped, not reused.
    report(!(await abort()));
  };
  return { next, cancel };
}

/**
 * The upload side: `close()` half-closes the data connection and waits for the
 * server's 226; `abort()` cuts it and resynchronises. It is done with a chunk
 * once its write resolved: a writer may reuse one buffer (util/files.ts fileToSink).
 *
 * @example
 * ```ts
 * await file.readable.pipeTo(storeStream(handle, {}));
 * ```
 */
export function storeStream(
  handle: TransferHandle,
  options: DataStreamOptions,
): WritableStream<Uint8Array> {
  let bytes = 0;
  const data = handle.data;
  const stream = new WritableStream<Uint8Array>({
    async write(chunk) {
      if (!data) {
        throw new FtpProtocolError(`server accepted ${handle.command} without a data connection`);
      }
      if (options.signal?.aborted) throw options.signal.reason;
      try {
        await data.write(chunk);
      } catch (error) {
        // A server that refuses the data connection (e.g. 425 after a TLS
        // session check) says so on the control connection.
        throw await handle.failed(error);
      }
      bytes += chunk.length;
      options.onProgress?.(bytes);
    },
    async close() {
      if (data) {
        try {
          const ended = data.end(handle.timeoutMs);
          handle.closing?.();
          await ended;
        } catch (error) {
          throw await handle.failed(error);
        }
      }
      await handle.finalReply();
    },
    async abort() {
      await handle.abort();
    },
  }, { highWaterMark: 1 });
  // Every DataConnection is done with a chunk once its write resolved (see its `write`).
  return markReleasesChunks(stream);
}

/**
 * Reads a whole (listing) stream as text, refusing more than `maxBytes`.
 *
 * @example
 * ```ts
 * const text = await readAllText(stream, "utf-8", 1 << 20);
 * ```
 */
export async function readAllText(
  stream: ReadableStream<Uint8Array>,
  encoding: FtpEncoding,
  maxBytes: number,
): Promise<string> {
  const decoder = textDecoder(encoding);
  let text = "";
  let bytes = 0;
  const reader = stream.getReader();
  while (true) {
    const { value, done } = await reader.read();
    if (done) break;
    bytes += value.length;
    if (bytes > maxBytes) {
      await reader.cancel();
      throw new FtpProtocolError(`listing larger than ${maxBytes} bytes; refusing to buffer it`, {
        code: "EFTPTOOBIG",
      });
    }
    text += decoder.decode(value);
  }
  return text;
}
