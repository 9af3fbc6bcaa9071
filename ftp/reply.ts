/**
 * FTP replies (RFC 959 §4.2): parsing a byte stream into single- and multi-line
 * replies. Pure and incremental so it can be fed socket chunks of any size.
 * @module
 */
import { FtpProtocolError } from "./errors.ts";
import type { Reply } from "./reply_shape.ts";

export type { Reply };

/** Bounds that keep a hostile server from making us buffer without end. */
export interface ReplyLimits {
  /** Longest accepted line in characters. */
  maxLineLength: number;
  /** Most lines in one multi-line reply. */
  maxLines: number;
}

const defaultLimits: ReplyLimits = { maxLineLength: 64 * 1024, maxLines: 100_000 };

/**
 * Turns received text into replies. Lines may end in CRLF or bare LF.
 *
 * @example
 * ```ts
 * const parser = new ReplyParser();
 * parser.push("220-Welcome\r\n220 ready\r\n"); // [{ code: 220, lines: [...], text: "Welcome\nready" }]
 * ```
 */
export class ReplyParser {
  #buffer = "";
  #pending: string[] = [];
  #pendingCode = 0;
  /** Characters of the pending reply's lines so far (long replies only). */
  #pendingChars = 0;
  /** The pending reply went past its cap: its later lines are dropped. */
  #pendingTruncated = false;
  /** A line of the pending reply ended in a bare LF. */
  #pendingBareLf = false;
  readonly #limits: ReplyLimits;
  /**
   * While set, a multi-line reply may have any number of lines up to this
   * many characters in all (a directory listed over the control connection:
   * STAT); the lines past it are read to the reply's end and dropped, and
   * the reply comes `truncated`, so the session stays in step.
   */
  longReplies?: number;

  constructor(limits: Partial<ReplyLimits> = {}) {
    this.#limits = { ...defaultLimits, ...limits };
  }

  /** Whether a partial reply or line is buffered. */
  get partial(): boolean {
    return this.#buffer.length > 0 || this.#pending.length > 0;
  }

  /** Feeds decoded text; returns the replies completed by it. Throws FtpProtocolError. */
  push(text: string): Reply[] {
    // Lines are cut out by index: the buffer is sliced once per push, not once per line.
    const buffer = this.#buffer.length > 0 ? this.#buffer + text : text;
    const replies: Reply[] = [];
    let start = 0;
    try {
      let newline: number;
      while ((newline = buffer.indexOf("\n", start)) >= 0) {
        const end = newline > start && buffer.charCodeAt(newline - 1) === CR
          ? newline - 1
          : newline;
        const line = buffer.slice(start, end);
        start = newline + 1;
        const reply = this.#line(line, end === newline);
        if (reply) replies.push(reply);
      }
    } finally {
      this.#buffer = start === 0 ? buffer : buffer.slice(start);
    }
    if (this.#buffer.length > this.#limits.maxLineLength) {
      throw new FtpProtocolError(
        `reply line longer than ${this.#limits.maxLineLength} characters: ${
          JSON.stringify(this.#buffer.slice(0, 80))
        }...`,
      );
    }
    return replies;
  }

  #line(line: string, bareLf = false): Reply | undefined {
    if (line.length > this.#limits.maxLineLength) {
      throw new FtpProtocolError(`reply line longer than ${this.#limits.maxLineLength} characters`);
    }
    if (this.#pending.length === 0) {
      // `^(\d{3})([ -]|$)`, without a match array per line.
      const code = replyCode(line);
      if (code < 0) {
        throw new FtpProtocolError(`malformed reply line: ${JSON.stringify(line.slice(0, 200))}`);
      }
      if (line.charCodeAt(3) === DASH) {
        this.#pending = [line];
        this.#pendingCode = code;
        this.#pendingChars = line.length;
        this.#pendingTruncated = false;
        this.#pendingBareLf = bareLf;
        return undefined;
      }
      // One line: its text is what follows the code and the space (makeReply's answer).
      return { code, lines: [line], text: line.slice(4) };
    }
    // RFC 959: the last line starts with the same code followed by a space.
    const last = line.startsWith(`${this.#pendingCode} `) || line === `${this.#pendingCode}`;
    if (bareLf) this.#pendingBareLf = true;
    const long = this.longReplies;
    if (long === undefined) {
      this.#pending.push(line);
      if (this.#pending.length > this.#limits.maxLines) {
        throw new FtpProtocolError(`multi-line reply longer than ${this.#limits.maxLines} lines`);
      }
    } else if (last) this.#pending.push(line);
    else {
      this.#pendingChars += line.length + 2;
      if (this.#pendingChars > long) this.#pendingTruncated = true;
      else this.#pending.push(line);
    }
    if (last) {
      const reply = makeReply(this.#pendingCode, this.#pending);
      if (this.#pendingTruncated) reply.truncated = true;
      if (this.#pendingBareLf) reply.bareLineFeed = true;
      this.#pending = [];
      return reply;
    }
    return undefined;
  }
}

const CR = 13;
const DASH = 45;
const SPACE = 32;

/** The code of a reply's first line (three digits, then a space, a dash or the end), else -1. */
function replyCode(line: string): number {
  let code = 0;
  for (let i = 0; i < 3; i++) {
    const digit = line.charCodeAt(i) - 48;
    if (!(digit >= 0 && digit <= 9)) return -1;
    code = code * 10 + digit;
  }
  const next = line.charCodeAt(3);
  return line.length === 3 || next === SPACE || next === DASH ? code : -1;
}

function makeReply(code: number, lines: string[]): Reply {
  const text = lines.map((line, i) => {
    if ((i === 0 || i === lines.length - 1) && /^\d{3}[ -]?/.test(line)) return line.slice(4);
    // Inner lines may repeat the code ("211-Features" style servers) or start with a space.
    return line.startsWith(`${code}-`) ? line.slice(4) : line;
  }).join("\n");
  return { code, lines, text };
}

/**
 * Parses a 257 reply's quoted path, with doubled quotes inside (RFC 959 appendix II).
 *
 * @example
 * ```ts
 * parse257('257 "/a ""quoted"" dir" created'); // '/a "quoted" dir'
 * ```
 */
export function parse257(text: string): string {
  const start = text.indexOf('"');
  if (start < 0) throw new FtpProtocolError(`257 reply without a quoted path: ${text}`);
  let path = "";
  for (let i = start + 1; i < text.length; i++) {
    if (text[i] === '"') {
      if (text[i + 1] === '"') {
        path += '"';
        i++;
        continue;
      }
      return path;
    }
    path += text[i];
  }
  throw new FtpProtocolError(`257 reply with an unterminated quoted path: ${text}`);
}

/**
 * Parses a 227 PASV reply into host and port.
 *
 * @example
 * ```ts
 * parsePasv("Entering Passive Mode (127,0,0,1,195,80)."); // { host: "127.0.0.1", port: 50000 }
 * ```
 */
export function parsePasv(text: string): { host: string; port: number } {
  const match = /(\d{1,3}),(\d{1,3}),(\d{1,3}),(\d{1,3}),(\d{1,3}),(\d{1,3})/.exec(text);
  if (!match) throw new FtpProtocolError(`cannot read the address of a PASV reply: ${text}`);
  const n = match.slice(1).map(Number);
  if (n.some((v) => v > 255)) throw new FtpProtocolError(`bad PASV address: ${text}`);
  return { host: n.slice(0, 4).join("."), port: n[4] * 256 + n[5] };
}

/**
 * Parses a 229 EPSV reply's port (`(|||port|)`, any delimiter).
 *
 * @example
 * ```ts
 * parseEpsv("Entering Extended Passive Mode (|||50000|)"); // 50000
 * ```
 */
export function parseEpsv(text: string): number {
  const match = /\((.)\1\1(\d{1,5})\1\)/.exec(text);
  if (!match) throw new FtpProtocolError(`cannot read the port of an EPSV reply: ${text}`);
  const port = Number(match[2]);
  if (port < 1 || port > 65535) throw new FtpProtocolError(`bad EPSV port: ${text}`);
  return port;
}

/**
 * Parses an MDTM/MFMT time value `YYYYMMDDHHMMSS[.sss]` as UTC.
 *
 * @example
 * ```ts
 * parseFtpTime("20240229120000.5").toISOString(); // "2024-02-29T12:00:00.500Z"
 * ```
 */
export function parseFtpTime(value: string): Date {
  // By character codes, not a regular expression and six Numbers: it runs for
  // every file of a mirror (its MDTM). `YYYYMMDDHHMMSS`, then `.` and 1-9 digits.
  const v = value.trim();
  const n = v.length;
  if (
    !(n === 14 || (n >= 16 && n <= 24 && v.charCodeAt(14) === 46)) || !digits(v, 0, 14) ||
    !digits(v, 15, n)
  ) {
    throw new FtpProtocolError(`not an FTP time value: ${JSON.stringify(value)}`);
  }
  const mo = number(v, 4, 6);
  const d = number(v, 6, 8);
  const ms = n > 14 ? Math.round(Number(`0.${v.slice(15)}`) * 1000) : 0;
  const time = Date.UTC(
    number(v, 0, 4),
    mo - 1,
    d,
    number(v, 8, 10),
    number(v, 10, 12),
    number(v, 12, 14),
    ms,
  );
  const date = new Date(time);
  if (date.getUTCMonth() !== mo - 1 || date.getUTCDate() !== d) {
    throw new FtpProtocolError(`not a valid date: ${JSON.stringify(value)}`);
  }
  return date;
}

/** Whether `s` holds ASCII digits only from `from` to `to`. */
function digits(s: string, from: number, to: number): boolean {
  for (let i = from; i < to; i++) {
    const c = s.charCodeAt(i);
    if (c < 48 || c > 57) return false;
  }
  return true;
}

/** The decimal number of the ASCII digits of `s` from `from` to `to` (checked by {@link digits}). */
function number(s: string, from: number, to: number): number {
  let value = 0;
  for (let i = from; i < to; i++) value = value * 10 + s.charCodeAt(i) - 48;
  return value;
}

/**
 * Formats a date as an MFMT/MDTM value `YYYYMMDDHHMMSS` (UTC).
 *
 * @example
 * ```ts
 * formatFtpTime(new Date("2024-01-02T03:04:05Z")); // "20240102030405"
 * ```
 */
export function formatFtpTime(date: Date): string {
  const p = (n: number, w = 2) => String(n).padStart(w, "0");
  return `${p(date.getUTCFullYear(), 4)}${p(date.getUTCMonth() + 1)}${p(date.getUTCDate())}${
    p(date.getUTCHours())
  }${p(date.getUTCMinutes())}${p(date.getUTCSeconds())}`;
}

/**
 * A FEAT reply's lines as upper-case feature names and their parameters.
 *
 * @example
 * ```ts
 * parseFeatures({ code: 211, text: "", lines: ["211-Features:", " MDTM", " REST STREAM", "211 End"] });
 * // Map { "MDTM" => "", "REST" => "STREAM" }
 * ```
 */
export function parseFeatures(reply: Reply): Map<string, string> {
  const features = new Map<string, string>();
  for (const line of reply.lines.slice(1, -1)) {
    const text = line.replace(/^\d{3}-/, "").trim();
    if (!text) continue;
    const space = text.indexOf(" ");
    const name = (space < 0 ? text : text.slice(0, space)).toUpperCase();
    features.set(name, space < 0 ? "" : text.slice(space + 1).trim());
  }
  return features;
}
