/**
 * One HTTP/1.1 request to a UFTP auth server over a TCP connection with Nagle's
 * algorithm off. `fetch` turns TCP_NODELAY off on its connections, and rustls
 * sends the client's TLS 1.3 ChangeCipherSpec and Finished as two writes: the
 * second then waits for the server's delayed ACK, ~40 ms per new connection,
 * before the auth request can even be sent (seen on loopback against ferry's auth
 * service; curl, with TCP_NODELAY, took 3-5 ms for the same handshake). The
 * request goes out in one write, `Connection: close`; a second request resumes
 * the TLS session (Deno keeps one store per runtime).
 *
 * Deliberately small: no proxies (auth_client.ts uses `fetch` when a proxy is
 * configured), no redirects (a 3xx is returned as it is), a bounded reply.
 * @module
 */

/** What a request needs. */
export interface SimpleRequest {
  method: "GET" | "POST";
  /** `https:` (or `http:`, for tests) URL. */
  url: string;
  headers: Headers;
  body?: string;
  /** PEM of a CA to trust besides the default roots. */
  ca?: string;
  signal?: AbortSignal;
  /** Called once the request has been written (the server works on it meanwhile). */
  onSent?: () => void;
  /**
   * Awaited between the TCP connect and the TLS handshake (https only). The
   * process's first handshake holds the calling thread in `Deno.startTls`
   * until Deno's crypto library has initialised (~20 ms of CPU here, see
   * head.ts): work done here instead fills that wait.
   */
  beforeTls?: () => Promise<void>;
}

/** The status and body of a reply. */
export interface SimpleReply {
  status: number;
  body: string;
}

/** Largest reply read (auth replies are a few hundred bytes). */
const MAX_REPLY = 1 << 20;

/** A reply that does not parse as HTTP/1.x. */
export class HttpReplyError extends Error {
  override name = "HttpReplyError";
}

/**
 * Sends one request and reads the whole reply; rejects on network, TLS and
 * parse errors, and when `signal` aborts (the connection is closed then).
 *
 * @example
 * ```ts
 * const headers = new Headers({ "Content-Type": "application/json" });
 * const { status, body } = await simpleRequest({ method: "POST", url, headers, body: "{}", ca });
 * ```
 */
export async function simpleRequest(request: SimpleRequest): Promise<SimpleReply> {
  const url = new URL(request.url);
  const secure = url.protocol === "https:";
  if (!secure && url.protocol !== "http:") {
    throw new TypeError(`not an http(s) URL: ${url.protocol}`);
  }
  const hostname = url.hostname.replace(/^\[(.*)\]$/, "$1");
  const port = Number(url.port || (secure ? 443 : 80));
  request.signal?.throwIfAborted();
  const tcp = await Deno.connect({ hostname, port });
  let conn: Deno.Conn = tcp;
  const onAbort = () => {
    try {
      conn.close();
    } catch { /* closed */ }
  };
  request.signal?.addEventListener("abort", onAbort, { once: true });
  try {
    request.signal?.throwIfAborted(); // aborted while connecting
    tcp.setNoDelay(true);
    if (secure) {
      await request.beforeTls?.();
      request.signal?.throwIfAborted();
      conn = await Deno.startTls(tcp, {
        hostname,
        caCerts: request.ca ? [request.ca] : undefined,
      });
    }
    await writeAll(conn, encodeRequest(request, url));
    request.onSent?.();
    return parseReply(await readAll(conn));
  } catch (error) {
    throw request.signal?.aborted ? request.signal.reason : error;
  } finally {
    request.signal?.removeEventListener("abort", onAbort);
    onAbort();
  }
}

/**
 * The request's bytes: request line, `Host`, the caller's headers,
 * `Content-Length` and `Connection: close`, then the body.
 *
 * @example
 * ```ts
 * encodeRequest({ method: "GET", url: "https://h/x", headers: new Headers() }, new URL("https://h/x"));
 * ```
 */
export function encodeRequest(request: SimpleRequest, url: URL): Uint8Array {
  const body = new TextEncoder().encode(request.body ?? "");
  const lines = [`${request.method} ${url.pathname}${url.search} HTTP/1.1`, `Host: ${url.host}`];
  request.headers.forEach((value, name) => {
    if (!["host", "content-length", "connection"].includes(name)) lines.push(`${name}: ${value}`);
  });
  if (request.method === "POST" || body.length) lines.push(`Content-Length: ${body.length}`);
  lines.push("Connection: close", "", "");
  const head = new TextEncoder().encode(lines.join("\r\n"));
  const out = new Uint8Array(head.length + body.length);
  out.set(head);
  out.set(body, head.length);
  return out;
}

/**
 * Status and body of a whole HTTP/1.x reply (the connection closed after it):
 * informational 1xx replies are skipped, a chunked body is decoded, a
 * `Content-Length` body cut to its length.
 *
 * @example
 * ```ts
 * parseReply(new TextEncoder().encode("HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\n{}"));
 * // { status: 200, body: "{}" }
 * ```
 */
export function parseReply(bytes: Uint8Array): SimpleReply {
  const text = new TextDecoder().decode(bytes);
  let at = 0;
  for (;;) {
    const end = text.indexOf("\r\n\r\n", at);
    if (end < 0) throw new HttpReplyError("the reply ended inside its header");
    const [statusLine, ...fields] = text.slice(at, end).split("\r\n");
    const m = /^HTTP\/1\.[01] (\d{3})/.exec(statusLine);
    if (!m) throw new HttpReplyError(`not an HTTP/1.x status line: ${statusLine.slice(0, 80)}`);
    const status = Number(m[1]);
    at = end + 4;
    if (status >= 100 && status < 200) continue;
    const header = new Map<string, string>();
    for (const field of fields) {
      const colon = field.indexOf(":");
      if (colon > 0) {
        header.set(field.slice(0, colon).trim().toLowerCase(), field.slice(colon + 1).trim());
      }
    }
    const rest = text.slice(at);
    if (/chunked/i.test(header.get("transfer-encoding") ?? "")) {
      return { status, body: dechunk(rest) };
    }
    const length = header.get("content-length");
    if (length === undefined) return { status, body: rest };
    // Lengths count bytes: cut the bytes, not the decoded text.
    const start = new TextEncoder().encode(text.slice(0, at)).length;
    if (bytes.length - start < Number(length)) {
      throw new HttpReplyError(
        `the reply ended ${Number(length) - (bytes.length - start)} bytes early`,
      );
    }
    return {
      status,
      body: new TextDecoder().decode(bytes.subarray(start, start + Number(length))),
    };
  }
}

/** The body of a `Transfer-Encoding: chunked` reply (sizes count UTF-8 bytes). */
function dechunk(text: string): string {
  const bytes = new TextEncoder().encode(text);
  const parts: Uint8Array[] = [];
  let at = 0;
  for (;;) {
    const lineEnd = indexOfCrlf(bytes, at);
    if (lineEnd < 0) throw new HttpReplyError("a chunked reply ended inside a chunk size");
    const size = parseInt(new TextDecoder().decode(bytes.subarray(at, lineEnd)).split(";")[0], 16);
    if (Number.isNaN(size)) throw new HttpReplyError("a chunk size is not a hex number");
    if (size === 0) break;
    const start = lineEnd + 2;
    if (start + size > bytes.length) {
      throw new HttpReplyError("a chunked reply ended inside a chunk");
    }
    parts.push(bytes.subarray(start, start + size));
    at = start + size + 2;
  }
  return new TextDecoder().decode(concat(parts));
}

function indexOfCrlf(bytes: Uint8Array, from: number): number {
  for (let i = from; i + 1 < bytes.length; i++) {
    if (bytes[i] === 13 && bytes[i + 1] === 10) return i;
  }
  return -1;
}

function concat(parts: Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  parts.reduce((at, p) => (out.set(p, at), at + p.length), 0);
  return out;
}

async function writeAll(conn: Deno.Conn, bytes: Uint8Array): Promise<void> {
  for (let at = 0; at < bytes.length;) at += await conn.write(bytes.subarray(at));
}

/** Everything until the server closes (a TLS close without close_notify included). */
async function readAll(conn: Deno.Conn): Promise<Uint8Array> {
  const parts: Uint8Array[] = [];
  let total = 0;
  const buffer = new Uint8Array(16 * 1024);
  for (;;) {
    let n: number | null;
    try {
      n = await conn.read(buffer);
    } catch (error) {
      // Servers often end TLS without close_notify once the reply is complete.
      if (total > 0 && error instanceof Deno.errors.UnexpectedEof) break;
      throw error;
    }
    if (n === null) break;
    total += n;
    if (total > MAX_REPLY) throw new HttpReplyError(`a reply larger than ${MAX_REPLY} bytes`);
    parts.push(buffer.slice(0, n));
  }
  return concat(parts);
}
