/**
 * A streaming object upload: bytes are gathered into parts of `partSize`; an
 * object no larger than one part goes up as one PUT; one of a known size up to
 * `uploadCutoff` as one PUT whose body streams (stream_put.ts); a larger one as a
 * multipart upload with up to `partsInFlight` parts on the wire at once (so
 * memory stays near partSize x (partsInFlight + 1)). Every part carries a
 * Content-MD5 the server checks. Nothing is visible under the key before the
 * upload completes; a failed or aborted multipart upload is aborted on the
 * server, so no parts are left behind.
 * @module
 */
import { logger, SizeMismatchError } from "../../plugin.ts";
import type { S3Client } from "./client.ts";
import { startStreamingPut, type StreamingPut } from "./stream_put.ts";

const log = logger("s3", "upload");

/** How an upload is cut and what it carries. */
export interface UploadOptions {
  /** Bytes per part (min 5 MiB for S3, except the last). */
  partSize: number;
  /** Parts uploaded at the same time. */
  partsInFlight: number;
  /** `x-amz-meta-*` values (names without the prefix). */
  meta: Record<string, string>;
  /** Expected total size: a different total fails the upload and writes nothing. */
  size?: number;
  /**
   * An object of a known `size` above the part size and up to this many bytes goes
   * up as one streamed PUT (rclone's upload cutoff); 0 or unset: multipart.
   */
  uploadCutoff?: number;
  /** Bytes that go first (a resumed partial's content, read back from the bucket). */
  head?: ReadableStream<Uint8Array>;
  signal?: AbortSignal;
  /**
   * Called when the stream is aborted or fails, with the bytes received so far
   * still in memory, instead of dropping them (resumable writes keep a partial).
   */
  onAbandon?: (kept: KeptBytes) => Promise<void>;
  /** Called after the object is complete. */
  onDone?: (info: { size: number; etag?: string }) => void;
}

/** What an abandoned upload hands to `onAbandon`: its completed parts, or its bytes. */
export interface KeptBytes {
  /** Upload id and ETags of parts that are on the server (multipart only). */
  uploadId?: string;
  etags: string[];
  /** Bytes not in a completed part. */
  tail: Uint8Array;
  total: number;
}

/**
 * A WritableStream that uploads to `key` (see the module notes).
 *
 * @example
 * ```ts
 * const w = uploadStream(client, "big.iso", { partSize: 8 << 20, partsInFlight: 4, meta: {} });
 * await readable.pipeTo(w);
 * ```
 */
export function uploadStream(
  client: S3Client,
  key: string,
  options: UploadOptions,
): WritableStream<Uint8Array> {
  const { partSize, partsInFlight, signal } = options;
  // Small files are the common case: the buffer starts at the expected size (or 64 KiB) and
  // grows, instead of zeroing a whole part for every 1 KiB file.
  const firstSize = Math.min(partSize, options.size ?? 64 * 1024);
  let buffer = new Uint8Array(Math.max(firstSize, 1));
  const room = (needed: number) => {
    if (needed <= buffer.byteLength) return;
    const grown = new Uint8Array(Math.min(partSize, Math.max(needed, buffer.byteLength * 2)));
    grown.set(buffer.subarray(0, filled));
    buffer = grown;
  };
  let filled = 0;
  let total = 0;
  let uploadId: string | undefined;
  const etags: string[] = [];
  const inFlight = new Set<Promise<void>>();
  let failure: unknown;
  let finished = false;
  let stream: StreamingPut | undefined;

  const checkSize = () => {
    if (options.size !== undefined && total > options.size) {
      throw new SizeMismatchError(key, options.size, total);
    }
  };

  const sendPart = async (bytes: Uint8Array) => {
    uploadId ??= await client.createMultipart(key, options.meta, signal);
    const number = etags.length + 1;
    etags.push("");
    const p = client.uploadPart(key, uploadId, number, bytes, signal).then((etag) => {
      etags[number - 1] = etag;
    }, (e) => {
      failure ??= e;
    }).finally(() => inFlight.delete(p));
    inFlight.add(p);
    // Back-pressure: the next part is gathered only while fewer than the limit are on the wire.
    while (inFlight.size >= partsInFlight) await Promise.race(inFlight);
    if (failure) throw failure;
  };

  const take = async (chunk: Uint8Array) => {
    total += chunk.byteLength;
    checkSize();
    if (stream) return await stream.write(chunk);
    let at = 0;
    while (at < chunk.byteLength) {
      const n = Math.min(partSize - filled, chunk.byteLength - at);
      room(filled + n);
      buffer.set(chunk.subarray(at, at + n), filled);
      filled += n;
      at += n;
      if (filled === partSize) {
        const full = buffer;
        buffer = new Uint8Array(partSize);
        filled = 0;
        await sendPart(full);
      }
    }
  };

  const abandon = async (reason: unknown) => {
    if (finished) return;
    finished = true;
    stream?.abort(reason);
    await Promise.allSettled(inFlight);
    const tail = buffer.slice(0, filled);
    try {
      if (options.onAbandon) {
        await options.onAbandon({ uploadId, etags: failure ? [] : etags, tail, total });
      }
    } finally {
      if (uploadId) {
        const id = uploadId;
        await client.abortMultipart(key, id).catch((e) =>
          // Not fatal (the object never appears), but the parts stay stored (and billed).
          log.warn(
            "{key}: the multipart upload {id} could not be aborted ({error}): its parts stay " +
              "until a lifecycle rule or 'rclone cleanup' removes them",
            { key, id, error: e instanceof Error ? e.message : String(e) },
          )
        );
      }
    }
    void reason;
  };

  let started = false;
  const start = async () => {
    if (started) return;
    started = true;
    const size = options.size;
    if (size !== undefined && size > partSize && size <= (options.uploadCutoff ?? 0)) {
      stream = await startStreamingPut(client, key, size, options.meta, signal);
    }
    if (options.head) { for await (const chunk of options.head) await take(chunk); }
  };

  return new WritableStream<Uint8Array>({
    async write(chunk) {
      try {
        signal?.throwIfAborted();
        await start();
        await take(chunk);
      } catch (e) {
        await abandon(e);
        throw e;
      }
    },
    async close() {
      try {
        signal?.throwIfAborted();
        await start();
        if (options.size !== undefined && total !== options.size) {
          throw new SizeMismatchError(key, options.size, total);
        }
        if (stream) {
          const etag = await stream.end();
          finished = true;
          options.onDone?.({ size: total, etag });
          return;
        }
        if (uploadId === undefined) {
          // One part or less: a single PUT, visible at once and whole.
          const etag = await client.put(key, buffer.subarray(0, filled), options.meta, signal);
          finished = true;
          options.onDone?.({ size: total, etag });
          return;
        }
        if (filled > 0) await sendPart(buffer.slice(0, filled));
        await Promise.all(inFlight);
        if (failure) throw failure;
        await client.completeMultipart(key, uploadId, etags);
        finished = true;
        options.onDone?.({ size: total });
      } catch (e) {
        await abandon(e);
        throw e;
      }
    },
    async abort(reason) {
      await abandon(reason);
    },
  });
}
