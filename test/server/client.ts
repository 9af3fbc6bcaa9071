/**
 * A small raw FTP client for protocol and security tests: send exact bytes,
 * read replies, open data connections, see when the server hangs up.
 * Independent of the code under test.
 * @module
 */
import { dec, enc } from "./helpers.ts";

/** One reply. */
export interface Reply {
  code: number;
  text: string;
}

/** A control connection. Always `close()` it (or `await using`). */
export class Ctl implements AsyncDisposable {
  #buf = new Uint8Array(0);
  #closed = false;
  private constructor(public conn: Deno.Conn, readonly port: number) {}

  /** Connects (TLS from the first byte with `tls`), reads the banner unless `banner: false`. */
  static async connect(
    port: number,
    options: { tls?: { caCerts: string[] }; banner?: boolean; hostname?: string } = {},
  ): Promise<Ctl> {
    const tcp = await Deno.connect({ hostname: options.hostname ?? "127.0.0.1", port });
    const conn = options.tls
      ? await Deno.startTls(tcp, { hostname: "127.0.0.1", caCerts: options.tls.caCerts })
      : tcp;
    const c = new Ctl(conn, port);
    if (options.banner !== false) {
      const r = await c.reply();
      if (r.code !== 220) throw new Error(`banner ${r.code} ${r.text}`);
    }
    return c;
  }

  async #fill(deadline: number): Promise<boolean> {
    const chunk = new Uint8Array(8192);
    const timer = setTimeout(() => this.close(), Math.max(1, deadline - Date.now()));
    try {
      const n = await this.conn.read(chunk);
      if (n === null) return false;
      const merged = new Uint8Array(this.#buf.length + n);
      merged.set(this.#buf);
      merged.set(chunk.subarray(0, n), this.#buf.length);
      this.#buf = merged;
      return true;
    } catch {
      return false;
    } finally {
      clearTimeout(timer);
    }
  }

  async #line(deadline: number): Promise<string> {
    for (;;) {
      const nl = this.#buf.indexOf(10);
      if (nl >= 0) {
        const line = dec.decode(this.#buf.subarray(0, nl)).replace(/\r$/, "");
        this.#buf = this.#buf.slice(nl + 1);
        return line;
      }
      if (!(await this.#fill(deadline))) throw new Error("connection closed by the server");
    }
  }

  /** Reads one (multi-line) reply within `timeoutMs`. */
  async reply(timeoutMs = 10_000): Promise<Reply> {
    const deadline = Date.now() + timeoutMs;
    const first = await this.#line(deadline);
    const m = /^(\d{3})([ -])(.*)$/.exec(first);
    if (!m) throw new Error(`bad reply line ${JSON.stringify(first)}`);
    const lines = [m[3]];
    if (m[2] === "-") {
      for (;;) {
        const l = await this.#line(deadline);
        if (l.startsWith(`${m[1]} `)) {
          lines.push(l.slice(4));
          break;
        }
        lines.push(l);
      }
    }
    return { code: Number(m[1]), text: lines.join("\n") };
  }

  /** Writes bytes exactly as given. */
  async raw(data: string | Uint8Array): Promise<void> {
    const bytes = typeof data === "string" ? enc.encode(data) : data;
    for (let off = 0; off < bytes.length;) off += await this.conn.write(bytes.subarray(off));
  }

  /** Sends a command line and reads its reply. */
  async cmd(line: string, timeoutMs?: number): Promise<Reply> {
    await this.raw(`${line}\r\n`);
    return await this.reply(timeoutMs);
  }

  /** USER + PASS; the final reply. */
  async login(user: string, password: string): Promise<Reply> {
    const r = await this.cmd(`USER ${user}`);
    return r.code === 331 ? await this.cmd(`PASS ${password}`) : r;
  }

  /** EPSV, then connects the data connection. */
  async epsv(): Promise<Deno.TcpConn> {
    const r = await this.cmd("EPSV");
    const m = /\(\|\|\|(\d+)\|\)/.exec(r.text);
    if (r.code !== 229 || !m) throw new Error(`EPSV: ${r.code} ${r.text}`);
    return await Deno.connect({ hostname: "127.0.0.1", port: Number(m[1]) });
  }

  /** AUTH TLS and the client handshake. */
  async startTls(caCerts: string[]): Promise<void> {
    const r = await this.cmd("AUTH TLS");
    if (r.code !== 234) throw new Error(`AUTH TLS: ${r.code} ${r.text}`);
    this.conn = await Deno.startTls(this.conn as Deno.TcpConn, { hostname: "127.0.0.1", caCerts });
  }

  /** Resolves true once the server closed the connection (false if still open at the deadline). */
  async closedByServer(timeoutMs = 10_000): Promise<boolean> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      if (Date.now() >= deadline) return false;
      if (this.#closed) return true;
      const chunk = new Uint8Array(4096);
      let timedOut = false;
      const timer = setTimeout(() => {
        timedOut = true;
        this.close();
      }, Math.max(1, deadline - Date.now()));
      try {
        const n = await this.conn.read(chunk);
        if (n === null) return true;
      } catch {
        return !timedOut;
      } finally {
        clearTimeout(timer);
      }
    }
  }

  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    try {
      this.conn.close();
    } catch { /* already closed */ }
  }

  [Symbol.asyncDispose](): Promise<void> {
    this.close();
    return Promise.resolve();
  }
}

/** Reads a connection to its end. */
export async function readAll(conn: Deno.Conn): Promise<Uint8Array> {
  return new Uint8Array(await new Response(conn.readable).arrayBuffer());
}

/** Writes everything and closes the connection. */
export async function writeAll(conn: Deno.Conn, data: Uint8Array): Promise<void> {
  const w = conn.writable.getWriter();
  await w.write(data);
  await w.close();
}
