/**
 * The UFTPD command port message (pure): `key=value` lines ended by `END`,
 * answered by one line `OK::<port>` or `ERROR::<message>`. The auth server
 * sends `request-type=uftp-transfer-request` to register a session.
 * @module
 */
import { UftpProtocolError } from "./errors.ts";

/** Access levels of a session, lowest first. */
export const ACCESS_LEVELS = ["NONE", "INFO", "READ", "WRITE", "FULL"] as const;
/** One access level. */
export type AccessLevel = typeof ACCESS_LEVELS[number];

/** A session the auth server registers with the UFTPD. */
export interface TransferRequest {
  /** Addresses the FTP login may come from. */
  clientIps: string[];
  /** The (Unix) user the session acts as. */
  user: string;
  /** The one-time password. */
  secret: string;
  /** Whether the session outlives its first transfer (a session, not one file). */
  persistent: boolean;
  /** Base directory with a trailing `/`, or "" for none. */
  file: string;
  /** Data streams (parallel connections) per transfer. */
  streams: number;
  /** Whether data is compressed. */
  compress: boolean;
  /** Unix group the UFTPD writes as. */
  group?: string;
  /** Bytes per second, 0 = none. */
  rateLimit?: number;
  /** base64 key: the session is encrypted. */
  key?: string;
  /** Cipher of `key`, as the UFTPD names it. */
  algo?: string;
  /** Paths the session may touch (the UFTPD's `includes` filter). */
  includes?: string;
  /** Paths the session may not touch (the UFTPD's `excludes` filter). */
  excludes?: string;
  /** Read, write, or both. */
  access?: AccessLevel;
}

/**
 * The request's lines, in the order the Java auth server writes them.
 *
 * @example
 * ```ts
 * encodeTransferRequest({ clientIps: ["127.0.0.1"], user: "demo", secret: "s", persistent: false, file: "/d/", streams: 1, compress: false });
 * // "request-type=uftp-transfer-request\nclient-ip=127.0.0.1\nuser=demo\n...END\n"
 * ```
 */
export function encodeTransferRequest(r: TransferRequest): string {
  const lines = [
    "request-type=uftp-transfer-request",
    `client-ip=${r.clientIps.join(",")}`,
    `user=${r.user}`,
    `secret=${r.secret}`,
    `persistent=${r.persistent}`,
    `file=${r.file}`,
    "append=false",
    `streams=${r.streams}`,
    `compress=${r.compress}`,
  ];
  if (r.group) lines.push(`group=${r.group}`);
  if (r.rateLimit && r.rateLimit > 0) lines.push(`rateLimit=${r.rateLimit}`);
  if (r.key) lines.push(`key=${r.key}`, `algo=${r.algo ?? "BLOWFISH"}`);
  if (r.includes) lines.push(`includes=${r.includes}`);
  if (r.excludes) lines.push(`excludes=${r.excludes}`);
  if (r.access) lines.push(`access-permissions=${r.access}`);
  for (const line of lines) {
    if (/[\r\n]/.test(line)) throw new UftpProtocolError("command port value with a line break");
  }
  return `${lines.join("\n")}\nEND\n`;
}

/**
 * Parses a request's lines (split at the first `=`; lines without one are
 * ignored; reading stops at a line starting with `END`), as UFTPD does.
 *
 * @example
 * ```ts
 * parseRequestLines("request-type=uftp-ping-request\nEND\n"); // { "request-type": "uftp-ping-request" }
 * ```
 */
export function parseRequestLines(text: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const raw of text.split("\n")) {
    const line = raw.replace(/\r$/, "");
    if (line.startsWith("END")) break;
    const eq = line.indexOf("=");
    if (eq > 0) out[line.slice(0, eq).trim()] = line.slice(eq + 1).trim();
  }
  return out;
}

/**
 * Whether the text holds a complete request (a line starting with `END`).
 *
 * @example
 * ```ts
 * isCompleteRequest("a=b\nEND\n"); // true
 * ```
 */
export function isCompleteRequest(text: string): boolean {
  return /(^|\n)END/.test(text);
}

/**
 * The fields of a transfer request; throws for missing `user` or `secret`.
 *
 * @example
 * ```ts
 * parseTransferRequest({ "client-ip": "10.0.0.1", user: "u", secret: "s" }).clientIps; // ["10.0.0.1"]
 * ```
 */
export function parseTransferRequest(f: Record<string, string>): TransferRequest {
  if (!f.user) throw new UftpProtocolError("transfer request without user");
  if (!f.secret) throw new UftpProtocolError("transfer request without secret");
  const access = f["access-permissions"]?.toUpperCase();
  if (access !== undefined && !(ACCESS_LEVELS as readonly string[]).includes(access)) {
    throw new UftpProtocolError(`unknown access-permissions ${access}`);
  }
  const streams = Number(f.streams ?? "1");
  return {
    clientIps: (f["client-ip"] ?? "").split(",").map((s) => s.trim()).filter(Boolean),
    user: f.user,
    secret: f.secret,
    persistent: (f.persistent ?? "").toLowerCase() === "true",
    file: f.file ?? "",
    streams: Number.isInteger(streams) && streams > 0 ? streams : 1,
    compress: (f.compress ?? "").toLowerCase() === "true",
    group: f.group || undefined,
    rateLimit: f.rateLimit ? Number(f.rateLimit) : undefined,
    key: f.key || undefined,
    algo: f.algo || undefined,
    includes: f.includes || undefined,
    excludes: f.excludes || undefined,
    access: access as AccessLevel | undefined,
  };
}

/** The UFTPD's answer to a transfer request. */
export type CommandReply = { ok: true; port: number } | { ok: false; message: string };

/**
 * Reads `OK::<port>` / `ERROR::<message>` (also the Java server's `500::...`).
 *
 * @example
 * ```ts
 * parseCommandReply("OK::64434\n"); // { ok: true, port: 64434 }
 * parseCommandReply("ERROR::Duplicate secret - this is not allowed."); // { ok: false, message: "Duplicate..." }
 * ```
 */
export function parseCommandReply(text: string): CommandReply {
  const line = text.split("\n")[0].trim();
  const ok = /^OK::(\d+)$/.exec(line);
  if (ok) return { ok: true, port: Number(ok[1]) };
  const sep = line.indexOf("::");
  return { ok: false, message: sep >= 0 ? line.slice(sep + 2) : line || "empty reply" };
}
