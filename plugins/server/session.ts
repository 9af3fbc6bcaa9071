/**
 * One FTP session: the control connection's framing, the command queue, the
 * pre-dispatch gate (arguments, login, path, permission; pyftpdlib's
 * `pre_process_command`) and the session state the handlers work on.
 * @module
 */
import type net from "node:net";
import type tls from "node:tls";
import { logger } from "../../plugin.ts";
import type { UserAccount } from "./authorizers.ts";
import { DataChannel, type DataSocket, plainIp } from "./data.ts";
import { errorCode, isFault, ReplyError, replyFor } from "./errors.ts";
import { JailedFs } from "./filesystem.ts";
import { runHooks, type ServerHooks, type SessionInfo, type TransferEvent } from "./hooks.ts";
import { LoginState } from "./login_state.ts";
import type { ResolvedOptions } from "./options.ts";
import { ftpNormalize, stripListOptions } from "./paths.ts";
import { hasPerm } from "./permissions.ts";
import { acceptTls, readTls } from "./tls.ts";
import type { ControlSocket } from "./control.ts";
import { Throttle } from "./throttle.ts";
import { after, onTick, tickPeriod } from "./ticker.ts";
import {
  encodedReply,
  HTTP_VERBS,
  LineQueue,
  MAX_LINE,
  replyText,
  stripTelnet,
} from "./control_lines.ts";
import { TransferAbort } from "./abort.ts";
import { AbortedError, DataTimeoutError, type PumpOptions } from "./transfer.ts";

const log = logger("server");

/** Lines queued before the session stops reading from the client. */
const MAX_QUEUE = 64;
const NO_BYTES = new Uint8Array(0);
const decoder = new TextDecoder();
const encoder = new TextEncoder();

/** A command handler; `path` is the normalized, permission-checked path when the spec says so. */
export type Handler = (s: Session, arg: string, path?: string) => void | Promise<void>;

/** One row of the command table (commands.ts). */
export interface CommandSpec {
  /** Permission letter checked on the path (or on the cwd when the argument is optional). */
  perm?: string;
  /** Login required. */
  auth: boolean;
  arg: "required" | "none" | "optional";
  /** The argument (or the cwd when missing) is a path to normalize and check. */
  path?: boolean;
  /** The path names a directory (for non-recursive overrides). */
  dirTarget?: boolean;
  /** Leading `-la`-style options are ignored (LIST, NLST). */
  listing?: boolean;
  help: string;
  handler: Handler;
}

/** Commands answered at once even while a transfer runs (RFC 959 §4.1.3). */
export const URGENT_WHILE_TRANSFER: ReadonlySet<string> = new Set(["ABOR", "STAT"]);

/** What a session needs from its server. */
export interface SessionHost {
  readonly options: ResolvedOptions;
  /** The command table (commands.ts's COMMANDS; given, not imported, so commands.ts can import this file). */
  readonly commands: Readonly<Record<string, CommandSpec>>;
  readonly tlsContext?: tls.SecureContext;
  sessionClosed(session: Session): void;
  /** A data transfer of `session` ended (the server may give freed memory back when all are idle). */
  transferEnded(session: Session): void;
}

/** A running transfer, visible to ABOR and STAT. */
export interface ActiveTransfer {
  command: string;
  path: string;
  controller: TransferAbort;
  progress: { bytes: number };
  started: number;
}

/** Outcome of {@link Session.transfer}. */
export interface TransferResult {
  ok: boolean;
  bytes: number;
  seconds: number;
  error?: unknown;
}

let nextId = 1;

/** Homes seen to be directories, per endpoint. */
const checkedHomes = new WeakMap<object, Set<string>>();

/**
 * One client's control connection and state.
 *
 * @example
 * ```ts
 * const session = new Session(host, socket, false);
 * session.start(); // sends 220 and serves commands until QUIT or disconnect
 * ```
 */
export class Session {
  readonly id = nextId++;
  /** node:net's socket (TLS possible) or a plain `Deno.Conn`'s (control.ts). */
  socket: ControlSocket;
  readonly remoteAddress: string;
  readonly remotePort: number;
  readonly localAddress: string;
  readonly data: DataChannel;
  readonly started = Date.now();

  /** TLS on the control connection. */
  secure: boolean;
  pbsz = false;
  prot: "C" | "P" = "C";
  /** Failed PASS attempts on this connection (REIN does not reset them). */
  loginFailures = 0;
  /** Everything one login holds; REIN replaces it whole. */
  state: LoginState = new LoginState();
  activeTransfer?: ActiveTransfer;
  closed = false;

  #buf: Uint8Array = NO_BYTES;
  #discarding = false;
  /** A line grew past MAX_LINE and was answered: its rest is dropped up to its end. */
  #overLong = false;
  #queue = new LineQueue();
  #pumping = false;
  /** Ends the session's idle check (ticker.ts), once armed. */
  #stopIdle?: () => void;
  /** When the session times out (performance.now()), unless a command comes first. */
  #idleDeadline?: number;
  /** Waits of {@link sleep} under way (made at the first: most sessions never sleep). */
  #sleepers?: Set<() => void>;
  #readLimit?: Throttle;
  #onData = (chunk: Uint8Array) => this.#received(chunk);
  /** The command whose promise {@link #dispatch} returned last. */
  #dispatched = "";
  /** The queued command the pump waits for. */
  #waitingFor = "";
  #tag?: string;
  #tagUser?: string;

  constructor(readonly host: SessionHost, socket: ControlSocket, secure: boolean) {
    this.socket = socket;
    this.secure = secure;
    this.remoteAddress = plainIp(socket.remoteAddress);
    this.remotePort = socket.remotePort ?? 0;
    this.localAddress = plainIp(socket.localAddress);
    const o = host.options;
    this.data = new DataChannel({
      remoteAddress: this.remoteAddress,
      localAddress: this.localAddress,
      passivePorts: o.passivePorts,
      masqueradeAddress: o.masqueradeAddress,
      masqueradeAddressMap: o.masqueradeAddressMap,
      permitForeignAddresses: o.permitForeignAddresses,
      permitPrivilegedPorts: o.permitPrivilegedPorts,
      connectTimeout: o.dataConnectTimeoutMs,
      tlsHandshakeTimeout: o.tlsHandshakeTimeoutMs,
    });
  }

  get options(): ResolvedOptions {
    return this.host.options;
  }

  get hooks(): readonly ServerHooks[] {
    return this.host.options.hooks;
  }

  /** `ip:port-[user]`, pyftpdlib's log prefix (made again only when the user changes). */
  get tag(): string {
    const user = this.state.account?.username ?? "";
    if (this.#tag === undefined || this.#tagUser !== user) {
      this.#tagUser = user;
      this.#tag = `${this.remoteAddress}:${this.remotePort}-[${user}]`;
    }
    return this.#tag;
  }

  /** Hook payload describing this session. */
  info(): SessionInfo {
    return {
      sessionId: this.id,
      remoteAddress: this.remoteAddress,
      remotePort: this.remotePort,
      username: this.state.account?.username,
      secure: this.secure,
    };
  }

  /** Attaches the socket handlers, greets the client and fires `onConnect`. */
  start(): void {
    this.#attach(this.socket);
    const closeOnEnd = () => this.close("client disconnected");
    this.socket.on("close", closeOnEnd);
    this.socket.on("end", closeOnEnd);
    log.info("{tag} FTP session opened (connect)", { tag: this.tag });
    this.reply(220, this.options.banner);
    this.#armIdle();
    // No payload and no promise when no hook listens (the usual server).
    if (this.hooks.length) void runHooks(this.hooks, "onConnect", this.info());
  }

  #attach(sock: ControlSocket) {
    const onError = (e: Error) => {
      log.debug("{tag} control connection error: {error}", { tag: this.tag, error: e.message });
      this.close("connection error");
    };
    if ("encrypted" in sock) {
      readTls(sock as tls.TLSSocket, {
        data: this.#onData,
        end: () => this.close("client disconnected"),
        error: onError,
      });
    } else {
      sock.on("data", this.#onData);
      sock.on("error", onError);
    }
  }

  // ---------------------------------------------------------------- framing

  #received(chunk: Uint8Array) {
    if (this.closed || this.#discarding) return;
    if (this.#overLong) {
      // The rest of a line already answered 500 is never run as a command of its
      // own (however the reads cut it).
      const end = chunk.indexOf(10);
      if (end < 0) return;
      this.#overLong = false;
      chunk = chunk.subarray(end + 1);
    }
    // Whole lines in one chunk (the usual case) are read where they arrived;
    // only an unfinished line is kept, copied out of the chunk.
    let buf = chunk;
    if (this.#buf.length) {
      buf = new Uint8Array(this.#buf.length + chunk.length);
      buf.set(this.#buf);
      buf.set(chunk, this.#buf.length);
    }
    let start = 0;
    for (let i = buf.indexOf(10); i >= 0; i = buf.indexOf(10, start)) {
      this.#line(buf.subarray(start, i));
      start = i + 1;
      if (this.closed || this.#discarding) return;
    }
    // A copy (node's Buffer#slice would be a view keeping the whole chunk).
    this.#buf = start < buf.length ? new Uint8Array(buf.subarray(start)) : NO_BYTES;
    if (this.#buf.length > MAX_LINE) {
      // No line end in sight: answer once and drop the line (pyftpdlib: 500 Command too long).
      this.#buf = NO_BYTES;
      this.#overLong = true;
      this.reply(500, "Command too long.");
      return;
    }
    // ftplib sends ABOR as urgent data: the final LF can be taken out of band.
    if (this.activeTransfer && decoder.decode(stripTelnet(this.#buf)) === "ABOR\r") {
      this.#buf = NO_BYTES;
      this.#line(encoder.encode("ABOR"));
    }
  }

  #line(raw: Uint8Array) {
    if (raw.length > MAX_LINE) {
      this.reply(500, "Command too long.");
      return;
    }
    let line = decoder.decode(stripTelnet(raw));
    if (line.endsWith("\r")) line = line.slice(0, -1);
    const sp = line.indexOf(" ");
    const verb = (sp < 0 ? line : line.slice(0, sp)).toUpperCase();
    if (HTTP_VERBS.has(verb)) {
      // Cross-protocol defence (vsftpd): an HTTP request on an FTP port is never a client.
      log.warn("{tag} HTTP verb {verb} on the control connection: closing", {
        tag: this.tag,
        verb,
      });
      this.reply(500, "HTTP protocol commands not allowed.");
      this.close("HTTP verb", true);
      return;
    }
    if (this.activeTransfer && URGENT_WHILE_TRANSFER.has(verb) && line.trim() === verb) {
      const pending = this.#dispatch(line);
      if (pending) void this.#answered(pending, this.#dispatched);
      return;
    }
    if (!this.#pumping && !this.#queue.length) {
      // The usual case, nothing waiting: the line runs at once, and the queue's
      // array is made only by a client that pipelines (held as long as the session).
      this.#pump(line);
      return;
    }
    this.#queue.push(line);
    if (this.#queue.length >= MAX_QUEUE) {
      // A TLS socket must not be paused (see readTls): a flood ends the session instead.
      if (!this.secure) this.socket.pause();
      else if (this.#queue.length >= MAX_QUEUE * 16) {
        this.reply(421, "Too many pipelined commands.");
        this.close("command flood", true);
        return;
      }
    }
    // One pump per session at a time: a line that arrives while it runs only queues
    // (no call, promise and handler per line for a pump that returns at once).
    this.#pump();
  }

  /**
   * Runs `first` (a line that found nothing queued), then the queued lines in
   * order, one at a time. Synchronous while the
   * commands are (TYPE, EPSV, QUIT ...): a promise and an await only for a
   * command whose handler returned one, after which the pump goes on from
   * its settlement. An async pump and an async dispatch per command were
   * two promises and two hops each, for commands that had nothing to wait
   * for.
   */
  #pump(first?: string): void {
    if (this.#pumping) return;
    this.#pumping = true;
    try {
      for (let line = first; !this.closed; line = undefined) {
        if (line === undefined) {
          if (!this.#queue.length) break;
          line = this.#queue.shift();
          if (!this.secure && this.#queue.length < MAX_QUEUE / 2 && this.socket.isPaused()) {
            this.socket.resume();
          }
        }
        this.#armIdle();
        const pending = this.#dispatch(line);
        if (pending) {
          // One reaction for both outcomes: a failure is answered, then the pump goes on.
          this.#waitingFor = this.#dispatched;
          pending.then(this.#resumePump, this.#commandFailed);
          return;
        }
      }
    } catch (e) {
      this.#pumpFailed(e);
      return;
    }
    this.#pumping = false;
  }

  #resumePump = () => {
    this.#pumping = false;
    this.#pump();
  };

  /** A queued command's handler failed: answered as #dispatch answers one, and the pump goes on. */
  #commandFailed = (e: unknown) => {
    try {
      this.#failed(this.#waitingFor, e);
    } catch (e2) {
      this.#pumpFailed(e2);
      return;
    }
    this.#resumePump();
  };

  #pumpFailed = (e: unknown) => {
    this.#pumping = false;
    log.error("{tag} session failed, closing it: {error}", {
      tag: this.tag,
      error: (e as Error)?.stack ?? String(e),
    });
    this.close("internal error");
  };

  // ---------------------------------------------------------------- dispatch

  /**
   * Checks and runs one command; a promise only when its handler returned
   * one (see {@link #pump}), left to the caller to answer if it fails
   * ({@link #answered}; the command's name is in {@link #dispatched}). A
   * failure before that is answered here.
   */
  #dispatch(line: string): Promise<void> | undefined {
    const sp = line.indexOf(" ");
    let cmd = (sp < 0 ? line : line.slice(0, sp)).toUpperCase();
    let arg = sp < 0 ? "" : line.slice(sp + 1);
    // No closure for a debug line that goes nowhere: one that used `cmd` or
    // `line` made V8 allocate a context on every command, logged or not.
    if (log.enabled("debug")) {
      log.debug("{tag} <- {line}", { tag: this.tag, line: cmd === "PASS" ? "PASS ******" : line });
    }
    if (cmd === "SITE" && arg.trim()) {
      const [sub, ...rest] = arg.trim().split(" ");
      cmd = `SITE ${sub.toUpperCase()}`;
      arg = rest.join(" ");
    }
    const spec = this.host.commands[cmd];
    try {
      if (!spec) {
        const shown = cmd.replace(/[^\x21-\x7e ]/g, "?").slice(0, 40);
        throw new ReplyError(500, `Command "${shown}" not understood.`);
      }
      if (spec.arg === "required" && !arg) {
        throw new ReplyError(501, "Syntax error: command needs an argument.");
      }
      if (spec.arg === "none" && arg) {
        throw new ReplyError(501, "Syntax error: command does not accept arguments.");
      }
      if (spec.auth && !this.state.account) {
        throw new ReplyError(530, "Log in with USER and PASS first.");
      }
      // A pending RNFR only survives until the very next command (Pure-FTPd PR #193).
      if (cmd !== "RNTO") this.state.renameFrom = undefined;
      let path: string | undefined;
      if (spec.path) {
        let target = arg;
        if (spec.listing) target = stripListOptions(arg);
        path = ftpNormalize(this.state.cwd, target || this.state.cwd);
        if (spec.perm) this.requirePerm(spec.perm, path, spec.dirTarget ?? false);
      }
      const pending = spec.handler(this, arg, path);
      if (pending) {
        this.#dispatched = cmd;
        return pending;
      }
    } catch (e) {
      this.#failed(cmd, e);
    }
    return undefined;
  }

  /** `pending`, its failure answered (a function of its own: see #dispatch's debug line). */
  #answered(pending: Promise<void>, cmd: string): Promise<void> {
    return pending.then(undefined, (e) => this.#failed(cmd, e));
  }

  /** Answers a command's failure (and ends the session on a fault, a bug). */
  #failed(cmd: string, e: unknown): void {
    if (isFault(e)) {
      // A bug met by this session: it ends, the server and every other session go on.
      log.error("{tag} {cmd} failed unexpectedly, closing the session: {error}", {
        tag: this.tag,
        cmd,
        error: (e as Error).stack ?? String(e),
      });
      this.reply(421, "Internal error, closing control connection.");
      this.close("internal error", true);
      return;
    }
    if (!(e instanceof ReplyError)) {
      log.debug("{tag} {cmd} failed: {error}", () => ({
        tag: this.tag,
        cmd,
        error: (e as Error)?.message ?? String(e),
      }));
    }
    const [code, text] = replyFor(e);
    this.reply(code, text);
  }

  /** Throws 550 unless the logged-in user has `perm` on virtual `path`. */
  requirePerm(perm: string, path: string, isDir = false): void {
    const a = this.state.account;
    if (!a || !hasPerm(a.perm, a.overrides, perm, path, isDir)) {
      throw new ReplyError(550, "Not enough privileges.");
    }
  }

  /** Whether the logged-in user has `perm` on `path`. */
  can(perm: string, path: string, isDir = false): boolean {
    const a = this.state.account;
    return !!a && hasPerm(a.perm, a.overrides, perm, path, isDir);
  }

  /** The jailed filesystem of the logged-in user. */
  get jail(): JailedFs {
    if (!this.state.fs) throw new ReplyError(530, "Log in with USER and PASS first.");
    return this.state.fs;
  }

  // ---------------------------------------------------------------- replies

  /** Sends one reply; a multi-line text becomes an RFC 959 multi-line reply. */
  reply(code: number, text: string): void {
    if (log.enabled("debug")) {
      log.debug("{tag} -> {reply}", { tag: this.tag, reply: replyText(code, text).trimEnd() });
    }
    if (!this.socket.destroyed && this.socket.writable) this.socket.write(encodedReply(code, text));
  }

  // ---------------------------------------------------------------- login

  /** Makes `account` the session's user (after a successful PASS). */
  async login(account: UserAccount): Promise<void> {
    const endpoint = account.endpoint ?? this.options.endpoint;
    const fs = new JailedFs(endpoint, account.home);
    try {
      // Checked once per home, not on every login: a remote endpoint would pay a
      // round trip per login, and 300 logins at once queue their stats.
      let known = checkedHomes.get(endpoint);
      if (!known?.has(account.home)) {
        const st = await fs.stat("/");
        if (st.type !== "dir") throw new Error("home is not a directory");
        if (!known) checkedHomes.set(endpoint, known = new Set());
        known.add(account.home);
      }
    } catch (e) {
      log.error("{tag} home of {user} is not usable: {error}", {
        tag: this.tag,
        user: account.username,
        error: (e as Error)?.message,
      });
      throw new ReplyError(530, "Can't access the home directory.");
    }
    this.state.account = account;
    this.state.fs = fs;
    this.state.cwd = "/";
    this.state.pendingUser = undefined;
    this.loginFailures = 0;
    const limits = this.options;
    this.#readLimit = limits.readLimit > 0 ? new Throttle(limits.readLimit) : undefined;
    log.info("{tag} USER '{user}' logged in.", { tag: this.tag, user: account.username });
    if (this.hooks.length) {
      await runHooks(this.hooks, "onLogin", { ...this.info(), username: account.username });
    }
  }

  /**
   * Forgets the user (REIN, USER after login, disconnect): the whole per-login
   * state is replaced, so nothing the user set survives into the next login.
   * `closing`: the session ends, and its own info line (with the user's tag)
   * says so; the logout is then a debug line.
   */
  async logout(closing = false): Promise<void> {
    const account = this.#forgetUser(closing);
    if (account && this.hooks.length) {
      await runHooks(this.hooks, "onLogout", { ...this.info(), username: account.username });
    }
  }

  /** {@link logout} without its hook: the user it forgot, if one was logged in. */
  #forgetUser(closing: boolean): UserAccount | undefined {
    const account = this.state.account;
    if (!account) return undefined;
    const tag = this.tag;
    this.state = new LoginState();
    if (closing) {
      if (log.enabled("debug")) {
        log.debug("{tag} USER '{user}' logged out.", { tag, user: account.username });
      }
    } else log.info("{tag} USER '{user}' logged out.", { tag, user: account.username });
    return account;
  }

  /** REIN: logs out, starts a fresh per-login state and closes a prepared data connection. */
  async reinitialize(): Promise<void> {
    await this.logout();
    this.state = new LoginState();
    this.data.close();
  }

  /** Waits `ms`, or less if the session closes meanwhile. */
  sleep(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const done = () => {
        clearTimeout(timer);
        this.#sleepers!.delete(done);
        resolve();
      };
      const timer = setTimeout(done, ms);
      (this.#sleepers ??= new Set()).add(done);
    });
  }

  // ---------------------------------------------------------------- TLS

  /**
   * AUTH TLS: answers 234 and runs the handshake. Whatever the client sent
   * after AUTH in plain text is thrown away, never executed (CVE-2011-1575).
   */
  async upgradeTls(text: string): Promise<void> {
    const ctx = this.host.tlsContext!;
    const plain = this.socket as net.Socket;
    this.#discarding = true;
    plain.pause();
    plain.off("data", this.#onData);
    this.#queue.clear();
    this.#buf = new Uint8Array(0);
    while (plain.read() !== null) { /* drop buffered plaintext */ }
    await new Promise<void>((resolve) => plain.write(`234 ${text}\r\n`, () => resolve()));
    log.debug("{tag} -> 234 {text}", { tag: this.tag, text });
    let secure: tls.TLSSocket;
    try {
      secure = await acceptTls(plain, ctx, this.options.tlsHandshakeTimeoutMs);
    } catch (e) {
      log.info("{tag} TLS handshake failed: {error}", {
        tag: this.tag,
        error: (e as Error).message,
      });
      this.close("TLS handshake failed");
      return;
    }
    this.socket = secure;
    this.secure = true;
    this.#discarding = false;
    this.#attach(secure);
    secure.on("close", () => this.close("client disconnected"));
  }

  /** The secure context for data connections when PROT P is on. */
  dataTls(): tls.SecureContext | undefined {
    return this.prot === "P" ? this.host.tlsContext : undefined;
  }

  // ---------------------------------------------------------------- transfers

  /**
   * Runs one data transfer: 125/150, the data connection (TLS if PROT P), the
   * pump, then the outcome. The caller sends the final reply on success;
   * failures are answered here (426, 421 on a stall, nothing after ABOR, which
   * answers for itself).
   */
  async transfer(
    command: string,
    path: string,
    pump: (sock: DataSocket, opts: PumpOptions) => Promise<void>,
    options: { upload?: boolean; preliminary?: string; onSetupFailed?: () => unknown } = {},
  ): Promise<TransferResult> {
    // The work before and after the awaits is in methods of their own: an
    // async function keeps all its registers for as long as it waits (V8 saves
    // them in an array made per call, sized by the whole function).
    if (!this.data.ready) {
      await options.onSetupFailed?.();
      throw new ReplyError(425, "Use PORT or PASV first.");
    }
    const active = this.#transferStarts(command, path, options.preliminary);
    try {
      let sock: DataSocket;
      try {
        sock = await this.data.take(this.dataTls(), this.options.requireTlsSessionReuse);
      } catch (e) {
        await options.onSetupFailed?.();
        throw e;
      }
      await pump(sock, this.#pumpOptions(active, options.upload));
      return {
        ok: true,
        bytes: active.progress.bytes,
        seconds: (performance.now() - active.started) / 1000,
      };
    } catch (e) {
      return this.#transferFailed(active, e);
    } finally {
      this.activeTransfer = undefined;
      this.#armIdle();
      this.host.transferEnded(this);
    }
  }

  /** {@link transfer}'s start: the 125/150, the active transfer, the idle clock stopped. */
  #transferStarts(command: string, path: string, preliminary?: string): ActiveTransfer {
    const started = performance.now();
    const connected = this.data.connected;
    this.reply(
      connected ? 125 : 150,
      preliminary ??
        (connected
          ? "Data connection already open. Transfer starting."
          : "File status okay. About to open data connection."),
    );
    const active = {
      command,
      path,
      controller: new TransferAbort(),
      progress: { bytes: 0 },
      started,
    };
    this.activeTransfer = active;
    this.#disarmIdle();
    return active;
  }

  /** The pump's options for the transfer `active`. */
  #pumpOptions(active: ActiveTransfer, upload?: boolean): PumpOptions {
    const limit = upload ? this.options.writeLimit : 0;
    return {
      ascii: this.state.type === "A",
      throttle: upload ? (limit > 0 ? new Throttle(limit) : undefined) : this.#readLimit,
      signal: active.controller,
      dataTimeout: this.options.dataTimeoutMs,
      progress: active.progress,
      chunkSize: this.options.transferChunkSize,
    };
  }

  /** Answers a failed transfer (426, 421 on a stall, nothing after ABOR) and says how it ended. */
  #transferFailed(active: ActiveTransfer, e: unknown): TransferResult {
    const result = {
      ok: false,
      bytes: active.progress.bytes,
      seconds: (performance.now() - active.started) / 1000,
      error: e,
    };
    if (e instanceof AbortedError || active.controller.aborted) { /* ABOR answers */ }
    else if (e instanceof ReplyError) this.reply(e.reply, e.message);
    else if (e instanceof DataTimeoutError) {
      this.reply(421, "Data connection timed out.");
      this.close("data timeout", true);
    } else if (errorCode(e) && replyFor(e)[0] !== 451) {
      const [code, text] = replyFor(e);
      this.reply(code, text);
    } else this.reply(426, "Connection closed; transfer aborted.");
    return result;
  }

  /** Writes pyftpdlib's transfer log line. */
  logTransfer(command: string, path: string, ok: boolean, bytes: number, seconds: number): void {
    log.info("{tag} {command} {path} completed={ok} bytes={bytes} seconds={seconds}", {
      tag: this.tag,
      command,
      path,
      ok: ok ? 1 : 0,
      bytes,
      seconds: Number(seconds.toFixed(3)),
    });
  }

  /** Builds the payload of transfer hooks. */
  transferEvent(path: string, endpointPath: string, r: TransferResult): TransferEvent {
    return { ...this.info(), path, endpointPath, bytes: r.bytes, seconds: r.seconds };
  }

  // ---------------------------------------------------------------- timers, close

  /**
   * (Re)starts the idle clock: a command moves the deadline, which the
   * server's shared ticker checks (ticker.ts; a timer made and cleared per
   * command cost ~3 % of the server's CPU with 300 busy sessions, and one
   * per session was still one of its five timers). The session is closed
   * at most a quarter of the timeout (a second at most) after its deadline.
   */
  #armIdle() {
    const ms = this.options.idleTimeoutMs;
    if (!(ms > 0) || this.activeTransfer || this.closed) {
      this.#idleDeadline = undefined;
      return;
    }
    this.#idleDeadline = performance.now() + ms;
    this.#stopIdle ??= onTick(tickPeriod(ms), this.#onIdle);
  }

  #onIdle = (now: number) => {
    if (this.#idleDeadline === undefined || this.closed || now < this.#idleDeadline) return;
    this.reply(421, "Control connection timed out.");
    this.close("idle timeout", true);
  };

  /** Stops the idle clock (a transfer runs): the ticker finds no deadline. */
  #disarmIdle() {
    this.#idleDeadline = undefined;
  }

  /**
   * Ends the session (idempotent). `graceful` flushes pending replies first.
   */
  close(reason: string, graceful = false): void {
    if (this.closed) return;
    this.closed = true;
    this.#disarmIdle();
    this.#stopIdle?.();
    this.#stopIdle = undefined;
    if (this.#sleepers) { for (const wake of [...this.#sleepers]) wake(); }
    this.activeTransfer?.controller.abort();
    this.data.close();
    this.#queue.clear();
    if (graceful && !this.socket.destroyed) {
      const sock = this.socket;
      sock.end();
      // A client that never closes its side must not keep the socket alive.
      sock.once("close", after(2000, () => sock.destroy()));
    } else this.socket.destroy();
    // Before the logout below forgets the user: the line names who left (as pyftpdlib's).
    log.info("{tag} FTP session closed ({reason}).", { tag: this.tag, reason });
    if (!this.hooks.length) this.#forgetUser(true); // no hook: no promise and async closure
    else {
      void (async () => {
        await this.logout(true);
        await runHooks(this.hooks, "onDisconnect", this.info());
      })();
    }
    this.host.sessionClosed(this);
  }
}
