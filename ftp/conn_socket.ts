/**
 * A plain control connection on a `Deno.TcpConn`, seen through the few
 * node:net socket events and calls the control connection uses. It lets a
 * connection opened before the wire client loaded (the CLI's head start,
 * which must not wait for Deno's Node layer) be handed to the client. TLS
 * needs node:tls (docs/TLS.md): such a connection cannot be upgraded.
 * @module
 */

/** What the control connection needs of its socket (a node:net Socket has it all). */
export interface ControlSocket {
  readonly remoteAddress?: string;
  readonly localAddress?: string;
  // deno-lint-ignore no-explicit-any
  on(event: string, listener: (...args: any[]) => void): unknown;
  // deno-lint-ignore no-explicit-any
  off(event: string, listener: (...args: any[]) => void): unknown;
  write(data: Uint8Array | string): unknown;
  /** Half-closes once what was written has left; `done` then (node's `end(cb)`). */
  end(done?: () => void): unknown;
  destroy(): unknown;
}

// deno-lint-ignore no-explicit-any
type Listener = (...args: any[]) => void;

/**
 * `data`, `end`, `error` and `close` events over a `Deno.TcpConn`; writes are
 * queued and written whole, in order.
 *
 * @example
 * ```ts
 * const socket = new ConnSocket(await Deno.connect({ hostname: "127.0.0.1", port: 21 }));
 * socket.on("data", (chunk: Uint8Array) => console.log(chunk.length));
 * ```
 */
export class ConnSocket implements ControlSocket {
  readonly #conn: Deno.TcpConn;
  /** Replaced, never changed, by on/off: an emit goes through the list it started with. */
  readonly #listeners = new Map<string, readonly Listener[]>();
  #writing: Promise<void> = Promise.resolve();
  #reading: Promise<void>;
  #destroyed = false;

  /** `pending`: bytes already read from `conn`, given out first. */
  constructor(conn: Deno.TcpConn, pending?: Uint8Array) {
    this.#conn = conn;
    // Read after the caller has attached its listeners (it does so at once).
    this.#reading = Promise.resolve().then(() => this.#read(pending));
  }

  /** The peer's address (as node's `socket.remoteAddress`). */
  get remoteAddress(): string {
    return this.#conn.remoteAddr.hostname;
  }

  /** This end's address (as node's `socket.localAddress`). */
  get localAddress(): string {
    return this.#conn.localAddr.hostname;
  }

  /** Whether the connection was closed (by {@link destroy}, an error or the peer). */
  get destroyed(): boolean {
    return this.#destroyed;
  }

  /**
   * Adds a listener for `data`, `end`, `error` or `close`.
   *
   * @example
   * ```ts
   * socket.on("end", () => console.log("the server closed"));
   * ```
   */
  on(event: string, listener: Listener): this {
    const list = this.#listeners.get(event) ?? [];
    if (!list.includes(listener)) this.#listeners.set(event, [...list, listener]);
    return this;
  }

  /**
   * Removes a listener added with {@link on}.
   *
   * @example
   * ```ts
   * socket.off("data", onData);
   * ```
   */
  off(event: string, listener: Listener): this {
    const list = this.#listeners.get(event);
    if (list?.includes(listener)) this.#listeners.set(event, list.filter((l) => l !== listener));
    return this;
  }

  /**
   * Queues bytes (a string as UTF-8) to be written whole, after those queued
   * before; a failure is an `error` event. The caller may not reuse `data`.
   *
   * @example
   * ```ts
   * socket.write("NOOP\r\n");
   * ```
   */
  write(data: Uint8Array | string): boolean {
    const bytes = typeof data === "string" ? new TextEncoder().encode(data) : data;
    this.#writing = this.#writing.then(async () => {
      if (this.#destroyed) return;
      for (let done = 0; done < bytes.length;) done += await this.#conn.write(bytes.subarray(done));
    }).catch((error) => this.#failed(error));
    return true;
  }

  /**
   * Half-closes the connection (FIN) once the bytes queued before have been
   * written, then calls `done`; reading goes on until the peer closes too.
   *
   * @example
   * ```ts
   * socket.write("QUIT\r\n");
   * socket.end(() => console.log("QUIT is on its way"));
   * ```
   */
  end(done?: () => void): this {
    this.#writing = this.#writing.then(async () => {
      if (!this.#destroyed) await this.#conn.closeWrite();
    }).catch((error) => this.#failed(error)).finally(() => done?.());
    return this;
  }

  /**
   * Closes the connection at once; `close` follows (once), when the socket
   * is closed for the system too.
   *
   * @example
   * ```ts
   * socket.destroy();
   * ```
   */
  destroy(): void {
    if (this.#destroyed) return;
    this.#destroyed = true;
    try {
      this.#conn.close();
    } catch {
      // closed already
    }
    // Deno releases the socket only when the read (or write) in flight has
    // given it up, a turn of the event loop later: a connection opened
    // meanwhile would reach the server before this one's FIN (seen with
    // strace: the new connect() before the old close()). `close` says the
    // socket is gone, so a session pool may count it until then.
    void Promise.allSettled([this.#reading, this.#writing]).then(() => this.#emit("close", false));
  }

  /** Calls the listeners of `event` with `arg`: no copy of the list, no argument array, per event. */
  #emit(event: string, arg?: unknown): void {
    const list = this.#listeners.get(event);
    if (!list) return;
    for (let i = 0; i < list.length; i++) list[i](arg);
  }

  #failed(error: unknown): void {
    if (this.#destroyed) return;
    this.#emit("error", error instanceof Error ? error : new Error(String(error)));
    this.destroy();
  }

  async #read(pending: Uint8Array | undefined): Promise<void> {
    if (pending?.length && !this.#destroyed) this.#emit("data", pending);
    const buffer = new Uint8Array(64 * 1024);
    while (!this.#destroyed) {
      let n: number | null;
      try {
        n = await this.#conn.read(buffer);
      } catch (error) {
        return this.#failed(error);
      }
      if (this.#destroyed) return;
      if (n === null) {
        this.#emit("end");
        return this.destroy();
      }
      this.#emit("data", buffer.slice(0, n));
    }
  }
}
