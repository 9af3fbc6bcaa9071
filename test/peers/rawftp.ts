/**
 * A deliberately tiny FTP control-channel client for tests and peer readiness:
 * send a line, read one (possibly multi-line) reply, upgrade with AUTH TLS. It is
 * independent of ferry's own client so the harness can check a peer without
 * trusting the code under test.
 * @module
 */

/** One FTP reply: the 3-digit code and its text (all lines joined by "\n"). */
export interface FtpReply {
  code: number;
  text: string;
}

/** The server closed the connection before a complete reply. */
export class ServerClosedError extends Error {
  override name = "ServerClosedError";
}

/** TLS settings for implicit FTPS or {@link RawFtp.startTls}. */
export interface RawTlsOptions {
  /** PEM CA certificates to trust (e.g. the test CA). */
  caCerts?: string[];
  /** Name the certificate must match; default: the host connected to (test certs carry IP:127.0.0.1). */
  hostname?: string;
}

const encoder = new TextEncoder();
const decoder = new TextDecoder();

/** A raw control connection. Always `close()` it (or use `await using`). */
export class RawFtp implements AsyncDisposable {
  #conn: Deno.Conn;
  #host: string;
  #buffer = new Uint8Array(0);
  #closed = false;

  private constructor(conn: Deno.Conn, host: string) {
    this.#conn = conn;
    this.#host = host;
  }

  /**
   * Connects (TLS from the first byte if `tls` is given: implicit FTPS). Does not read the banner.
   *
   * @example
   * ```ts
   * await using ftp = await RawFtp.connect("127.0.0.1", peer.port);
   * assert.equal((await ftp.readReply()).code, 220);
   * ```
   */
  static async connect(host: string, port: number, tls?: RawTlsOptions): Promise<RawFtp> {
    if (!tls) return new RawFtp(await Deno.connect({ hostname: host, port }), host);
    const tcp = await Deno.connect({ hostname: host, port });
    try {
      // startTls rather than connectTls: it lets the verified name differ from the address.
      const conn = await Deno.startTls(tcp, {
        hostname: tls.hostname ?? host,
        caCerts: tls.caCerts,
      });
      return new RawFtp(conn, host);
    } catch (e) {
      try {
        tcp.close();
      } catch { /* startTls already took and closed it */ }
      throw e;
    }
  }

  /**
   * Reads one complete reply, honouring the `123-` ... `123 ` multi-line form.
   * Rejects on EOF or after `timeoutMs` (closing the connection, the only way to
   * abandon a pending read).
   *
   * @example
   * ```ts
   * const { code, text } = await ftp.readReply();
   * ```
   */
  async readReply(timeoutMs = 10_000): Promise<FtpReply> {
    const timer = setTimeout(() => this.close(), timeoutMs);
    try {
      const first = await this.#readLine();
      const match = first.match(/^(\d{3})([ -])(.*)$/);
      if (!match) throw new Error(`malformed FTP reply line: ${JSON.stringify(first)}`);
      const lines = [match[3]];
      if (match[2] === "-") {
        for (;;) {
          const line = await this.#readLine();
          if (line.startsWith(`${match[1]} `)) {
            lines.push(line.slice(4));
            break;
          }
          lines.push(line);
        }
      }
      return { code: Number(match[1]), text: lines.join("\n") };
    } catch (e) {
      if (this.#closed) throw new Error(`no complete FTP reply within ${timeoutMs} ms or EOF`);
      throw e;
    } finally {
      clearTimeout(timer);
    }
  }

  /**
   * Sends one command line (CRLF added).
   *
   * @example
   * ```ts
   * await ftp.send("NOOP");
   * ```
   */
  async send(line: string): Promise<void> {
    const bytes = encoder.encode(`${line}\r\n`);
    for (let off = 0; off < bytes.length;) off += await this.#conn.write(bytes.subarray(off));
  }

  /**
   * Sends a command and reads its reply.
   *
   * @example
   * ```ts
   * assert.equal((await ftp.command("USER bob")).code, 331);
   * ```
   */
  async command(line: string): Promise<FtpReply> {
    await this.send(line);
    return await this.readReply();
  }

  /**
   * USER + PASS; returns the final reply (230 on success).
   *
   * @example
   * ```ts
   * assert.equal((await ftp.login(peer.user, peer.password)).code, 230);
   * ```
   */
  async login(user: string, password: string): Promise<FtpReply> {
    const reply = await this.command(`USER ${user}`);
    return reply.code === 331 ? await this.command(`PASS ${password}`) : reply;
  }

  /**
   * One passive data transfer: PASV (or EPSV), the command, the data connection
   * (TLS with `tls.caCerts` when given), `upload` written or everything read, and
   * the final reply. A refused command (no 150/125) comes back as `first`, with
   * `final` undefined. The data connection is opened right after the command,
   * because some servers (ProFTPD) answer 150 only once it is up.
   *
   * @example
   * ```ts
   * const { data, final } = await ftp.transfer("RETR a.txt");
   * assert.equal(final?.code, 226);
   * ```
   */
  async transfer(
    command: string,
    options: { upload?: Uint8Array; epsv?: boolean; tls?: RawTlsOptions } = {},
  ): Promise<{ first: FtpReply; final?: FtpReply; data: Uint8Array; dataError?: Error }> {
    const passive = await this.command(options.epsv ? "EPSV" : "PASV");
    const port = options.epsv
      ? Number(passive.text.match(/\(\|\|\|(\d+)\|\)/)?.[1])
      : passive.text.match(/(\d+),(\d+)\)/)?.slice(1).map(Number).reduce((hi, lo) => hi * 256 + lo);
    if (!port) throw new Error(`no data port in ${passive.code} ${passive.text}`);
    await this.send(command);
    const tcp = await Deno.connect({ hostname: "127.0.0.1", port });
    const conn = options.tls
      ? await Deno.startTls(tcp, {
        hostname: options.tls.hostname ?? this.#host,
        caCerts: options.tls.caCerts,
      })
      : tcp;
    const chunks: Uint8Array[] = [];
    let dataError: Error | undefined;
    const io = (async () => {
      try {
        if (options.upload) {
          for (let off = 0; off < options.upload.length;) {
            off += await conn.write(options.upload.subarray(off));
          }
        } else {
          for await (const chunk of conn.readable) chunks.push(chunk);
          return; // the readable closed the connection
        }
      } catch (e) {
        dataError = e as Error;
      }
      try {
        conn.close();
      } catch {
        // Already closed by a failed read or write.
      }
    })();
    const first = await this.readReply();
    if (first.code !== 150 && first.code !== 125) {
      try {
        conn.close();
      } catch {
        // the readable may have closed it
      }
      await io;
      return { first, data: new Uint8Array(0), dataError };
    }
    await io;
    const final = await this.readReply(60_000);
    const data = new Uint8Array(await new Blob(chunks as BlobPart[]).arrayBuffer());
    return { first, final, data, dataError };
  }

  /**
   * Upgrades the control connection after a `234` reply to `AUTH TLS`.
   *
   * @example
   * ```ts
   * assert.equal((await ftp.command("AUTH TLS")).code, 234);
   * await ftp.startTls({ caCerts: [caPem] });
   * ```
   */
  async startTls(tls: RawTlsOptions = {}): Promise<void> {
    if (this.#buffer.length) throw new Error("unread data before the TLS upgrade");
    this.#conn = await Deno.startTls(this.#conn as Deno.TcpConn, {
      hostname: tls.hostname ?? this.#host,
      caCerts: tls.caCerts,
    });
  }

  /**
   * Closes the connection; safe to call twice.
   *
   * @example
   * ```ts
   * ftp.close();
   * ```
   */
  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    try {
      this.#conn.close();
    } catch {
      // Already closed by the peer's side of a failed read.
    }
  }

  [Symbol.asyncDispose](): Promise<void> {
    this.close();
    return Promise.resolve();
  }

  async #readLine(): Promise<string> {
    for (;;) {
      const nl = this.#buffer.indexOf(10);
      if (nl >= 0) {
        const line = decoder.decode(this.#buffer.subarray(0, nl)).replace(/\r$/, "");
        this.#buffer = this.#buffer.slice(nl + 1);
        return line;
      }
      const chunk = new Uint8Array(4096);
      const n = await this.#conn.read(chunk);
      if (n === null) throw new ServerClosedError("connection closed by the server");
      const merged = new Uint8Array(this.#buffer.length + n);
      merged.set(this.#buffer);
      merged.set(chunk.subarray(0, n), this.#buffer.length);
      this.#buffer = merged;
    }
  }
}

/**
 * Connects until the server answers with its `220` banner, retrying refused
 * connections until `deadlineMs` passes or `abort` settles (the peer exited).
 * Returns the banner text.
 *
 * @example
 * ```ts
 * await awaitBanner("127.0.0.1", port, { deadlineMs: 10_000, abort: proc.exited });
 * ```
 */
export async function awaitBanner(
  host: string,
  port: number,
  options: { deadlineMs?: number; abort?: Promise<unknown>; tls?: RawTlsOptions } = {},
): Promise<string> {
  const deadline = Date.now() + (options.deadlineMs ?? 15_000);
  let aborted = false;
  options.abort?.then(() => aborted = true, () => aborted = true);
  let lastError: unknown;
  while (!aborted && Date.now() < deadline) {
    let ftp: RawFtp | undefined;
    try {
      ftp = await RawFtp.connect(host, port, options.tls);
      const reply = await ftp.readReply(Math.max(1, deadline - Date.now()));
      if (reply.code !== 220) throw new Error(`banner was ${reply.code} ${reply.text}`);
      return reply.text;
    } catch (e) {
      // A daemon still starting may accept and close (seen: ProFTPD and Pure-FTPd at load 10).
      if (!(e instanceof Deno.errors.ConnectionRefused || e instanceof ServerClosedError)) throw e;
      lastError = e;
      // Not serving yet: poll again shortly (bounded by the deadline and by abort).
      await new Promise((resolve) => setTimeout(resolve, 20));
    } finally {
      ftp?.close();
    }
  }
  throw new Error(
    aborted ? "the server exited before answering" : `no 220 banner within the deadline`,
    { cause: lastError },
  );
}

/**
 * Waits until something accepts TCP connections on `port` (for implicit FTPS,
 * where the banner needs a TLS handshake the harness may not be able to verify).
 *
 * @example
 * ```ts
 * await awaitListening("127.0.0.1", port, { abort: proc.exited });
 * ```
 */
export async function awaitListening(
  host: string,
  port: number,
  options: { deadlineMs?: number; abort?: Promise<unknown> } = {},
): Promise<void> {
  const deadline = Date.now() + (options.deadlineMs ?? 15_000);
  let aborted = false;
  options.abort?.then(() => aborted = true, () => aborted = true);
  while (!aborted && Date.now() < deadline) {
    try {
      (await Deno.connect({ hostname: host, port })).close();
      return;
    } catch (e) {
      if (!(e instanceof Deno.errors.ConnectionRefused)) throw e;
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
  }
  throw new Error(aborted ? "the server exited before listening" : "not listening in time");
}
