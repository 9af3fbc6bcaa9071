/**
 * One FTP client session's state (`ClientSession`), shared by `FtpClient`
 * (ftp/client.ts) and the modules that carry out its longer sequences: the control connection, the
 * options as resolved, what the session has learned (TYPE, FEAT, PROT,
 * whether EPSV works, a port opened ahead), the lock that gives the
 * connection to one command at a time, and the place behind a running
 * download. The client makes one when it is made and hands it to those
 * modules; it is no part of the public API.
 * @module
 */
import type tls from "node:tls";
import { logger } from "../util/log.ts";
import type { FtpClientOptions } from "./client_options.ts";
import type { ControlConnection } from "./control.ts";
import type { DataChannelState } from "./data.ts";
import { FtpSessionClosedError } from "./errors.ts";
import { parseEpsv, type Reply } from "./reply.ts";
import { tlsCodeIfLoaded } from "./tls_code.ts";
import type { ChannelOpener, DataSecurity } from "./transfer_setup.ts";

const log = logger("ftp", "client");

/** {@link FtpClientOptions} with the defaults filled in. */
export type ResolvedOptions =
  & Required<
    Pick<
      FtpClientOptions,
      "timeoutMs" | "passive" | "epsv" | "trustPasvHost" | "encoding" | "maxListingBytes"
    >
  >
  & FtpClientOptions;

/**
 * What a session reads of the client that owns it (`FtpClient` is one): the
 * hooks a session pool sets, the time shift the caller may change, and QUIT
 * (a session retired for want of TLS tickets says goodbye).
 */
export interface SessionOwner {
  /** See `FtpClient.onQueueable`. */
  onQueueable?: () => void;
  /** See `FtpClient.portBehindReads`. */
  portBehindReads?: () => boolean;
  /** Seconds subtracted from server-local listing times. */
  timeShift: number;
  /** Whether {@link timeShift} applies to MLSD/MLST times too. */
  mlsdLocalTime: boolean;
  /** QUIT politely, then close. */
  quit(): Promise<void>;
}

/**
 * The state of one control connection's session and its lock.
 *
 * @example
 * ```ts
 * const session = new ClientSession(control, welcome.text, options, client);
 * const reply = await session.exclusive(() => session.control.command("NOOP"));
 * ```
 */
export class ClientSession {
  /** The control connection. */
  readonly control: ControlConnection;
  /** The client's options, defaults filled in. */
  readonly options: ResolvedOptions;
  /** The server's welcome text (220 reply): tells some servers apart. */
  readonly welcome: string;
  /** The client this session belongs to. */
  readonly owner: SessionOwner;
  /** What the data channels learned of EPSV (./data.ts). */
  readonly channel: DataChannelState = { epsv: true };
  /** A passive port opened ahead (`epsvAhead`) and when its 229 came. */
  ready?: { port: number; at: number };
  /** Holders and waiters of the lock. */
  holders = 0;
  #lock: Promise<void> = Promise.resolve();
  /** The running transfer is a download another may queue behind (see `queueReads`). */
  queueable = false;
  /**
   * An upload whose bytes went before its 150 never got its final reply (the
   * server may drop such bytes, as pyftpdlib does): no more write-ahead here.
   */
  earlyDataDropped = false;
  /** A download's lines were sent behind the running transfer. */
  queuedBehind = false;
  /**
   * The place behind the running download was promised to one caller
   * (`FtpClient.claimQueue`): no other is lent the session for it until that
   * caller's transfer starts.
   */
  claimed = false;
  /** The TYPE the server has now, once one was set. */
  type?: "A" | "I";
  /** The FEAT answer, once known. */
  features?: Map<string, string>;
  /** PROT P is in force: data connections are TLS. */
  dataProtected = false;
  /** Closed for want of TLS tickets: QUITs after whatever already waits (see {@link retire}). */
  retired = false;
  /** Lines of a pipelined login written before the client existed (`FtpClient.adopt`). */
  sentLogin?: string[];
  /** The server accepted the login (230/202 read), whatever came after it. */
  loggedIn = false;
  /**
   * The PWD answered in a pipelined login, and how many lines the control
   * connection had sent then: `FtpClient.pwd` takes it while no line went since.
   */
  loginDir?: { reply: Reply; sent: number };
  /**
   * The MLST replies read in a login (`featuresAhead`), by line, and how many
   * lines the control connection had sent then: `FtpClient.mlst` takes one while
   * no line went since (nothing this session did can have changed the path).
   */
  loginStats?: { replies: Map<string, Reply>; sent: number };
  /**
   * The data-connection strategies (./transfer_setup.ts) made for the PROT
   * level in force (see ./transfer_start.ts).
   */
  strategies?: { protected: boolean; opener: ChannelOpener; security: DataSecurity };
  /** The server refused `LIST -a`: plain LIST from now on. */
  listAllRejected = false;

  constructor(
    control: ControlConnection,
    welcome: string,
    options: FtpClientOptions,
    owner: SessionOwner,
  ) {
    this.control = control;
    this.welcome = welcome;
    this.owner = owner;
    this.options = {
      timeoutMs: 30_000,
      passive: true,
      epsv: true,
      trustPasvHost: false,
      encoding: "utf-8",
      maxListingBytes: 256 * 1024 * 1024,
      ...options,
    };
    if (options.features) this.features = new Map(options.features);
    if (options.epsvWorks) this.channel.epsvWorked = true;
  }

  /** The deadline for every wait, in milliseconds. */
  get timeout(): number {
    return this.options.timeoutMs;
  }

  /** Whether the control connection is encrypted. */
  get secure(): boolean {
    return this.control.socket.constructor.name === "TLSSocket" ||
      "encrypted" in this.control.socket;
  }

  /** Whether the session is gone or retired (see `FtpClient.closed`). */
  get closed(): boolean {
    return this.retired || this.control.closed;
  }

  /** Whether EPSV worked on this session (see `FtpClientOptions.epsvWorks`). */
  get epsvWorked(): boolean {
    return this.channel.epsv && this.channel.epsvWorked === true;
  }

  /** Whether a download asked now may queue behind the running one (see `queueReads`). */
  canQueue(): boolean {
    return this.queueable && this.holders === 1 && !this.closed;
  }

  /** Whether `queueReads` is on for this session (the option, else the welcome). */
  get queuesReads(): boolean {
    // Not ProFTPD: where it sends with its read/write loop (`UseSendfile off`, ASCII, TLS,
    // sendfile failing) it reads commands that arrive during a transfer and answers a
    // queued EPSV with "450 EPSV: data transfer in progress" before the running 226.
    return this.options.queueReads ?? /vsftpd/i.test(this.welcome);
  }

  /**
   * `epsvAhead`'s default: the option, else `queueReads` if given, else a
   * server that reads lines already in its input only after a transfer's 226
   * (vsftpd, ProFTPD: a line in the same write as the transfer's command).
   */
  get epsvAheadOn(): boolean {
    return this.options.epsvAhead ?? this.options.queueReads ??
      /vsftpd|ProFTPD/i.test(this.welcome);
  }

  /** Whether `renameAfter` sends the next transfer's EPSV along (`epsvAhead`). */
  get epsvAhead(): boolean {
    return this.epsvAheadOn && this.options.passive !== false &&
      !this.dataProtected && this.epsvWorked;
  }

  /**
   * Whether a pipelined login ends with TYPE A and EPSV (`portAhead`): the
   * port then serves the session's first transfer, as `epsvAhead`'s does
   * (same servers, plain passive sessions), whether EPSV worked yet or not.
   */
  get portAheadAtLogin(): boolean {
    return this.epsvAheadOn && this.options.passive !== false &&
      this.options.epsv !== false && !this.secure;
  }

  /** MLSD/MLST times are UTC (RFC 3659) unless the server is known to differ. */
  shiftFor(mlsd: boolean): number {
    return mlsd && !this.owner.mlsdLocalTime ? 0 : this.owner.timeShift;
  }

  /** Keeps the port of an EPSV sent ahead (a 229) for the next transfer; anything else, none. */
  keepPort(reply: Reply): void {
    this.ready = undefined;
    if (reply.code !== 229) return;
    try {
      this.ready = { port: parseEpsv(reply.text), at: performance.now() };
    } catch { /* no port to keep */ }
  }

  /** A 4xx to a transfer on a TLS session: maybe the data connection could not resume. */
  noteRefusal(reply: Reply): void {
    if (!this.dataProtected || reply.code < 400 || reply.code >= 500) return;
    // A protected session made its TLS with the TLS code: it is loaded.
    if (tlsCodeIfLoaded()?.explainDataRefusal(this.control.socket as tls.TLSSocket)) {
      this.retire("it has no TLS 1.3 ticket left to resume");
    }
  }

  /**
   * Marks the session closed at once and QUITs after whatever already waits
   * for it (`why` is logged). Nothing is cut: a command already sent, or
   * waiting for the lock before the QUIT, still gets its replies.
   */
  retire(why: string): void {
    if (this.retired || this.control.closed) return;
    this.retired = true;
    log.info("closing the session to {peer}: {why}", { peer: this.control.peer, why });
    void this.owner.quit();
  }

  /** Waits for the lock; resolves with its release (idempotent). */
  acquire(): Promise<() => void> {
    this.holders++;
    let release!: () => void;
    const next = new Promise<void>((resolve) => {
      let released = false;
      release = () => {
        if (released) return;
        released = true;
        this.holders--;
        resolve();
      };
    });
    const previous = this.#lock;
    this.#lock = previous.then(() => next);
    return previous.then(() => release);
  }

  /**
   * Throws {@link FtpSessionClosedError} (the lock released) when the session
   * closed while this command waited for it: a retired TLS session QUITs
   * behind the commands already waiting, and one that came later never reaches
   * the server, so the pool may run it on another session.
   */
  unsentIfClosed(release: () => void, command?: string): void {
    if (!this.control.closed) return;
    release();
    throw new FtpSessionClosedError(command);
  }

  /** Runs `fn` holding the lock (no other command of this session meanwhile). */
  async exclusive<T>(fn: () => Promise<T>): Promise<T> {
    const release = await this.acquire();
    this.unsentIfClosed(release);
    try {
      return await fn();
    } finally {
      release();
    }
  }
}
