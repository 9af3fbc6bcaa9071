/**
 * The SSH wire encoding (RFC 4251 §5) that OpenSSH key files and
 * `authorized_keys` blobs use: big-endian uint32 lengths, strings, mpints.
 * Pure; every read is bounds-checked.
 * @module
 */
import { UftpConfigError } from "./errors.ts";

/**
 * Reads SSH wire fields in order.
 *
 * @example
 * ```ts
 * const r = new SshReader(blob);
 * const type = r.text(); // "ssh-ed25519"
 * const pub = r.bytes(); // 32 bytes
 * ```
 */
export class SshReader {
  #at = 0;
  constructor(readonly data: Uint8Array, readonly what = "SSH key") {}

  /** Bytes not read yet. */
  get remaining(): number {
    return this.data.length - this.#at;
  }

  /** A big-endian uint32. */
  uint32(): number {
    this.#need(4);
    const d = this.data, i = this.#at;
    this.#at += 4;
    return ((d[i] << 24) >>> 0) + (d[i + 1] << 16) + (d[i + 2] << 8) + d[i + 3];
  }

  /** A length-prefixed byte string. */
  bytes(): Uint8Array {
    const n = this.uint32();
    this.#need(n);
    const out = this.data.subarray(this.#at, this.#at + n);
    this.#at += n;
    return out;
  }

  /** A length-prefixed UTF-8 string. */
  text(): string {
    return new TextDecoder().decode(this.bytes());
  }

  /** An mpint as unsigned big-endian bytes without leading zeros. */
  mpint(): Uint8Array {
    const raw = this.bytes();
    let i = 0;
    while (i < raw.length - 1 && raw[i] === 0) i++;
    return raw.subarray(i);
  }

  /** `n` raw bytes. */
  raw(n: number): Uint8Array {
    this.#need(n);
    const out = this.data.subarray(this.#at, this.#at + n);
    this.#at += n;
    return out;
  }

  #need(n: number): void {
    if (this.#at + n > this.data.length) {
      throw new UftpConfigError(`${this.what} is truncated or malformed`);
    }
  }
}

/**
 * Base64url without padding (JWK and JWT fields).
 *
 * @example
 * ```ts
 * base64url(new Uint8Array([251, 255])); // "-_8"
 * ```
 */
export function base64url(bytes: Uint8Array): string {
  let s = "";
  for (const b of bytes) s += String.fromCharCode(b);
  return btoa(s).replaceAll("+", "-").replaceAll("/", "_").replace(/=+$/, "");
}

/**
 * Decodes standard base64 (whitespace ignored).
 *
 * @example
 * ```ts
 * fromBase64("AAEC"); // Uint8Array [0, 1, 2]
 * ```
 */
export function fromBase64(text: string): Uint8Array {
  const bin = atob(text.replace(/\s+/g, ""));
  const out = new Uint8Array(bin.length);
  for (let i = 0; i < bin.length; i++) out[i] = bin.charCodeAt(i);
  return out;
}

/**
 * Big-endian unsigned bytes to a BigInt, and back with a minimum length.
 *
 * @example
 * ```ts
 * toBigInt(new Uint8Array([1, 0])); // 256n
 * fromBigInt(256n); // Uint8Array [1, 0]
 * ```
 */
export function toBigInt(bytes: Uint8Array): bigint {
  let n = 0n;
  for (const b of bytes) n = (n << 8n) | BigInt(b);
  return n;
}

/**
 * The inverse of {@link toBigInt}, left-padded to `length` bytes.
 *
 * @example
 * ```ts
 * fromBigInt(1n, 4); // Uint8Array [0, 0, 0, 1]
 * ```
 */
export function fromBigInt(n: bigint, length = 0): Uint8Array {
  const out: number[] = [];
  while (n > 0n) {
    out.unshift(Number(n & 0xffn));
    n >>= 8n;
  }
  while (out.length < length) out.unshift(0);
  return new Uint8Array(out);
}
