/**
 * The control connection: sends command lines and reads replies, every wait with
 * a deadline, every line traced at debug level with the PASS argument masked.
 * @module
 */
import type net from "node:net";
import type { ControlSocket } from "./conn_socket.ts";
import { logger } from "../util/log.ts";
import { deadline } from "../util/timers.ts";
import {
  FtpConnectionError,
  FtpError,
  FtpProtocolError,
  FtpTemporaryError,
  FtpTimeoutError,
  maskCommand,
} from "./errors.ts";
import { type Reply, ReplyParser } from "./reply.ts";
import { encodeText, type FtpEncoding, textDecoder } from "./socket.ts";

const log = logger("ftp", "control");
/** Control connections made by this process so far (numbers them for the trace). */
let connections = 0;

/**
 * How long (ms) {@link ControlConnection.gone} waits for the socket's close
 * event at most: a pool must not hold a slot forever for an event that a
 * socket type fails to send.
 */
export const GONE_WAIT_MS = 2_000;

interface Waiter {
  resolve(reply: Reply): void;
  reject(error: Error): void;
  /** Cancels the reply's deadline. */
  cancel: () => void;
  /** The command read for: its reply is checked by `#inStep` before it is handed on. */
  command?: string;
}

/**
 * One control connection. Not concurrency-safe by itself: the client serialises
 * commands.
 *
 * @example
 * ```ts
 * const control = new ControlConnection(socket, { encoding: "utf-8", timeoutMs: 30_000, peer: "127.0.0.1:21" });
 * const welcome = await control.read();
 * const reply = await control.command("NOOP");
 * ```
 */
export class ControlConnection {
  #socket: ControlSocket;
  #parser = new ReplyParser();
  #decoder;
  #replies: Reply[] = [];
  #waiter?: Waiter;
  #broken?: FtpError;
  #fastestReply = Infinity;
  readonly #encoding: FtpEncoding;
  /** Default deadline for a reply, in milliseconds. */
  timeoutMs: number;
  /** `host:port` of the server, for messages. */
  readonly peer: string;
  /** This process's number for the connection (1, 2, ...): tells sessions apart in the trace. */
  readonly conn = ++connections;
  /**
   * Answer every reply that more replies follow (an incomplete one, a 1xx, a
   * 227/229 passive reply, one while pipelined commands wait for theirs) with an empty line, so the ACK of what arrived
   * leaves at once instead of after the delayed-ACK timer (~40 ms). For
   * servers that write each reply line on its own without TCP_NODELAY and
   * skip empty lines (UFTPD once logged in): Nagle holds their next line
   * until that ACK comes. Off by default.
   */
  nudgeAcks = false;
  /**
   * Commands sent whose final reply has not arrived (pipelined ones): while
   * any is left, a complete reply is followed by more, so it is nudged too.
   */
  #awaited = 0;
  /** Resolves once the current socket has closed for the system (see {@link gone}). */
  #gone = Promise.withResolvers<void>();
  #goneBound?: Promise<void>;
  #onData = (chunk: Uint8Array) => this.#receive(chunk);
  /** A 421 ("closing control connection") read: what the server said as it closes. */
  #closing?: Reply;
  #onEnd = () =>
    this.#fail(
      this.#afterClosing() ??
        new FtpConnectionError(`${this.peer} closed the control connection`),
    );
  #onError = (error: Error & { code?: string }) =>
    this.#fail(
      this.#afterClosing(error) ??
        new FtpConnectionError(`control connection to ${this.peer} failed: ${error.message}`, {
          cause: error,
          code: error.code,
        }),
    );

  /**
   * After the server said 421 and closed: the error of every command still
   * awaiting a reply, or sent later. None of them ran (RFC 959: 421 closes the
   * service), so each is safe to run on a new session (`FtpError.notRun`):
   * pipelined ones (RNTO after an RNFR answered 421, a SIZE after its TYPE).
   */
  #afterClosing(cause?: unknown): FtpError | undefined {
    const reply = this.#closing;
    if (!reply) return undefined;
    return new FtpTemporaryError(
      `${this.peer} closed the control connection after ${reply.code} ${reply.text}: ` +
        "commands after that one were not run",
      { code: "EFTP421", reply, cause, notRun: true },
    );
  }

  constructor(
    socket: ControlSocket,
    options: { encoding: FtpEncoding; timeoutMs: number; peer: string },
  ) {
    this.#socket = socket;
    this.#encoding = options.encoding;
    this.#decoder = textDecoder(options.encoding);
    this.timeoutMs = options.timeoutMs;
    this.peer = options.peer;
    this.#attach();
    this.#watchClose(socket);
  }

  /**
   * Resolves once the connection is closed for the system, not only for us
   * (its socket released: the server has our FIN or RST), or after
   * {@link GONE_WAIT_MS} if no socket event says so. A session pool counts a
   * dropped session until then, so that a new one never overlaps it.
   *
   * @example
   * ```ts
   * control.destroy();
   * await control.gone; // now a new connection cannot reach the server first
   * ```
   */
  get gone(): Promise<void> {
    this.#goneBound ??= new Promise<void>((resolve) => {
      const timer = setTimeout(() => {
        log.debug("no close event within {ms} ms; counted as gone", {
          ms: GONE_WAIT_MS,
          peer: this.peer,
          conn: this.conn,
        });
        resolve();
      }, GONE_WAIT_MS);
      Deno.unrefTimer(timer);
      this.#gone.promise.then(() => {
        clearTimeout(timer);
        resolve();
      });
    });
    return this.#goneBound;
  }

  /** Resolves {@link gone} when `socket`, if it is still the connection's socket, closes. */
  #watchClose(socket: ControlSocket): void {
    // Never detached (unlike #attach's): it must hear the close whoever caused it.
    socket.on("close", () => {
      if (socket === this.#socket) this.#gone.resolve();
    });
  }

  /**
   * The current socket: a node:net Socket (a TLSSocket after {@link upgrade}),
   * or a plain `Deno.Conn` one handed over (conn_socket.ts).
   */
  get socket(): ControlSocket {
    return this.#socket;
  }

  /** Whether the connection can no longer be used. */
  get closed(): boolean {
    return this.#broken !== undefined;
  }

  /**
   * The cap, in characters, of a multi-line reply of any number of lines
   * (`ReplyParser.longReplies`): set while a listing sent over the control
   * connection (STAT) is read, unset after.
   */
  set longReplies(maxChars: number | undefined) {
    this.#parser.longReplies = maxChars;
  }

  /**
   * Whether anything past the replies read so far has arrived: a reply not
   * read yet, or part of one. Right after the last awaited reply, a sign of
   * replies out of step.
   */
  get unread(): boolean {
    return this.#replies.length > 0 || this.#parser.partial;
  }

  /** Command lines sent so far (tells whether anything was sent since a given moment). */
  get sentLines(): number {
    return this.#sentLines;
  }

  #sentLines = 0;

  /** Sends one command line. Refuses CR/LF/NUL inside (command injection). */
  send(line: string): void {
    this.sendMany([line]);
  }

  /**
   * Sends command lines in one write (pipelining: one packet and one wake-up
   * of the server instead of one per line); the replies come in turn.
   */
  sendMany(lines: readonly string[]): void {
    this.#throwIfBroken();
    for (const line of lines) {
      if (/[\r\n\0]/.test(line)) {
        throw new FtpError(
          `refusing to send a command containing CR, LF or NUL: ${
            JSON.stringify(maskCommand(line))
          }`,
          { code: "EINVAL" },
        );
      }
    }
    // No record, nor a closure to make one, per line unless debug records go somewhere.
    if (log.enabled("debug")) {
      for (const line of lines) {
        log.debug(
          "> {line}",
          () => ({ line: maskCommand(line), peer: this.peer, conn: this.conn }),
        );
      }
    }
    this.#awaited += lines.length;
    this.#sentLines += lines.length;
    let text = "";
    for (const line of lines) text += `${line}\r\n`;
    this.#socket.write(encodeText(text, this.#encoding));
  }

  /**
   * Reads the next complete reply, failing after `timeoutMs` (`Infinity`: no
   * deadline, for a reply awaited alongside a transfer that has its own).
   * A timeout leaves the reply stream unsynchronised, so it closes the connection.
   */
  read(timeoutMs = this.timeoutMs, command?: string): Promise<Reply> {
    // The reply is checked where it is handed on (`#next`, `#receive`), not in a `then`: a
    // promise and a microtask less per reply.
    return this.#next(timeoutMs, command);
  }

  /**
   * ProFTPD answers a command that reaches it during a transfer it sends with
   * its read/write loop (`UseSendfile off`, listings) at once: `450 EPSV: data
   * transfer in progress`, ahead of the transfer's own final reply. Read as
   * the reply to another command, it would put every later reply out of step
   * (a 226 taken for the next RETR's: an empty file; or a wait that never
   * ends). Such a reply names its command: when that is not the one read for,
   * the session is closed and the read fails as a lost connection (retried).
   */
  #inStep(reply: Reply, command: string): Reply {
    // Every reply passes here: only a 4xx is looked at further.
    if (reply.code < 400 || reply.code >= 500) return reply;
    const named = /^(\S+): data transfer in progress/i.exec(reply.text)?.[1].toUpperCase();
    const verb = command.split(" ", 1)[0].toUpperCase();
    if (named === undefined || named === verb) return reply;
    const error = new FtpConnectionError(
      `${this.peer} answered ${named} during a transfer while the reply to ${verb} was awaited ` +
        `(${reply.code} ${reply.text}): replies out of step, session closed`,
      { command: maskCommand(command) },
    );
    this.#replies.length = 0;
    this.#fail(error);
    throw error;
  }

  #next(timeoutMs: number, command?: string): Promise<Reply> {
    const queued = this.#replies.shift();
    if (queued) {
      try {
        return Promise.resolve(command === undefined ? queued : this.#inStep(queued, command));
      } catch (error) {
        return Promise.reject(error);
      }
    }
    if (this.#broken) return Promise.reject(this.#broken);
    if (this.#waiter) {
      return Promise.reject(new FtpError("concurrent reads on a control connection"));
    }
    return new Promise((resolve, reject) => {
      // A deadline, not setTimeout (util/timers.ts): the read it bounds keeps the process alive.
      const cancel = Number.isFinite(timeoutMs)
        ? deadline(timeoutMs, () => {
          this.#waiter = undefined;
          const masked = command === undefined ? "" : ` to ${maskCommand(command)}`;
          const error = new FtpTimeoutError(
            `no reply${masked} from ${this.peer} within ${timeoutMs} ms`,
            { command: command && maskCommand(command) },
          );
          this.#fail(error);
          reject(error);
        })
        : () => {};
      this.#waiter = { resolve, reject, cancel, command };
    });
  }

  /** Sends a command and reads its (first) reply. */
  async command(line: string, timeoutMs = this.timeoutMs): Promise<Reply> {
    // A reply already here (pipelined) says nothing about the round trip.
    const timed = this.#replies.length === 0;
    const sent = performance.now();
    this.send(line);
    const reply = await this.read(timeoutMs, line);
    if (timed) this.#fastestReply = Math.min(this.#fastestReply, performance.now() - sent);
    return reply;
  }

  /**
   * Counts `ms` as the time a command took to be answered (for commands sent
   * with {@link sendMany} and read on their own): see {@link fastestReplyMs}.
   */
  noteReplyMs(ms: number): void {
    this.#fastestReply = Math.min(this.#fastestReply, ms);
  }

  /**
   * The quickest answer to a command so far, in milliseconds (Infinity before
   * the first): a round trip to the server, plus its shortest think time.
   */
  get fastestReplyMs(): number {
    return this.#fastestReply;
  }

  /**
   * Replaces the socket (TLS upgrade). Our listeners are detached first so no
   * ciphertext is read as a reply.
   */
  async upgrade(wrap: (plain: net.Socket) => Promise<net.Socket>): Promise<void> {
    this.#throwIfBroken();
    if (this.#replies.length > 0 || this.#parser.partial) {
      // Bytes after 234 and before the handshake would be injected plain text.
      throw new FtpProtocolError("server sent data after accepting AUTH; refusing to upgrade");
    }
    if (!("setNoDelay" in this.#socket)) {
      throw new FtpProtocolError("cannot start TLS on a native (Deno.Conn) control connection");
    }
    this.#detach();
    try {
      this.#socket = await wrap(this.#socket as net.Socket);
      this.#watchClose(this.#socket);
    } catch (error) {
      this.#fail(
        error instanceof FtpError ? error : new FtpConnectionError(String(error), { cause: error }),
      );
      throw error;
    }
    this.#attach();
  }

  /** Closes the socket at once. */
  destroy(): void {
    // The caller judged the session out of step: replies that arrived and
    // were not read yet belong to no command now (a download queued behind
    // would take them for its own).
    this.#replies.length = 0;
    // Which of our own paths gave the session up: the trace says (the error
    // stays plain). The stack is made only for a debug record, which logtape
    // makes at once, while this call is still on the stack.
    const at = () => callerOf(ControlConnection.prototype.destroy);
    this.#fail(new FtpConnectionError("control connection closed"), true, at);
  }

  /**
   * Ends the connection without waiting for the server: no more replies are
   * read (a QUIT's 221 goes unread); the socket half-closes once the lines
   * sent have left, which resolves the promise (bounded by `flushMs`), and is
   * destroyed when the server closes its side or after `lingerMs`.
   */
  leave(flushMs = 1_000, lingerMs = 5_000): Promise<void> {
    const socket = this.#socket;
    if (this.#broken) return Promise.resolve();
    this.#fail(new FtpConnectionError("control connection closed"), false);
    const destroy = () => {
      lingered();
      socket.destroy();
    };
    const lingered = deadline(lingerMs, destroy);
    socket.on("data", () => {}); // read on, so that the server's FIN is seen
    socket.on("end", destroy);
    socket.on("close", destroy);
    return new Promise<void>((resolve) => {
      const flushed = deadline(flushMs, resolve);
      try {
        socket.end(() => {
          flushed();
          resolve();
        });
      } catch {
        destroy();
        resolve();
      }
    });
  }

  #attach(): void {
    this.#socket.on("data", this.#onData);
    this.#socket.on("end", this.#onEnd);
    this.#socket.on("close", this.#onEnd);
    this.#socket.on("error", this.#onError);
  }

  #detach(): void {
    this.#socket.off("data", this.#onData);
    this.#socket.off("end", this.#onEnd);
    this.#socket.off("close", this.#onEnd);
    this.#socket.off("error", this.#onError);
  }

  #receive(chunk: Uint8Array): void {
    let replies: Reply[];
    try {
      replies = this.#parser.push(this.#decoder.decode(chunk));
    } catch (error) {
      this.#fail(error as FtpError);
      return;
    }
    // A greeting, or a second reply to one command (ABOR's), finds nothing awaited.
    for (const reply of replies) {
      if (reply.code >= 200) this.#awaited = Math.max(0, this.#awaited - 1);
    }
    const last = replies.at(-1)?.code;
    const more = this.#parser.partial || this.#awaited > 0 ||
      (last !== undefined && (last < 200 || last === 227 || last === 229));
    if (this.nudgeAcks && more) {
      this.#socket.write("\r\n");
    }
    const debug = log.enabled("debug");
    for (const reply of replies) {
      if (reply.code === 421) this.#closing ??= reply;
      if (debug) {
        for (const line of reply.lines) {
          log.debug("< {line}", () => ({ line, peer: this.peer, conn: this.conn }));
        }
      }
      const waiter = this.#waiter;
      if (waiter) {
        this.#waiter = undefined;
        waiter.cancel();
        if (waiter.command === undefined) waiter.resolve(reply);
        else {
          try {
            waiter.resolve(this.#inStep(reply, waiter.command));
          } catch (error) {
            // Out of step: the session is closed (#inStep); later replies belong to no command.
            waiter.reject(error as Error);
            return;
          }
        }
      } else this.#replies.push(reply);
    }
  }

  #fail(error: FtpError, destroy = true, at?: () => string | undefined): void {
    if (this.#broken) return;
    this.#broken = error;
    log.debug("closed: {reason}", () => {
      const by = at?.();
      return {
        reason: by ? `${error.message}, by ${by}` : error.message,
        peer: this.peer,
        conn: this.conn,
      };
    });
    this.#detach();
    this.#socket.on("error", () => {}); // late errors after destroy are expected
    if (destroy) this.#socket.destroy();
    const waiter = this.#waiter;
    if (waiter) {
      this.#waiter = undefined;
      waiter.cancel();
      waiter.reject(error);
    }
  }

  #throwIfBroken(): void {
    if (this.#broken) throw this.#broken;
  }
}

/** The frame that called `fn` (which must be running), as a stack trace names it. */
function callerOf(fn: (...args: never[]) => unknown): string | undefined {
  const holder: { stack?: string } = {};
  Error.captureStackTrace(holder, fn);
  return holder.stack?.split("\n")[1]?.trim().replace(/^at /, "");
}
