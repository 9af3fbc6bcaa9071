/**
 * Remote files as streams on a child session (ftputil's `FTPFile`): the main
 * session stays free for listings while a file is open, and the child goes
 * back to the pool when the stream ends, fails or is cancelled.
 * @module
 */
import { isSessionLost, neverRan, type SessionPool } from "./pool.ts";
import { parseFtpTime, type Reply } from "../../ftp/reply.ts";
import type { FtpClient, TransferOptions } from "../../ftp/client.ts";
import { markReleasesChunks, type ReadSource, releasesChunks } from "../../util/files.ts";

/** Modes of {@link openRemote}; `b` is accepted and ignored (transfers are binary). */
export type ReadMode = "r" | "rb";
/** Write modes: `w` replaces (STOR), `a` appends (APPE). */
export type WriteMode = "w" | "wb" | "a" | "ab";

/** Options of {@link openRemote}. */
export interface OpenOptions {
  /** REST offset: start reading (or writing, with STOR) at this byte. */
  rest?: number;
  /** Cumulative bytes transferred so far. */
  onProgress?: (bytes: number) => void;
  /** Aborts the transfer; the data connection is closed. */
  signal?: AbortSignal;
  /**
   * Reads: also ask `MDTM` in the same write as the download (no extra round
   * trip) and hear its time, as the server wrote it read as UTC, before the
   * stream is returned. Not called when the server refused MDTM.
   */
  onMdtm?: (mtime: Date) => void;
  /** Reads: the size expected (a small file lets the next download queue behind it). */
  expectedSize?: number;
  /**
   * Writes: also ask `SIZE` as the data connection closes, answered after the
   * final reply (no extra round trip; only on servers that read commands after
   * a transfer, `FtpClient.queuesReads`), and hear the size the server reports
   * for the finished file. Not called when the server did not answer 213.
   */
  onSize?: (size: number) => void;
  /**
   * Writes: the size the file must have when done. A SIZE the server answered
   * before its final reply (see `onSize`) is heard only when it says exactly
   * this: the file only grows during the transfer and the bytes sent end
   * there, so it cannot end any other size.
   */
  expectSize?: number;
}

/**
 * Opens a remote file for reading on a child session.
 *
 * @example
 * ```ts
 * const stream = await openRemoteRead(pool, "/pub/a.bin", { rest: 1024 });
 * ```
 */
export function openRemoteRead(
  pool: SessionPool,
  path: string,
  options: OpenOptions = {},
): Promise<ReadableStream<Uint8Array>> {
  return openReading(pool, path, options, (child, o) => child.retrieve(path, o));
}

/**
 * {@link openRemoteRead} without the stream: the bytes read into the
 * caller's buffer (`FtpClient.retrieveSource`).
 *
 * @example
 * ```ts
 * const source = await openRemoteSource(pool, "/pub/a.bin");
 * for (let n; (n = await source.readInto(buffer)) !== null;) total += n;
 * ```
 */
export function openRemoteSource(
  pool: SessionPool,
  path: string,
  options: OpenOptions = {},
): Promise<ReadSource> {
  return openReading(pool, path, options, (child, o) => child.retrieveSource(path, o));
}

/** A download on a child session, opened by `open` (the stream or the source). */
async function openReading<T>(
  pool: SessionPool,
  path: string,
  options: OpenOptions,
  open: (child: FtpClient, options: TransferOptions) => Promise<T>,
): Promise<T> {
  try {
    return await openReadingOnce(pool, path, options, open);
  } catch (error) {
    // Answered 421 first (the server closing the session as it came): it did not run.
    if (!neverRan(error)) throw error;
    return await openReadingOnce(pool, path, options, open);
  }
}

async function openReadingOnce<T>(
  pool: SessionPool,
  path: string,
  options: OpenOptions,
  open: (child: FtpClient, options: TransferOptions) => Promise<T>,
): Promise<T> {
  // A download may queue behind another one's on a busy session (FtpClient's `queueReads`).
  const child = await pool.acquire({ queue: !options.rest });
  const done = once((failed: boolean) => {
    // After a failed transfer the control connection's state is not trusted;
    // after a cancel, the ABOR either resynchronised it or closed it.
    pool.release(child, { broken: failed || child.closed });
  });
  try {
    // The client says when the session is free: no wrapping stream needed.
    const onMdtm = options.onMdtm;
    return await open(child, {
      offset: options.rest,
      onProgress: options.onProgress,
      signal: options.signal,
      onSettled: done,
      expectedSize: options.expectedSize,
      ...(onMdtm
        ? { ahead: [`MDTM ${path}`], onAhead: ([reply]: Reply[]) => mdtmTime(reply, onMdtm) }
        : {}),
    });
  } catch (error) {
    done(isSessionLost(error));
    throw error;
  }
}

/**
 * Opens a remote file for writing on a child session: `w` with STOR (from
 * `rest` with REST), `a` with APPE.
 *
 * @example
 * ```ts
 * await ReadableStream.from([bytes]).pipeTo(await openRemoteWrite(pool, "/up/a.bin", "w"));
 * ```
 */
export async function openRemoteWrite(
  pool: SessionPool,
  path: string,
  mode: WriteMode = "w",
  options: OpenOptions = {},
): Promise<WritableStream<Uint8Array>> {
  let child = await pool.acquire();
  let inner: WritableStream<Uint8Array>;
  const store = (child: FtpClient) => {
    const heard = options.onSize;
    return child.store(path, {
      append: mode.startsWith("a"),
      offset: options.rest,
      onProgress: options.onProgress,
      signal: options.signal,
      ...(heard
        ? {
          after: `SIZE ${path}`,
          onAfter: (reply: Reply, early: boolean) => {
            const size = Number(reply.text.trim());
            if (reply.code !== 213 || !Number.isSafeInteger(size)) return;
            if (!early || size === options.expectSize) heard(size);
          },
        }
        : {}),
    });
  };
  try {
    inner = await store(child);
  } catch (error) {
    pool.release(child, { broken: isSessionLost(error) });
    // Answered 421 first (the server closing the session as it came): nothing was written.
    if (!neverRan(error)) throw error;
    child = await pool.acquire();
    try {
      inner = await store(child);
    } catch (error) {
      pool.release(child, { broken: isSessionLost(error) });
      throw error;
    }
  }
  const writer = inner.getWriter();
  const done = once((broken: boolean) => pool.release(child, { broken }));
  // A failed write leaves the transfer unfinished on the control connection: drop the session.
  const fail = (error: unknown): never => {
    done(true);
    throw error;
  };
  const stream = new WritableStream<Uint8Array>({
    async write(chunk) {
      try {
        await writer.write(chunk);
      } catch (error) {
        fail(error);
      }
    },
    async close() {
      try {
        await writer.close();
        done(false);
      } catch (error) {
        fail(error);
      }
    },
    async abort(reason) {
      let broken = true;
      try {
        await writer.abort(reason); // ABOR and resynchronise
        broken = child.closed;
      } finally {
        done(broken);
      }
    },
  }, { highWaterMark: 1 });
  // Each write awaits the inner one: the inner sink's release of its chunks holds here too.
  return markReleasesChunks(stream, releasesChunks(inner));
}

/** Hands a 213 MDTM reply's time to `use`; a refusal or a reply it cannot read is passed over. */
function mdtmTime(reply: Reply, use: (mtime: Date) => void): void {
  if (reply.code !== 213) return;
  let mtime: Date;
  try {
    mtime = parseFtpTime(reply.text.trim().split(/\s+/)[0]);
  } catch {
    return; // the listing's time stands
  }
  use(mtime);
}

function once<A extends unknown[]>(fn: (...args: A) => void): (...args: A) => void {
  let called = false;
  return (...args) => {
    if (!called) {
      called = true;
      fn(...args);
    }
  };
}
