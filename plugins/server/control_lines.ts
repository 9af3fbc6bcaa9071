/**
 * A server session's control connection as lines of bytes: command lines
 * in (at most {@link MAX_LINE} bytes, telnet sequences stripped, HTTP verbs
 * told apart, waiting in a {@link LineQueue}) and replies out
 * ({@link encodedReply}: RFC 959's multi-line form, each encoded once). The
 * session (./session.ts) frames the reads and runs the commands.
 * @module
 */

/** Longest command line accepted (bytes, without CRLF). */
export const MAX_LINE = 4096;

/** HTTP verbs: a line that starts with one is a cross-protocol attack, never an FTP client. */
export const HTTP_VERBS: ReadonlySet<string> = new Set([
  "GET",
  "POST",
  "HEAD",
  "PUT",
  "DELETE",
  "CONNECT",
  "OPTIONS",
  "TRACE",
  "PATCH",
]);

/**
 * Replies already encoded, by code and text: most replies are the same few
 * lines (150, 226, 230, 331, 200 ...), each encoded once instead of once per
 * session (an encode op and a fresh buffer each), and found without making
 * the reply's line first (two strings a reply). Bounded: replies that vary
 * (a path in a 257, a size) only fill it up, and a full cache starts again;
 * passive replies (a new port each) are not kept.
 */
const encoded = new Map<number, Map<string, Uint8Array>>();
let encodedCount = 0;
const ENCODED_MAX = 64;
const encoder = new TextEncoder();

/**
 * The reply's line(s): a multi-line text becomes an RFC 959 multi-line reply.
 *
 * @example
 * ```ts
 * replyText(211, "Features:\n MDTM\nEnd"); // "211-Features:\r\n  MDTM\r\n211 End\r\n"
 * ```
 */
export function replyText(code: number, text: string): string {
  // Nearly every reply is one line: no split array for it.
  if (!text.includes("\n")) return `${code} ${text}\r\n`;
  const lines = text.split("\n");
  let out = `${code}-${lines[0]}\r\n`;
  for (const l of lines.slice(1, -1)) out += ` ${l}\r\n`;
  return out + `${code} ${lines[lines.length - 1]}\r\n`;
}

/**
 * A reply's bytes on the wire, encoded once per code and text (see
 * {@link encoded}): callers must not change them.
 *
 * @example
 * ```ts
 * new TextDecoder().decode(encodedReply(226, "Transfer complete.")); // "226 Transfer complete.\r\n"
 * ```
 */
export function encodedReply(code: number, text: string): Uint8Array {
  // A passive reply names a new port each time: never the same line twice.
  if (code === 227 || code === 229) return encoder.encode(replyText(code, text));
  let texts = encoded.get(code);
  let bytes = texts?.get(text);
  if (bytes) return bytes;
  bytes = encoder.encode(replyText(code, text));
  if (encodedCount >= ENCODED_MAX) {
    encoded.clear();
    encodedCount = 0;
    texts = undefined;
  }
  if (!texts) encoded.set(code, texts = new Map());
  texts.set(text, bytes);
  encodedCount++;
  return bytes;
}

/**
 * The session's queue of command lines, first in first out. A plain array's
 * push and shift made V8 a new backing store for every command once the
 * queue had run empty (~150 bytes a line); this one keeps its array and
 * moves two indices, and moves what is left to the front now and then so a
 * client that always keeps a line waiting does not grow it without end.
 *
 * @example
 * ```ts
 * const q = new LineQueue();
 * q.push("TYPE I");
 * q.shift(); // "TYPE I"
 * ```
 */
export class LineQueue {
  #items: string[] = [];
  #head = 0;
  #tail = 0;

  /** Lines waiting. */
  get length(): number {
    return this.#tail - this.#head;
  }

  /** Adds a line at the end. */
  push(line: string): void {
    this.#items[this.#tail++] = line;
  }

  /** The oldest line; call only when {@link length} is above 0. */
  shift(): string {
    const line = this.#items[this.#head];
    this.#items[this.#head++] = "";
    if (this.#head === this.#tail) this.#head = this.#tail = 0;
    else if (this.#head >= 256) {
      this.#items.copyWithin(0, this.#head, this.#tail);
      this.#tail -= this.#head;
      this.#head = 0;
      this.#items.fill("", this.#tail);
    }
    return line;
  }

  /** Drops every line (and the array). */
  clear(): void {
    this.#items = [];
    this.#head = this.#tail = 0;
  }
}

/**
 * Drops telnet IAC sequences (IP, DM, and option negotiations) from a line.
 *
 * @example
 * ```ts
 * stripTelnet(new Uint8Array([0xff, 0xf4, 0x41])); // Uint8Array [0x41] ("A"; IAC IP dropped)
 * ```
 */
export function stripTelnet(raw: Uint8Array): Uint8Array {
  if (!raw.includes(0xff)) return raw;
  const bytes: number[] = [];
  for (let i = 0; i < raw.length; i++) {
    if (raw[i] !== 0xff) bytes.push(raw[i]);
    else if (raw[i + 1] >= 0xfb && raw[i + 1] <= 0xfe) i += 2;
    else i += 1;
  }
  return Uint8Array.from(bytes);
}
