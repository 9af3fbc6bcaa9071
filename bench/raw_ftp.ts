/**
 * A bare FTP control connection for the server benchmarks (server_memory.ts,
 * server_fuzz.ts): raw `Deno.connect`, replies read line by line, EPSV data
 * connections opened by hand so that a client can stall on purpose (never
 * read a download, stop sending an upload). Not ferry's FtpClient: the point
 * is to hold sockets in states a real client would not.
 * @module
 */

/** One reply: the code and the text of its last line. */
export interface Reply {
  code: number;
  text: string;
}

const enc = new TextEncoder();
const dec = new TextDecoder();

/**
 * A control connection with a line reader.
 *
 * @example
 * ```ts
 * const c = await RawFtp.connect(2121);
 * await c.login("bench", "pw");
 * ```
 */
export class RawFtp {
  #buf = "";
  #scratch = new Uint8Array(4096);
  closed = false;

  constructor(readonly conn: Deno.Conn, readonly port: number) {}

  /** Connects and reads the greeting. */
  static async connect(port: number): Promise<RawFtp> {
    const c = new RawFtp(await Deno.connect({ hostname: "127.0.0.1", port }), port);
    const r = await c.reply();
    if (r.code !== 220) throw new Error(`greeting ${r.code} ${r.text}`);
    return c;
  }

  /** Reads one complete reply (the last line of a multi-line one); EOF -> code 0. */
  async reply(): Promise<Reply> {
    while (true) {
      let nl: number;
      while ((nl = this.#buf.indexOf("\n")) >= 0) {
        const line = this.#buf.slice(0, nl).replace(/\r$/, "");
        this.#buf = this.#buf.slice(nl + 1);
        if (/^\d{3} /.test(line) || /^\d{3}$/.test(line)) {
          return { code: Number(line.slice(0, 3)), text: line.slice(4) };
        }
      }
      const n = await this.conn.read(this.#scratch).catch(() => null);
      if (n === null) {
        this.closed = true;
        return { code: 0, text: "closed" };
      }
      this.#buf += dec.decode(this.#scratch.subarray(0, n));
    }
  }

  /** Sends raw bytes (a command line with its CRLF, or junk). */
  async send(bytes: Uint8Array | string): Promise<void> {
    const b = typeof bytes === "string" ? enc.encode(bytes) : bytes;
    let off = 0;
    while (off < b.length) off += await this.conn.write(b.subarray(off));
  }

  /** Sends a command and reads its reply. */
  async cmd(line: string): Promise<Reply> {
    await this.send(`${line}\r\n`);
    return await this.reply();
  }

  /** Sends a command and fails unless the reply has the expected first digit. */
  async expect(line: string, first: number): Promise<Reply> {
    const r = await this.cmd(line);
    if (Math.floor(r.code / 100) !== first) {
      throw new Error(`${line.split(" ")[0]}: ${r.code} ${r.text}`);
    }
    return r;
  }

  /** USER, PASS and TYPE I. */
  async login(user: string, pass: string): Promise<void> {
    await this.expect(`USER ${user}`, 3);
    await this.expect(`PASS ${pass}`, 2);
    await this.expect("TYPE I", 2);
  }

  /** EPSV, then the data connection; the transfer command is the caller's. */
  async epsv(): Promise<Deno.Conn> {
    const r = await this.expect("EPSV", 2);
    const port = Number(/\(\|\|\|(\d+)\|\)/.exec(r.text)?.[1]);
    return await Deno.connect({ hostname: "127.0.0.1", port });
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    try {
      this.conn.close();
    } catch { /* already closed */ }
  }
}

/**
 * Reads a connection to its end, counting bytes.
 *
 * @example
 * ```ts
 * const n = await drain(data);
 * ```
 */
export async function drain(conn: Deno.Conn, buf = new Uint8Array(65536)): Promise<number> {
  let total = 0;
  try {
    while (true) {
      const n = await conn.read(buf);
      if (n === null) break;
      total += n;
    }
  } finally {
    try {
      conn.close();
    } catch { /* closed */ }
  }
  return total;
}
