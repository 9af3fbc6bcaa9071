/**
 * A plain control connection on a `Deno.Conn`, with the few node:net socket
 * members a session uses (data/end/close/error events, pause, write, end,
 * destroy). A server without a certificate accepts its control connections
 * with `Deno.listen` and wraps them in this: node:net's stream machinery
 * (Readable.push, the write queue, nextTick per event) cost about 0.1 ms of
 * server CPU per session on Deno 2.9.6 (bench/server_floor.ts `--control
 * node` against `deno`, 300 sessions). A server with a certificate keeps
 * node:net, whose sockets node:tls can take over (AUTH TLS, implicit TLS).
 * @module
 */

const encoder = new TextEncoder();
/**
 * Bytes read at a time: command lines are short (a longer one arrives in
 * several reads), and an idle session holds this much (2 KiB until session 15).
 */
const READ_SIZE = 1024;

type Events = {
  /** `chunk` is valid during the call only (the next read reuses its memory). */
  data: (chunk: Uint8Array) => void;
  end: () => void;
  close: () => void;
  error: (e: Error) => void;
};

/**
 * A `Deno.Conn` that a session drives like a node:net socket.
 *
 * @example
 * ```ts
 * const sock = new ConnSocket(await listener.accept());
 * sock.on("data", (chunk) => lines.feed(chunk));
 * sock.write("220 ready\r\n");
 * ```
 */
export class ConnSocket {
  readonly remoteAddress: string;
  readonly remotePort: number;
  readonly localAddress: string;
  /** Closed (by {@link destroy}, an error, or the end of both directions). */
  destroyed = false;
  /** Accepts writes (false after {@link end} or once destroyed). */
  writable = true;
  #listeners: { [K in keyof Events]: Events[K][] } = { data: [], end: [], close: [], error: [] };
  #paused = false;
  #resume?: () => void;
  #out: Uint8Array[] = [];
  #flushing = false;
  #ending = false;
  #closeEmitted = false;
  #readEnded = false;

  constructor(readonly conn: Deno.TcpConn) {
    const remote = conn.remoteAddr as Deno.NetAddr;
    const local = conn.localAddr as Deno.NetAddr;
    this.remoteAddress = remote.hostname;
    this.remotePort = remote.port;
    this.localAddress = local.hostname;
    void this.#readLoop();
  }

  // Listener lists are copied on change, never changed in place: an emit walks
  // the list it found without a copy, and a list holds exactly its listeners
  // (an array grown by push keeps room for 17: ~130 bytes a list, four lists a
  // session, held as long as the session is).

  /** Adds a listener. */
  on<K extends keyof Events>(event: K, listener: Events[K]): this {
    const list: unknown[] = this.#listeners[event];
    (this.#listeners as Record<K, unknown[]>)[event] = list.length
      ? list.concat(listener)
      : [listener];
    return this;
  }

  /** Adds a listener that runs once. */
  once<K extends keyof Events>(event: K, listener: Events[K]): this {
    const wrapped = ((...args: unknown[]) => {
      this.off(event, wrapped);
      (listener as (...a: unknown[]) => void)(...args);
    }) as Events[K];
    return this.on(event, wrapped);
  }

  /** Removes a listener. */
  off<K extends keyof Events>(event: K, listener: Events[K]): this {
    const list: unknown[] = this.#listeners[event];
    const i = list.indexOf(listener);
    if (i >= 0) (this.#listeners as Record<K, unknown[]>)[event] = list.toSpliced(i, 1);
    return this;
  }

  #emit<K extends keyof Events>(event: K, ...args: Parameters<Events[K]>): void {
    const list = this.#listeners[event];
    if (list.length === 1) (list[0] as (...a: unknown[]) => void)(...args);
    else for (const f of list) (f as (...a: unknown[]) => void)(...args);
  }

  /** {@link #emit} of a chunk, without its rest and spread arrays (once per command line). */
  #data(chunk: Uint8Array): void {
    const list = this.#listeners.data;
    if (list.length === 1) list[0](chunk);
    else for (const f of list) f(chunk);
  }

  /** Stops reading until {@link resume}. */
  pause(): void {
    this.#paused = true;
  }

  /** Reads again after {@link pause}. */
  resume(): void {
    this.#paused = false;
    const r = this.#resume;
    this.#resume = undefined;
    r?.();
  }

  /** Whether {@link pause} is in force. */
  isPaused(): boolean {
    return this.#paused;
  }

  /** Sets TCP_NODELAY. */
  setNoDelay(on = true): void {
    try {
      this.conn.setNoDelay(on);
    } catch { /* closed */ }
  }

  async #readLoop(): Promise<void> {
    const buf = new Uint8Array(READ_SIZE);
    try {
      while (!this.destroyed) {
        if (this.#paused) await new Promise<void>((r) => this.#resume = r);
        if (this.destroyed) return;
        const n = await this.conn.read(buf);
        if (n === null) break;
        // A read that was under way when pause() came: its bytes wait for resume().
        if (this.#paused) await new Promise<void>((r) => this.#resume = r);
        if (!this.destroyed && n > 0 && !this.#ending) this.#data(buf.subarray(0, n));
      }
    } catch (e) {
      if (!this.destroyed) this.#emit("error", e as Error);
      this.destroy();
      return;
    }
    if (this.destroyed) return;
    this.#readEnded = true;
    this.#emit("end");
    // The peer is done sending: once our replies are out, the connection is.
    if (!this.#flushing) this.destroy();
    else this.#ending = true;
  }

  /** Queues `text` (or bytes) for sending; false once the socket no longer writes. */
  write(text: string | Uint8Array): boolean {
    if (!this.writable) return false;
    const bytes = typeof text === "string" ? encoder.encode(text) : text;
    if (this.#flushing) this.#out.push(bytes);
    else {
      this.#flushing = true;
      this.#send(bytes);
    }
    return true;
  }

  // One write op at a time, chained by callbacks rather than an async loop:
  // a reply is one op and one promise (a session sends about ten). The
  // callbacks are made once per socket, the bytes under way kept in a field:
  // callbacks made per write were two closures and a context per reply.
  #send(bytes: Uint8Array): void {
    this.#sending = bytes;
    this.conn.write(bytes).then(this.#written, this.#writeFailed);
  }

  #sending?: Uint8Array;

  #written = (n: number): void => {
    const bytes = this.#sending!;
    this.#sending = undefined;
    this.#sent(n < bytes.length ? bytes.subarray(n) : undefined);
  };

  #writeFailed = (e: unknown): void => {
    this.#sending = undefined;
    this.#flushing = false;
    if (!this.destroyed) this.#emit("error", e as Error);
    this.destroy();
  };

  #sent(rest: Uint8Array | undefined): void {
    if (this.destroyed) {
      this.#flushing = false;
      return;
    }
    const next = rest ?? this.#out.shift();
    if (next) {
      this.#send(next);
      return;
    }
    this.#flushing = false;
    if (this.#ending) this.#finish();
  }

  /**
   * Sends what is queued (and `text`), then the end of the stream; the socket
   * closes once the peer ends its side too (or is destroyed).
   */
  end(text?: string): void {
    if (text !== undefined) this.write(text);
    this.writable = false;
    this.#ending = true;
    if (!this.#flushing) this.#finish();
  }

  #finish(): void {
    if (this.destroyed) return;
    if (this.#readEnded) {
      this.destroy();
      return;
    }
    try {
      this.conn.closeWrite();
    } catch {
      this.destroy();
    }
    // The read loop sees the peer's end (or an error) and closes.
  }

  /** Closes at once; `close` follows (asynchronously, as node's). */
  destroy(): void {
    if (this.destroyed) return;
    this.destroyed = true;
    this.writable = false;
    this.#out.length = 0;
    try {
      this.conn.close();
    } catch { /* closed already */ }
    this.resume();
    if (this.#closeEmitted) return;
    this.#closeEmitted = true;
    queueMicrotask(() => this.#emit("close"));
  }
}

/**
 * What the server and a session use of a control connection: node:net's
 * socket (TLS possible) or a {@link ConnSocket}.
 */
export interface ControlSocket {
  readonly remoteAddress?: string;
  readonly remotePort?: number;
  readonly localAddress?: string;
  readonly destroyed: boolean;
  readonly writable: boolean;
  on(event: "data", listener: (chunk: Uint8Array) => void): unknown;
  on(event: "end" | "close", listener: () => void): unknown;
  on(event: "error", listener: (e: Error) => void): unknown;
  once(event: "close", listener: () => void): unknown;
  pause(): unknown;
  resume(): unknown;
  isPaused(): boolean;
  setNoDelay(on?: boolean): unknown;
  write(text: string | Uint8Array): boolean;
  end(): unknown;
  end(text: string): unknown;
  destroy(): unknown;
}
