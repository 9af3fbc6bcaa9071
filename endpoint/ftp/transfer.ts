/**
 * Whole-file copies between the local disk and a host, and ftputil's
 * `upload_if_newer` / `download_if_newer`, which are one rule
 * ({@link shouldTransfer}) with the sides swapped.
 *
 * Like ftputil, the *-if-newer methods do not copy the mtime: the target gets
 * the time of the transfer, so it reads as newer next time. (Copying the mtime
 * onto a server that lists minutes would make the rule transfer every time,
 * since a minute-truncated time cannot prove the source older.)
 * @module
 */
import { Precision } from "../types.ts";
import { NotFoundError } from "../errors.ts";
import type { Stat } from "../types.ts";
import type { OpenOptions } from "./file.ts";
import { type MtimeInfo, shouldTransfer } from "../mtime.ts";

/** What a transfer needs of a host (FtpHost has it); host.ts imports this file, not back. */
export interface TransferHost {
  open(path: string, mode: "r", options?: OpenOptions): Promise<ReadableStream<Uint8Array>>;
  open(path: string, mode: "w", options?: OpenOptions): Promise<WritableStream<Uint8Array>>;
  lstat(path: string): Promise<Stat>;
  stat(path: string): Promise<Stat>;
}

/** Progress and cancellation of a transfer. */
export interface TransferProgress {
  /** Cumulative bytes so far. */
  onProgress?: (bytes: number) => void;
  /** Aborts the transfer; the data connection is closed. */
  signal?: AbortSignal;
}

/**
 * Copies a local file to `target` (absolute remote path).
 *
 * @example
 * ```ts
 * await upload(host, "./a.bin", "/pub/a.bin");
 * ```
 */
export async function upload(
  host: TransferHost,
  source: string,
  target: string,
  options: TransferProgress = {},
): Promise<void> {
  const file = await Deno.open(source, { read: true });
  let output: WritableStream<Uint8Array>;
  try {
    output = await host.open(target, "w", options);
  } catch (error) {
    file.close();
    throw error;
  }
  await file.readable.pipeTo(output, { signal: options.signal });
}

/**
 * Copies a remote file (absolute path) to a local path.
 *
 * @example
 * ```ts
 * await download(host, "/pub/a.bin", "./a.bin");
 * ```
 */
export async function download(
  host: TransferHost,
  source: string,
  target: string,
  options: TransferProgress = {},
): Promise<void> {
  const input = await host.open(source, "r", options);
  let file: Deno.FsFile;
  try {
    file = await Deno.open(target, { write: true, create: true, truncate: true });
  } catch (error) {
    await input.cancel();
    throw error;
  }
  await input.pipeTo(file.writable, { signal: options.signal });
}

/**
 * Uploads when the remote target is missing or may be older; returns whether
 * it did. The local mtime counts with one-second precision (as in ftputil).
 *
 * @example
 * ```ts
 * await uploadIfNewer(host, "./a.bin", "/pub/a.bin"); // true the first time
 * ```
 */
export async function uploadIfNewer(
  host: TransferHost,
  source: string,
  target: string,
  options: TransferProgress = {},
): Promise<boolean> {
  const from = await localMtime(source);
  if (!from) throw new NotFoundError(source);
  const to = await remoteMtime(host, target);
  if (!shouldTransfer(from, to)) return false;
  await upload(host, source, target, options);
  return true;
}

/**
 * Downloads when the local target is missing or may be older; returns whether
 * it did. A remote time known only to the day downloads unless the local file
 * is from a later day.
 *
 * @example
 * ```ts
 * await downloadIfNewer(host, "/pub/a.bin", "./a.bin");
 * ```
 */
export async function downloadIfNewer(
  host: TransferHost,
  source: string,
  target: string,
  options: TransferProgress = {},
): Promise<boolean> {
  const from = await remoteMtime(host, source);
  if (!from) throw new NotFoundError(source);
  const to = await localMtime(target);
  if (!shouldTransfer(from, to)) return false;
  await download(host, source, target, options);
  return true;
}

async function localMtime(path: string): Promise<MtimeInfo | null> {
  try {
    const info = await Deno.stat(path);
    return { mtime: info.mtime ?? undefined, precision: Precision.seconds };
  } catch (error) {
    if (error instanceof Deno.errors.NotFound) return null;
    throw error;
  }
}

async function remoteMtime(host: TransferHost, path: string): Promise<MtimeInfo | null> {
  try {
    // Existence from lstat (a dangling link exists), the time from stat (ftputil's order).
    await host.lstat(path);
    const stat = await host.stat(path);
    return { mtime: stat.mtime, precision: stat.precision };
  } catch (error) {
    if (error instanceof NotFoundError) return null;
    throw error;
  }
}
