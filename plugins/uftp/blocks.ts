/**
 * Multi-stream framing (JPARSS-compatible, as UFTPD's `PConnector`), pure:
 * each logical block of at most 16 KiB is split over n streams, every piece
 * behind a 16-byte big-endian header `>HHIII` = magic 0xCEBF, stream index,
 * sequence number, whole block size, piece length. Stream i carries the piece
 * at `i * floor(size / n)`; the last stream takes the remainder.
 * @module
 */
import { UftpProtocolError } from "./errors.ts";

/** The header's magic number. */
export const BLOCK_MAGIC = 0xcebf;
/** Bytes in one header. */
export const HEADER_BYTES = 16;
/** Largest logical block (UFTPD fixes its buffer at this with several streams). */
export const MAX_BLOCK = 16384;

/** One piece's header. */
export interface BlockHeader {
  /** Index of the data stream the piece came on. */
  stream: number;
  /** Sequence number of the piece within the block. */
  seq: number;
  /** Size of the whole logical block. */
  size: number;
  /** Length of this piece. */
  length: number;
}

/**
 * The 16 header bytes.
 *
 * @example
 * ```ts
 * encodeBlockHeader({ stream: 1, seq: 0, size: 10, length: 5 }); // ce bf 00 01 00 00 00 00 ...
 * ```
 */
export function encodeBlockHeader(h: BlockHeader): Uint8Array {
  const out = new Uint8Array(HEADER_BYTES);
  const view = new DataView(out.buffer);
  view.setUint16(0, BLOCK_MAGIC);
  view.setUint16(2, h.stream);
  view.setUint32(4, h.seq >>> 0);
  view.setUint32(8, h.size);
  view.setUint32(12, h.length);
  return out;
}

/**
 * Reads and checks a header: magic, the stream it must come on, the sequence
 * number expected, and that the piece fits the block layout.
 *
 * @example
 * ```ts
 * decodeBlockHeader(bytes, { stream: 0, seq: 7, streams: 2 }); // { stream: 0, seq: 7, size, length }
 * ```
 */
export function decodeBlockHeader(
  bytes: Uint8Array,
  expect: { stream: number; seq: number; streams: number },
): BlockHeader {
  if (bytes.length !== HEADER_BYTES) throw new UftpProtocolError("short multi-stream header");
  const view = new DataView(bytes.buffer, bytes.byteOffset, HEADER_BYTES);
  const magic = view.getUint16(0);
  const h = {
    stream: view.getUint16(2),
    seq: view.getUint32(4),
    size: view.getUint32(8),
    length: view.getUint32(12),
  };
  const where = `stream ${expect.stream}, block ${expect.seq}`;
  if (magic !== BLOCK_MAGIC) throw new UftpProtocolError(`bad multi-stream magic on ${where}`);
  if (h.stream !== expect.stream) {
    throw new UftpProtocolError(`multi-stream piece of stream ${h.stream} arrived on ${where}`);
  }
  if (h.seq !== (expect.seq >>> 0)) {
    throw new UftpProtocolError(`multi-stream sequence ${h.seq} where ${where} was due`);
  }
  const layout = pieceLayout(h.size, expect.streams, h.stream);
  if (h.length !== layout.length) {
    throw new UftpProtocolError(`multi-stream piece of ${h.length} bytes does not fit ${where}`);
  }
  return h;
}

/**
 * Where piece `stream` of a block of `size` bytes over `streams` streams lies.
 *
 * @example
 * ```ts
 * pieceLayout(10, 3, 2); // { offset: 6, length: 4 }
 * ```
 */
export function pieceLayout(
  size: number,
  streams: number,
  stream: number,
): { offset: number; length: number } {
  const chunk = Math.floor(size / streams);
  const offset = stream * chunk;
  return { offset, length: stream === streams - 1 ? size - offset : chunk };
}

/**
 * Splits one logical block (≤ {@link MAX_BLOCK}) into its n framed pieces.
 *
 * @example
 * ```ts
 * const [p0, p1] = splitBlock(new Uint8Array(10), 2, 0); // 16+5 bytes each
 * ```
 */
export function splitBlock(data: Uint8Array, streams: number, seq: number): Uint8Array[] {
  if (data.length > MAX_BLOCK) throw new RangeError(`block of ${data.length} > ${MAX_BLOCK}`);
  const pieces: Uint8Array[] = [];
  for (let i = 0; i < streams; i++) {
    const { offset, length } = pieceLayout(data.length, streams, i);
    const piece = new Uint8Array(HEADER_BYTES + length);
    piece.set(encodeBlockHeader({ stream: i, seq, size: data.length, length }));
    piece.set(data.subarray(offset, offset + length), HEADER_BYTES);
    pieces.push(piece);
  }
  return pieces;
}
