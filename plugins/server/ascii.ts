/**
 * TYPE A conversions: LF to CRLF when sending, CRLF to LF when receiving,
 * correct across chunk boundaries (a CR at the end of one chunk and the LF
 * at the start of the next).
 * @module
 */

const CR = 13;
const LF = 10;

/**
 * Returns a converter from local LF text to network CRLF; existing CRLF pairs are kept.
 *
 * @example
 * ```ts
 * const conv = toNetworkAscii();
 * conv(new TextEncoder().encode("a\nb\r\n")); // "a\r\nb\r\n"
 * ```
 */
export function toNetworkAscii(): (chunk: Uint8Array) => Uint8Array {
  let prevCR = false;
  return (chunk) => {
    let lfs = 0;
    for (let i = 0; i < chunk.length; i++) if (chunk[i] === LF) lfs++;
    if (lfs === 0) {
      if (chunk.length) prevCR = chunk[chunk.length - 1] === CR;
      return chunk;
    }
    const out = new Uint8Array(chunk.length + lfs);
    let j = 0;
    for (let i = 0; i < chunk.length; i++) {
      const b = chunk[i];
      if (b === LF && !prevCR) out[j++] = CR;
      out[j++] = b;
      prevCR = b === CR;
    }
    return out.subarray(0, j);
  };
}

/**
 * Returns a converter from network CRLF to local LF; a lone CR stays. Call
 * with `flush = true` at the end to release a CR held back from the last chunk.
 *
 * @example
 * ```ts
 * const conv = fromNetworkAscii();
 * conv(new TextEncoder().encode("a\r")); conv(new TextEncoder().encode("\nb")); // "a", "\nb"
 * ```
 */
export function fromNetworkAscii(): (chunk: Uint8Array, flush?: boolean) => Uint8Array {
  let heldCR = false;
  return (chunk, flush = false) => {
    const out = new Uint8Array(chunk.length + 1);
    let j = 0;
    for (let i = 0; i < chunk.length; i++) {
      const b = chunk[i];
      if (heldCR) {
        heldCR = false;
        if (b !== LF) out[j++] = CR;
      }
      if (b === CR) heldCR = true;
      else out[j++] = b;
    }
    if (flush && heldCR) {
      heldCR = false;
      out[j++] = CR;
    }
    return out.subarray(0, j);
  };
}
