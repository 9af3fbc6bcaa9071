/**
 * Multi-stream data over n sockets (both sides use it): a writer that frames
 * every block of at most 16 KiB over the n streams, and a reader that takes
 * the pieces back in stream order and checks every header.
 * @module
 */
import type net from "node:net";
import { decodeBlockHeader, HEADER_BYTES, MAX_BLOCK, pieceLayout, splitBlock } from "./blocks.ts";
import { ByteReader, endSocket, writeFully } from "./socket_io.ts";
import { UftpDataConnectionError } from "./errors.ts";

/**
 * Writes data over n sockets in framed blocks.
 *
 * @example
 * ```ts
 * const w = new BlockWriter(sockets);
 * await w.write(bytes);
 * await w.close(30_000);
 * ```
 */
export class BlockWriter {
  #seq = 0;
  /** `idleMs`: a stream that takes no bytes for this long fails the write (0 = never). */
  constructor(readonly sockets: net.Socket[], readonly idleMs = 0) {}

  /** Sends `data` as consecutive blocks of at most {@link MAX_BLOCK} bytes. */
  async write(data: Uint8Array): Promise<void> {
    for (let at = 0; at < data.length; at += MAX_BLOCK) {
      const pieces = splitBlock(data.subarray(at, at + MAX_BLOCK), this.sockets.length, this.#seq);
      this.#seq = (this.#seq + 1) >>> 0;
      await Promise.all(pieces.map((p, i) => writeFully(this.sockets[i], p, this.idleMs)));
    }
  }

  /** Ends every stream (the reader sees the end on stream 0). */
  async close(timeoutMs: number): Promise<void> {
    await Promise.all(this.sockets.map((s) => endSocket(s, timeoutMs)));
  }
}

/**
 * Reads framed blocks from n sockets.
 *
 * @example
 * ```ts
 * const r = new BlockReader(sockets.map((s) => new ByteReader(s)));
 * for (let b = await r.next(); b; b = await r.next()) sink(b);
 * ```
 */
export class BlockReader {
  #seq = 0;
  constructor(readonly readers: ByteReader[]) {}

  /** The next logical block, or null when the sender ended the streams. */
  async next(): Promise<Uint8Array | null> {
    const n = this.readers.length;
    let block: Uint8Array | undefined;
    for (let i = 0; i < n; i++) {
      const head = await this.readers[i].exactly(HEADER_BYTES);
      if (head === null) {
        if (i === 0) return null;
        throw new UftpDataConnectionError(
          `multi-stream: stream ${i} ended in the middle of block ${this.#seq}`,
        );
      }
      const h = decodeBlockHeader(head, { stream: i, seq: this.#seq, streams: n });
      block ??= new Uint8Array(h.size);
      const piece = h.length === 0 ? new Uint8Array(0) : await this.readers[i].exactly(h.length);
      if (piece === null) {
        throw new UftpDataConnectionError(`multi-stream: stream ${i} ended inside a piece`);
      }
      block.set(piece, pieceLayout(h.size, n, i).offset);
    }
    this.#seq = (this.#seq + 1) >>> 0;
    return block!;
  }
}

export { ByteReader };
