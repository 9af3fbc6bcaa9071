/**
 * An in-process FTP server whose every byte is written by the test (the idea of
 * basic-ftp's MockFtpServer): for client tests of misbehaving servers, e.g.
 * bare-LF replies, garbage, truncated multi-line replies, data connections that
 * die mid-transfer, or a server that hangs up.
 *
 * Built on node:net rather than Deno.listen because only node:net can reset a
 * connection (`resetAndDestroy`, a TCP RST), the "abrupt" failure clients must survive.
 * @module
 */
import net from "node:net";

const encoder = new TextEncoder();
const decoder = new TextDecoder();

/** One accepted data connection of a scripted session. */
export interface DataConn {
  /** Writes raw bytes (a string is sent as UTF-8). */
  write(data: string | Uint8Array): Promise<void>;
  /** Everything the client sends until it closes its side. */
  readAll(): Promise<Uint8Array>;
  /** Graceful close (FIN) after pending writes; waits until the socket is closed. */
  close(): Promise<void>;
  /** Abrupt close: a TCP reset, e.g. to kill a transfer halfway. */
  destroy(): void;
}

/** A listening socket for one PASV/EPSV data connection. */
export interface PassiveListener {
  port: number;
  /** The next data connection the client opens. */
  accept(): Promise<DataConn>;
  /** `227 Entering Passive Mode (127,0,0,1,p1,p2).` for this port. */
  pasvReply(): string;
  /** `229 Entering Extended Passive Mode (|||port|).` for this port. */
  epsvReply(): string;
  /** Stops listening (also done when the session ends). */
  close(): Promise<void>;
}

/** The server side of one control connection, driven by the test's handler. */
export interface ScriptedSession {
  /** Sends raw bytes as they are: no CRLF is added. */
  send(raw: string | Uint8Array): Promise<void>;
  /** Sends `"<code> <text>\r\n"`. */
  reply(code: number, text: string): Promise<void>;
  /** The next command line without its line end; null when the client closed. */
  readCommand(): Promise<string | null>;
  /** Reads a command and throws unless it matches (a string matches as a prefix, case-insensitive). */
  expect(pattern: string | RegExp): Promise<string>;
  /** Listens on 127.0.0.1:0 for a data connection. */
  openPassive(): Promise<PassiveListener>;
  /** Graceful close of the control connection. */
  close(): Promise<void>;
  /** Abrupt close (TCP reset) of the control connection. */
  destroy(): void;
}

/** A running scripted server. */
export interface ScriptedServer extends AsyncDisposable {
  host: "127.0.0.1";
  port: number;
  /** Errors thrown by handlers so far; assert it is empty after `close()`. */
  errors: unknown[];
  /** How many control connections were accepted. */
  sessions(): number;
  /** Stops listening, resets sessions still open, waits for every handler. Never throws. */
  close(): Promise<void>;
}

/**
 * Starts a scripted server; `handler` runs once per control connection. When it
 * returns, the session's sockets are closed (gracefully); when it throws, the
 * error lands in `errors` and the connection is reset.
 *
 * @example
 * ```ts
 * await using server = await startScriptedServer(async (s) => {
 *   await s.send("220 hi\n"); // a bare LF on purpose
 *   await s.expect("USER");
 *   await s.reply(230, "in");
 * });
 * ```
 */
export async function startScriptedServer(
  handler: (session: ScriptedSession) => Promise<void>,
): Promise<ScriptedServer> {
  const running = new Set<Promise<void>>();
  const live = new Set<SocketBox>();
  const errors: unknown[] = [];
  let count = 0;
  const server = net.createServer((socket) => {
    count++;
    const control = new SocketBox(socket);
    live.add(control);
    const listeners = new Set<PassiveListener>();
    const session = makeSession(control, listeners, live);
    const task = (async () => {
      try {
        await handler(session);
        await control.close();
      } catch (e) {
        errors.push(e);
        control.destroy();
      } finally {
        await Promise.all([...listeners].map((l) => l.close()));
        await control.closed;
        live.delete(control);
      }
    })();
    running.add(task);
    task.finally(() => running.delete(task));
  });
  await listen(server);
  let closing: Promise<void> | undefined;
  const close = () =>
    closing ??= (async () => {
      const stopped = new Promise<void>((resolve) => server.close(() => resolve()));
      for (const box of live) box.destroy();
      await Promise.all([...running]);
      await stopped;
    })();
  return {
    host: "127.0.0.1",
    port: (server.address() as net.AddressInfo).port,
    errors,
    sessions: () => count,
    close,
    [Symbol.asyncDispose]: close,
  };
}

function makeSession(
  control: SocketBox,
  listeners: Set<PassiveListener>,
  live: Set<SocketBox>,
): ScriptedSession {
  return {
    send: (raw) => control.write(raw),
    reply: (code, text) => control.write(`${code} ${text}\r\n`),
    readCommand: () => control.readLine(),
    async expect(pattern) {
      const line = await control.readLine();
      const ok = line !== null &&
        (typeof pattern === "string"
          ? line.toUpperCase().startsWith(pattern.toUpperCase())
          : pattern.test(line));
      if (!ok) throw new Error(`scripted server expected ${pattern}, got ${JSON.stringify(line)}`);
      return line!;
    },
    async openPassive() {
      const listener = await openPassive(live);
      listeners.add(listener);
      return listener;
    },
    close: () => control.close(),
    destroy: () => control.destroy(),
  };
}

async function openPassive(live: Set<SocketBox>): Promise<PassiveListener> {
  const accepted: SocketBox[] = [];
  const waiting: ((box: SocketBox) => void)[] = [];
  const server = net.createServer((socket) => {
    const box = new SocketBox(socket);
    live.add(box);
    box.closed.then(() => live.delete(box));
    const waiter = waiting.shift();
    if (waiter) waiter(box);
    else accepted.push(box);
  });
  await listen(server);
  const port = (server.address() as net.AddressInfo).port;
  let closing: Promise<void> | undefined;
  return {
    port,
    accept: () =>
      new Promise<DataConn>((resolve) => {
        const box = accepted.shift();
        if (box) resolve(box);
        else waiting.push(resolve);
      }),
    pasvReply: () => `227 Entering Passive Mode (127,0,0,1,${port >> 8},${port & 255}).`,
    epsvReply: () => `229 Entering Extended Passive Mode (|||${port}|).`,
    close: () =>
      closing ??= new Promise<void>((resolve) => {
        // Connections accepted but never taken by the test must not outlive it.
        for (const box of accepted.splice(0)) box.destroy();
        server.close(() => resolve());
      }),
  };
}

/**
 * Listens on a free port of 127.0.0.1; resolves once listening.
 *
 * @example
 * ```ts
 * const server = net.createServer(() => {});
 * await listen(server);
 * ```
 */
export function listen(server: net.Server): Promise<void> {
  return new Promise((resolve, reject) => {
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => {
      server.off("error", reject);
      resolve();
    });
  });
}

/** A node socket seen through promises: buffered reads, awaited writes, known close. */
class SocketBox implements DataConn {
  readonly closed: Promise<void>;
  #socket: net.Socket;
  #chunks: Uint8Array[] = [];
  #ended = false;
  #wake: (() => void) | undefined;

  constructor(socket: net.Socket) {
    this.#socket = socket;
    this.closed = new Promise((resolve) => socket.once("close", () => resolve()));
    const wake = () => {
      const w = this.#wake;
      this.#wake = undefined;
      w?.();
    };
    socket.on("data", (chunk: Uint8Array) => {
      this.#chunks.push(new Uint8Array(chunk));
      wake();
    });
    socket.on("end", () => {
      this.#ended = true;
      wake();
    });
    // Errors (a client's reset) end the stream for the reader; the handler decides what it means.
    socket.on("error", () => {
      this.#ended = true;
      wake();
    });
    socket.on("close", () => {
      this.#ended = true;
      wake();
    });
  }

  write(data: string | Uint8Array): Promise<void> {
    const bytes = typeof data === "string" ? encoder.encode(data) : data;
    return new Promise((resolve, reject) => {
      if (this.#socket.destroyed) return reject(new Error("scripted socket already closed"));
      this.#socket.write(bytes, (err) => (err ? reject(err) : resolve()));
    });
  }

  async readLine(): Promise<string | null> {
    for (;;) {
      const all = this.#take();
      const nl = all.indexOf(10);
      if (nl >= 0) {
        if (nl + 1 < all.length) this.#chunks.unshift(all.slice(nl + 1));
        return decoder.decode(all.subarray(0, nl)).replace(/\r$/, "");
      }
      if (all.length) this.#chunks.unshift(all);
      if (this.#ended) return null;
      await new Promise<void>((resolve) => this.#wake = resolve);
    }
  }

  async readAll(): Promise<Uint8Array> {
    while (!this.#ended) await new Promise<void>((resolve) => this.#wake = resolve);
    return this.#take();
  }

  async close(): Promise<void> {
    if (!this.#socket.destroyed) {
      // end()'s callback never comes if the socket dies meanwhile: close settles that race.
      await Promise.race([
        new Promise<void>((resolve) => this.#socket.end(() => resolve())),
        this.closed,
      ]);
      // The client answers our FIN with its own; one that does not is cut off.
      const timer = setTimeout(() => this.#socket.destroy(), 2000);
      await this.closed;
      clearTimeout(timer);
    }
    await this.closed;
  }

  destroy(): void {
    if (!this.#socket.destroyed) this.#socket.resetAndDestroy();
  }

  #take(): Uint8Array {
    if (this.#chunks.length === 1) return this.#chunks.pop()!;
    const size = this.#chunks.reduce((n, c) => n + c.length, 0);
    const all = new Uint8Array(size);
    let off = 0;
    for (const c of this.#chunks.splice(0)) {
      all.set(c, off);
      off += c.length;
    }
    return all;
  }
}

/**
 * The server side of a plain login as FtpClient does it: banner, USER, PASS,
 * then the FEAT the client sends after login (answered with no features).
 *
 * @example
 * ```ts
 * await using server = await startScriptedServer(async (s) => {
 *   await scriptedLogin(s);
 *   await s.expect("NOOP");
 * });
 * ```
 */
export async function scriptedLogin(s: ScriptedSession): Promise<void> {
  await s.send("220 scripted\r\n");
  await s.expect("USER");
  await s.reply(331, "password");
  await s.expect("PASS");
  await s.reply(230, "in");
  await s.expect("FEAT");
  await s.reply(211, "no features");
}

/**
 * The server side of a client's goodbye: QUIT, answered with 221.
 *
 * @example
 * ```ts
 * await using server = await startScriptedServer(async (s) => {
 *   await scriptedLogin(s);
 *   await scriptedQuit(s);
 * });
 * ```
 */
export async function scriptedQuit(s: ScriptedSession): Promise<void> {
  await s.expect("QUIT");
  await s.reply(221, "bye");
}

/**
 * The server side of the first binary transfer after {@link scriptedLogin}:
 * TYPE I, EPSV, then `command` (RETR, STOR...); returns the accepted data
 * connection. The 1xx reply is the caller's to send.
 *
 * @example
 * ```ts
 * const data = await scriptedPassiveTransfer(s, "RETR");
 * await s.reply(150, "ok");
 * ```
 */
export async function scriptedPassiveTransfer(
  s: ScriptedSession,
  command: string,
): Promise<DataConn> {
  await s.expect("TYPE I");
  await s.reply(200, "binary");
  await s.expect("EPSV");
  const pasv = await s.openPassive();
  await s.send(pasv.epsvReply() + "\r\n");
  await s.expect(command);
  return await pasv.accept();
}

/**
 * Sends `data` over the next connection to `pasv` between a 150 and a 226 on
 * the control connection, as a server answers RETR, LIST or MLSD.
 *
 * @example
 * ```ts
 * const pasv = await s.openPassive();
 * await s.send(pasv.epsvReply() + "\r\n");
 * await s.expect("RETR");
 * await scriptedSendData(s, pasv, "hello");
 * ```
 */
export async function scriptedSendData(
  s: ScriptedSession,
  pasv: PassiveListener,
  data: string | Uint8Array,
): Promise<void> {
  const conn = await pasv.accept();
  await s.reply(150, "here it comes");
  await conn.write(data);
  await conn.close();
  await s.reply(226, "done");
}
