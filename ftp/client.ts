/**
 * `FtpClient`: an ftplib-like FTP/FTPS client on Web Streams. One control
 * connection, one command at a time (a transfer holds the connection until its
 * final reply); every wait has a deadline.
 *
 * This module is the client's public surface and its short commands. The
 * longer sequences live beside it as functions of the session's state
 * (./client_session.ts), which the client hands them: the control
 * connection and its welcome (./connect.ts), the login (./login.ts), a
 * transfer's start (./transfer_start.ts; then ./transfer_setup.ts,
 * ./transfer.ts, ./transfer_end.ts), the listings (./listing_commands.ts)
 * and the short commands sent together in one write (./pipelined.ts: FEAT
 * with queries behind it, TYPE + SIZE, RNFR + RNTO). The options are in
 * ./client_options.ts.
 * @module
 */
import type { ReadSource } from "../util/files.ts";
import type { FtpClientOptions, RawControl, TransferOptions } from "./client_options.ts";
import { ClientSession } from "./client_session.ts";
import { adoptControl, openControl } from "./connect.ts";
import type { ControlConnection } from "./control.ts";
import { CommandNotImplementedError, errorForReply, FtpProtocolError } from "./errors.ts";
import { type Listing, parseMlstReply, parseNlst } from "./listing/index.ts";
import type { ListEntry } from "./listing/types.ts";
import {
  fromInside,
  listCommand,
  listEntries,
  retrieveText,
  withListAll,
} from "./listing_commands.ts";
import { loginSequence, pipelinesLogin } from "./login.ts";
import { type StatListing, statListing } from "./stat_listing.ts";
import { featuresAhead, renameAfterBurst, renameBurst, sizeOf } from "./pipelined.ts";
import { formatFtpTime, parse257, parseFeatures, parseFtpTime, type Reply } from "./reply.ts";
import { TlsFallbackError } from "./tls/errors.ts";
import { tlsCode } from "./tls_code.ts";
import { retrieveSource, retrieveStream, storeStream, type TransferHandle } from "./transfer.ts";
import { readAbortReplies } from "./transfer_end.ts";
import { startTransfer } from "./transfer_start.ts";

export {
  type FtpClientOptions,
  type RawControl,
  READY_PORT_MS,
  type TlsMode,
  type TransferOptions,
} from "./client_options.ts";

/**
 * An FTP/FTPS client.
 *
 * @example
 * ```ts
 * const ftp = await FtpClient.connect({ host: "127.0.0.1", port: 2121 });
 * await ftp.login("user", "secret");
 * const entries = await ftp.list("/pub");
 * const data = await ftp.retrieve("/pub/file.bin");
 * await data.pipeTo((await Deno.create("file.bin")).writable);
 * await ftp.quit();
 * ```
 */
export class FtpClient {
  /** The session's state and lock, handed to the modules of its sequences. */
  readonly #session: ClientSession;
  /**
   * Called when a download another may queue behind started (a session pool
   * wakes the callers waiting for a session).
   */
  onQueueable?: () => void;
  /**
   * Asked as a small plain download's lines have gone out, on a session that
   * keeps ports opened ahead (`epsvAhead`): true sends the next transfer's
   * EPSV right behind them, instead of leaving the place behind the download
   * to another caller's download (`queueable`). The server answers it after
   * the download's final reply (it reads commands one after another), and
   * the port serves the session's next transfer, download, upload or
   * listing: a round trip less for each transfer that follows a download. A
   * session pool answers true when no caller waits for a session. Unset: never.
   */
  portBehindReads?: () => boolean;
  #hashAlgorithm?: string;
  /** The server's welcome text (220 reply). */
  readonly welcome: string;
  /** The time shift applied to LIST times (seconds; server-local minus UTC). */
  timeShift: number;
  /** Whether {@link timeShift} applies to MLSD/MLST times too (see the option). */
  mlsdLocalTime: boolean;

  private constructor(control: ControlConnection, welcome: string, options: FtpClientOptions) {
    this.welcome = welcome;
    this.timeShift = options.timeShift ?? 0;
    this.mlsdLocalTime = options.mlsdLocalTime ?? false;
    this.#session = new ClientSession(control, welcome, options, this);
  }

  /** The FEAT answer when this session has it already (no command sent). */
  get knownFeatures(): ReadonlyMap<string, string> | undefined {
    return this.#session.features;
  }

  /**
   * Whether a write-ahead upload on this session got its 1xx but no final
   * reply after its data (`FtpClientOptions.writeAhead`): the server may drop
   * bytes that come before its 150. Later uploads here wait for the 150; a
   * session pool makes its new sessions so too.
   */
  get earlyDataDropped(): boolean {
    return this.#session.earlyDataDropped;
  }

  /** Whether EPSV worked on this session (see `FtpClientOptions.epsvWorks`). */
  get epsvWorked(): boolean {
    return this.#session.epsvWorked;
  }

  /**
   * Takes EPSV as working on this session because another session to the same
   * server used it (`FtpClientOptions.epsvWorks`, learned after this one connected).
   *
   * @example
   * ```ts
   * if (main.epsvWorked) child.assumeEpsvWorks();
   * ```
   */
  assumeEpsvWorks(): void {
    if (this.#session.options.epsv && this.#session.channel.epsv) {
      this.#session.channel.epsvWorked = true;
    }
  }

  /** Whether `login` pipelines (the option, else the welcome). */
  get pipelinesLogin(): boolean {
    return pipelinesLogin(this.#session);
  }

  /**
   * Connects, reads the welcome, and for `tls: "explicit"` negotiates AUTH TLS.
   *
   * @example
   * ```ts
   * const ftp = await FtpClient.connect({ host: "ftp.example.org", tls: "explicit" });
   * ```
   */
  static async connect(options: FtpClientOptions): Promise<FtpClient> {
    try {
      return await FtpClient.#connectOnce(options);
    } catch (error) {
      // TLS 1.2 alone was offered first to a TLS 1.3-only server, which is now
      // marked as such: the next connection negotiates TLS 1.3.
      if (!(error instanceof TlsFallbackError)) throw error;
      return await FtpClient.#connectOnce(options);
    }
  }

  static async #connectOnce(options: FtpClientOptions): Promise<FtpClient> {
    const { control, welcome, host, port } = await openControl(options);
    try {
      const client = new FtpClient(control, welcome, { ...options, host, port });
      if (options.tls === "explicit") await client.auth();
      return client;
    } catch (error) {
      control.destroy();
      throw error;
    }
  }

  /**
   * A client over a plain connection opened elsewhere, its welcome read, and
   * perhaps the lines of a pipelined login written already (`sent`): the
   * CLI's head start connects and logs in before this module has loaded
   * (cli/head_start.ts). {@link login} must then be called with the same
   * user and password, and writes nothing of what was sent.
   *
   * @example
   * ```ts
   * const ftp = FtpClient.adopt(conn, { welcome }, { host: "127.0.0.1", port: 21 });
   * await ftp.login("bob", "secret");
   * ```
   */
  static adopt(
    conn: Deno.TcpConn,
    start: { welcome: Reply; sent?: readonly string[] },
    options: FtpClientOptions,
  ): FtpClient {
    const { control, host, port } = adoptControl(conn, options);
    const client = new FtpClient(control, start.welcome.text, {
      ...options,
      host,
      port,
      tls: "none",
    });
    if (start.sent?.length) client.#session.sentLogin = [...start.sent];
    return client;
  }

  /** Whether the control connection is encrypted. */
  get secure(): boolean {
    return this.#session.secure;
  }

  /**
   * Whether the session is gone, or can no longer make data connections and
   * is on its way out: a TLS 1.3 session to a server that refused a data
   * connection it could not resume (docs/TLS.md). A session pool then makes a
   * new one.
   */
  get closed(): boolean {
    return this.#session.closed;
  }

  /**
   * Resolves once the control connection is closed for the system too (see
   * `ControlConnection.gone`): a retired session after its QUIT, a dropped
   * one once its socket is released. Until then the server may still count
   * it, so a pool that makes a new session first would have one more open.
   *
   * @example
   * ```ts
   * ftp.close();
   * await ftp.gone;
   * ```
   */
  get gone(): Promise<void> {
    return this.#session.control.gone;
  }

  /** This process's number for the session's control connection (`#2` in a trace). */
  get conn(): number {
    return this.#session.control.conn;
  }

  /**
   * Whether a download asked now would queue behind the running one (its
   * lines sent at once) rather than wait for the session: see `queueReads`.
   */
  get queueable(): boolean {
    return this.#session.canQueue() && !this.#session.claimed;
  }

  /**
   * Takes the place behind the running download for the caller's next
   * download (see {@link queueable}), so that callers woken together do not
   * all take it: the second would wait for the session instead of queueing
   * (its lines sent only after the first's final reply, a round trip lost).
   * The claim ends when the next transfer on this session starts; it queues
   * only if the running download still allows it then. False when there is
   * no place (or it was claimed already).
   *
   * @example
   * ```ts
   * if (client.claimQueue()) await client.retrieve("next.bin", { expectedSize: 10 });
   * ```
   */
  claimQueue(): boolean {
    if (!this.queueable) return false;
    this.#session.claimed = true;
    return true;
  }

  /** Whether `queueReads` is on for this session (the option, else the welcome). */
  get queuesReads(): boolean {
    return this.#session.queuesReads;
  }

  /**
   * The quickest reply to a command on this session so far, in milliseconds
   * (Infinity before the first): the round trip to the server, about. Tells a
   * long link (where parallel streams pay) from the same host or a LAN.
   */
  get fastestReplyMs(): number {
    return this.#session.control.fastestReplyMs;
  }

  /** The connection's peer as `host:port`. */
  get peer(): string {
    return this.#session.control.peer;
  }

  /**
   * Whether the server accepted the login (its 230 or 202 was read), even when
   * the login then failed on what followed it in the same write (FEAT, PBSZ...):
   * a server that closes the session right after its 230 tells something else
   * than one that refuses the password (the UFTPD, whose base directory is missing).
   *
   * @example
   * ```ts
   * await ftp.login("bob", pw).catch((e) => { if (ftp.loggedIn) console.log("closed after 230"); throw e; });
   * ```
   */
  get loggedIn(): boolean {
    return this.#session.loggedIn;
  }

  /**
   * Sends AUTH TLS and upgrades the control connection (explicit FTPS).
   *
   * @example
   * ```ts
   * const ftp = await FtpClient.connect({ host: "ftp.example.org" });
   * await ftp.auth(); // then login: the password travels encrypted
   * ```
   */
  auth(): Promise<void> {
    return this.#session.exclusive(async () => {
      if (!("setNoDelay" in this.#session.control.socket)) {
        // nativeControl or adopted: refused before AUTH TLS goes out (node:tls needs a node socket).
        throw new FtpProtocolError("cannot start TLS on a native (Deno.Conn) control connection");
      }
      const { startTlsClient } = await tlsCode(); // before AUTH: the handshake follows at once
      const reply = await this.#session.control.command("AUTH TLS");
      if (reply.code !== 234) throw errorForReply(reply, "AUTH TLS");
      await this.#session.control.upgrade((plain) =>
        startTlsClient(
          plain,
          this.#session.options.host,
          this.#session.options.tlsOptions ?? {},
          this.#session.timeout,
        )
      );
      this.#session.features = undefined; // RFC 4217: features may change after AUTH.
    });
  }

  /**
   * Logs in (anonymous by default). Under TLS, also sets PBSZ 0 and PROT P (or C).
   * After login, turns on UTF-8 names when the server offers it.
   * `onPasswordSent` is called when PASS has left (or no PASS is asked for):
   * the server checks the password meanwhile, often its slowest step, which
   * a caller can use to do its own work (the CLI loads its modules).
   *
   * @example
   * ```ts
   * await ftp.login("bob", Deno.env.get("FTP_PASSWORD"));
   * ```
   */
  login(
    user = "anonymous",
    password = "anonymous@",
    account = "",
    onPasswordSent?: () => void,
  ): Promise<Reply> {
    return loginSequence(this.#session, this, user, password, account, onPasswordSent);
  }

  /**
   * Sets the data channel protection level (PBSZ 0 + PROT P|C).
   *
   * @example
   * ```ts
   * await ftp.prot("P"); // data connections encrypted too
   * ```
   */
  async prot(level: "P" | "C"): Promise<void> {
    await this.voidcmd("PBSZ 0");
    await this.voidcmd(`PROT ${level}`);
    this.#session.dataProtected = level === "P";
  }

  /**
   * Sends a command and returns its reply; throws a typed error on 4xx/5xx
   * (ftplib's `sendcmd`).
   *
   * @example
   * ```ts
   * const reply = await ftp.sendcmd("SYST"); // { code: 215, text: "UNIX Type: L8" }
   * ```
   */
  sendcmd(command: string): Promise<Reply> {
    return this.#session.exclusive(async () => {
      const reply = await this.#session.control.command(command);
      if (reply.code >= 400) throw errorForReply(reply, command);
      return reply;
    });
  }

  /**
   * Sends a command and expects a 2xx reply (ftplib's `voidcmd`).
   *
   * @example
   * ```ts
   * await ftp.voidcmd("NOOP");
   * ```
   */
  async voidcmd(command: string): Promise<Reply> {
    const reply = await this.sendcmd(command);
    if (reply.code < 200 || reply.code >= 300) throw errorForReply(reply, command);
    return reply;
  }

  /**
   * FEAT, parsed into upper-case feature names and their parameters; cached.
   * `ahead`: commands sent in FEAT's write (alone when FEAT is cached), their
   * replies, refusals included, handed to `onAhead` in turn: one round trip
   * for both.
   *
   * @example
   * ```ts
   * (await ftp.features()).has("MLST"); // true on most servers
   * await ftp.features({ ahead: ["MLST ."], onAhead: ([mlst]) => console.log(mlst.code) });
   * ```
   */
  async features(
    queries: { ahead?: readonly string[]; onAhead?: (replies: Reply[]) => void } = {},
  ): Promise<Map<string, string>> {
    const ahead = queries.ahead ?? [];
    if (ahead.length === 0) {
      if (this.#session.features) return this.#session.features;
      const reply = await this.sendcmd("FEAT").catch((error) => {
        if (error instanceof CommandNotImplementedError) return undefined;
        throw error;
      });
      return this.#session.features = reply ? parseFeatures(reply) : new Map();
    }
    const replies = await featuresAhead(this.#session, ahead);
    queries.onAhead?.(replies);
    return this.#session.features!;
  }

  /**
   * NOOP (keep-alive).
   *
   * @example
   * ```ts
   * await ftp.noop();
   * ```
   */
  async noop(): Promise<void> {
    await this.voidcmd("NOOP");
  }

  /**
   * PWD, with RFC 959's doubled quotes undone.
   *
   * @example
   * ```ts
   * await ftp.pwd(); // "/home/bob"
   * ```
   */
  async pwd(): Promise<string> {
    const login = this.#session.loginDir;
    this.#session.loginDir = undefined;
    // Nothing sent since the login's PWD (pipelined with it): its answer stands.
    const reply = login && login.sent === this.#session.control.sentLines
      ? login.reply
      : await this.voidcmd("PWD");
    return parse257(reply.text);
  }

  /**
   * CWD (`..` is sent as CDUP, like ftplib).
   *
   * @example
   * ```ts
   * await ftp.cwd("pub/releases");
   * ```
   */
  async cwd(path: string): Promise<void> {
    await this.voidcmd(path === ".." ? "CDUP" : `CWD ${path}`);
  }

  /**
   * CDUP.
   *
   * @example
   * ```ts
   * await ftp.cdup();
   * ```
   */
  async cdup(): Promise<void> {
    await this.voidcmd("CDUP");
  }

  /**
   * MKD; returns the created path from the 257 reply (or `path` if the server gives none).
   *
   * @example
   * ```ts
   * await ftp.mkd("incoming/new"); // "/incoming/new"
   * ```
   */
  async mkd(path: string): Promise<string> {
    const reply = await this.voidcmd(`MKD ${path}`);
    try {
      return parse257(reply.text);
    } catch {
      return path;
    }
  }

  /**
   * RMD.
   *
   * @example
   * ```ts
   * await ftp.rmd("incoming/old");
   * ```
   */
  async rmd(path: string): Promise<void> {
    await this.voidcmd(`RMD ${path}`);
  }

  /**
   * DELE.
   *
   * @example
   * ```ts
   * await ftp.delete("incoming/a.tmp");
   * ```
   */
  async delete(path: string): Promise<void> {
    await this.voidcmd(`DELE ${path}`);
  }

  /**
   * RNFR + RNTO, in one write (one round trip): after a refused RNFR the
   * server answers RNTO with 503 (no rename pending) and nothing moves.
   *
   * @example
   * ```ts
   * await ftp.rename("incoming/a.tmp", "incoming/a.txt");
   * ```
   */
  rename(from: string, to: string): Promise<void> {
    return renameBurst(this.#session, from, to);
  }

  /**
   * `command` (one that changes `from` itself, e.g. `MFMT time from`), then
   * RNFR+RNTO, in one write: one round trip where the server answers a burst
   * at once. The rename goes ahead whatever `command`'s reply; that reply is
   * returned (a refusal is not thrown), a failed rename throws.
   *
   * @example
   * ```ts
   * const set = await ftp.renameAfter("MFMT 20261130081500 up/.a.part", "up/.a.part", "up/a");
   * if (set.code !== 213) console.log("mtime not set:", set.text);
   * ```
   */
  renameAfter(command: string, from: string, to: string): Promise<Reply> {
    return renameAfterBurst(this.#session, command, from, to);
  }

  /**
   * SIZE in bytes (sent in binary mode, as the size depends on TYPE).
   *
   * @example
   * ```ts
   * await ftp.size("pub/a.iso"); // 734003200
   * ```
   */
  size(path: string): Promise<number> {
    return sizeOf(this.#session, path);
  }

  /**
   * MDTM as a UTC date (RFC 3659; no time shift applied).
   *
   * @example
   * ```ts
   * await ftp.mdtm("pub/a.iso"); // 2026-11-30T08:15:00.000Z
   * ```
   */
  async mdtm(path: string): Promise<Date> {
    const reply = await this.voidcmd(`MDTM ${path}`);
    return parseFtpTime(reply.text.trim().split(/\s+/)[0]);
  }

  /**
   * MFMT: sets the modification time (UTC).
   *
   * @example
   * ```ts
   * await ftp.mfmt("pub/a.iso", new Date("2026-11-30T08:15:00Z"));
   * ```
   */
  async mfmt(path: string, mtime: Date): Promise<void> {
    await this.voidcmd(`MFMT ${formatFtpTime(mtime)} ${path}`);
  }

  /**
   * Sets a file's modification time the way the server can: MFMT when FEAT
   * offers it, else the two-argument `MDTM time path` that vsftpd
   * (`mdtm_write=YES`) and others accept. Throws CommandNotImplementedError if
   * neither works.
   *
   * @example
   * ```ts
   * await ftp.setMtime("a.txt", new Date("2020-01-01T00:00:00Z"));
   * ```
   */
  async setMtime(path: string, mtime: Date): Promise<void> {
    const features = await this.features();
    if (features.has("MFMT")) return await this.mfmt(path, mtime);
    const reply = await this.voidcmd(`MDTM ${formatFtpTime(mtime)} ${path}`);
    if (reply.code !== 213) throw errorForReply(reply, "MDTM (set)");
  }

  /**
   * SITE CHMOD (octal mode). 502 becomes CommandNotImplementedError.
   *
   * @example
   * ```ts
   * await ftp.chmod("bin/run.sh", 0o755);
   * ```
   */
  async chmod(path: string, mode: number): Promise<void> {
    await this.voidcmd(`SITE CHMOD ${mode.toString(8).padStart(3, "0")} ${path}`);
  }

  /**
   * Asks the server for a file's hash: HASH (RFC draft, with OPTS HASH to pick
   * the algorithm) when offered, else XMD5/XCRC/XSHA*.
   *
   * @example
   * ```ts
   * const { algorithm, hash } = await ftp.hash("big.iso", "SHA-256");
   * ```
   */
  async hash(path: string, algorithm?: string): Promise<{ algorithm: string; hash: string }> {
    const features = await this.features();
    const offered = features.get("HASH");
    if (offered !== undefined) {
      const names = offered.split(";").map((n) => n.replace("*", "").trim().toUpperCase());
      const current = offered.split(";").find((n) => n.includes("*"))?.replace("*", "").trim();
      const want = algorithm?.toUpperCase() ?? this.#hashAlgorithm ?? current ?? names[0];
      if (!names.includes(want)) {
        throw new CommandNotImplementedError(`server offers HASH ${offered}, not ${want}`);
      }
      if (want !== (this.#hashAlgorithm ?? current?.toUpperCase())) {
        await this.voidcmd(`OPTS HASH ${want}`);
        this.#hashAlgorithm = want;
      }
      const reply = await this.voidcmd(`HASH ${path}`);
      const [alg, , value] = reply.text.trim().split(/\s+/);
      return { algorithm: alg.toUpperCase(), hash: value.toLowerCase() };
    }
    const legacy: Record<string, string> = {
      "MD5": "XMD5",
      "CRC32": "XCRC",
      "SHA-1": "XSHA1",
      "SHA-256": "XSHA256",
    };
    const want = (algorithm ?? "MD5").toUpperCase();
    const command = legacy[want];
    if (!command || !features.has(command)) {
      throw new CommandNotImplementedError(`server offers no ${want} hash command`);
    }
    const reply = await this.voidcmd(`${command} ${path}`);
    return { algorithm: want, hash: reply.text.trim().split(/\s+/).pop()!.toLowerCase() };
  }

  /**
   * RETR as a stream (binary). The stream ends after the server confirmed the
   * transfer; errors (including a 4xx/5xx final reply) error the stream.
   *
   * @example
   * ```ts
   * const stream = await ftp.retrieve("a.bin", { offset: 1024, onProgress: (n) => console.log(n) });
   * ```
   */
  async retrieve(path: string, options: TransferOptions = {}): Promise<ReadableStream<Uint8Array>> {
    return retrieveStream(await this.#retrieveHandle(path, options), options);
  }

  /**
   * {@link retrieve} without the stream: the bytes read into the caller's
   * buffer (see `retrieveSource` in ./transfer.ts), for a reader that has one.
   *
   * @example
   * ```ts
   * const source = await ftp.retrieveSource("a.bin");
   * for (let n; (n = await source.readInto(buffer)) !== null;) total += n;
   * ```
   */
  async retrieveSource(path: string, options: TransferOptions = {}): Promise<ReadSource> {
    return retrieveSource(await this.#retrieveHandle(path, options), options);
  }

  async #retrieveHandle(path: string, options: TransferOptions): Promise<TransferHandle> {
    // A resumed TLS download must know where its data ends (see `announcedRemaining`
    // in ./transfer_start.ts): SIZE, where the caller does not know; resumes are rare.
    if (options.offset && options.expectedSize === undefined && this.#session.dataProtected) {
      const size = await this.size(path).catch(() => undefined);
      if (size !== undefined) options = { ...options, expectedSize: size - options.offset };
    }
    return await startTransfer(
      this.#session,
      `RETR ${path}`,
      "I",
      "read",
      options.offset,
      options.before,
      options,
    );
  }

  /**
   * STOR (or APPE with `append`) as a writable stream (binary); closing it waits
   * for the server's confirmation.
   *
   * @example
   * ```ts
   * await (await Deno.open("a.bin")).readable.pipeTo(await ftp.store("a.bin"));
   * ```
   */
  async store(
    path: string,
    options: TransferOptions & { append?: boolean } = {},
  ): Promise<WritableStream<Uint8Array>> {
    const verb = options.append ? "APPE" : "STOR";
    const after = this.queuesReads ? options.after : undefined;
    const handle = await startTransfer(
      this.#session,
      `${verb} ${path}`,
      "I",
      "write",
      options.offset,
      options.before,
      after ? { after, onAfter: options.onAfter } : {},
    );
    return storeStream(handle, options);
  }

  /**
   * STOU: stores under a name the server chooses; returns the stream and the
   * name announced in the 150 reply (when the server names it).
   *
   * @example
   * ```ts
   * const { stream, name } = await ftp.storeUnique();
   * await ReadableStream.from([new TextEncoder().encode("x")]).pipeTo(stream);
   * console.log(name);
   * ```
   */
  async storeUnique(
    options: TransferOptions = {},
  ): Promise<{ name?: string; stream: WritableStream<Uint8Array> }> {
    const handle = await startTransfer(this.#session, "STOU", "I", "write");
    const text = handle.preliminary?.text ?? "";
    const name = /FILE:\s*(.+)$/i.exec(text)?.[1]?.trim() ?? /\(([^)]+)\)/.exec(text)?.[1];
    return { name, stream: storeStream(handle, options) };
  }

  /**
   * A data command in ASCII mode, yielding lines (ftplib's `retrlines`).
   *
   * @example
   * ```ts
   * for (const line of await ftp.retrlines("LIST")) console.log(line);
   * ```
   */
  async retrlines(command: string): Promise<string[]> {
    const text = await retrieveText(this.#session, command);
    return text.split("\n").map((l) => l.replace(/\r$/, "")).filter((l, i, all) =>
      l !== "" || i < all.length - 1
    );
  }

  /**
   * Stores text lines in ASCII mode (CRLF line ends on the wire, ftplib's `storlines`).
   *
   * @example
   * ```ts
   * await ftp.storlines("STOR notes/readme.txt", ["first line", "second line"]);
   * ```
   */
  async storlines(command: string, lines: Iterable<string>): Promise<void> {
    const handle = await startTransfer(this.#session, command, "A", "write");
    const stream = storeStream(handle, {});
    const writer = stream.getWriter();
    const encoder = new TextEncoder();
    for (const line of lines) await writer.write(encoder.encode(`${line}\r\n`));
    await writer.close();
  }

  /**
   * LIST parsed into entries (hidden files with `-a` unless `hidden: false`;
   * if the server rejects `-a`, plain LIST is used from then on). Parsed as the
   * data arrives, so memory is bounded by one line. Lines no parser reads are
   * in the result's `skipped`. `literal`: the server reads LIST's argument as
   * one path, as it is (UFTPD): sent so, never listed from inside.
   *
   * @example
   * ```ts
   * for (const e of await ftp.list("pub")) console.log(e.type, e.name, e.size);
   * ```
   */
  async list(
    path = "",
    options: { hidden?: boolean; literal?: boolean } = {},
  ): Promise<Listing> {
    const session = this.#session;
    return await fromInside(
      options.literal ? undefined : this,
      path,
      (p) =>
        withListAll(session, options, async (all) => {
          const listing = await listEntries(session, listCommand(all, p));
          // Not enumerable: a listing still compares and prints as its entries.
          if (all) Object.defineProperty(listing, "listedAll", { value: true });
          return listing;
        }),
    );
  }

  /**
   * A directory listed over the control connection: `STAT -a path` (`STAT
   * path` with `hidden: false`) parsed as a Unix listing, no data connection
   * (see ./stat_listing.ts). Throws `StatListingError` for a reply it does not
   * take as a listing (closing the session where the reply may have put it
   * out of step), the typed reply error for a refusal. `end`: the final line
   * this server sent to such a listing before (another closes the session).
   * Whether a server's STAT lists what LIST would is the caller's to prove.
   *
   * @example
   * ```ts
   * const listing = await ftp.statList("/pub");
   * listing.some((e) => e.name === "."); // true on vsftpd and ProFTPD
   * ```
   */
  statList(path: string, options: { hidden?: boolean; end?: string } = {}): Promise<StatListing> {
    return statListing(this.#session, path, options.hidden ?? true, options.end);
  }

  /**
   * Raw LIST lines (same `-a` and `literal` handling as {@link list}).
   *
   * @example
   * ```ts
   * await ftp.listLines("pub"); // ["-rw-r--r-- 1 ftp ftp 12 Nov 30 08:15 a.txt", ...]
   * ```
   */
  async listLines(
    path = "",
    options: { hidden?: boolean; literal?: boolean } = {},
  ): Promise<string[]> {
    return await fromInside(
      options.literal ? undefined : this,
      path,
      (p) => withListAll(this.#session, options, (flag) => this.retrlines(listCommand(flag, p))),
    );
  }

  /**
   * NLST names.
   *
   * @example
   * ```ts
   * await ftp.nlst("pub"); // ["a.txt", "b.txt"]
   * ```
   */
  async nlst(path = ""): Promise<string[]> {
    return parseNlst(await retrieveText(this.#session, `NLST${path ? ` ${path}` : ""}`));
  }

  /**
   * MLSD entries (RFC 3659), including `cdir`/`pdir` entries as the server
   * sends them; lines no parser reads are in the result's `skipped`.
   *
   * @example
   * ```ts
   * for (const e of await ftp.mlsd("pub")) console.log(e.name, e.mtime);
   * ```
   */
  async mlsd(path = ""): Promise<Listing> {
    return await listEntries(this.#session, `MLSD${path ? ` ${path}` : ""}`, true);
  }

  /**
   * MLST of one path (works on the root directory too).
   *
   * @example
   * ```ts
   * await ftp.mlst("pub/a.txt"); // { name: "a.txt", type: "file", size: 12, ... }
   * ```
   */
  async mlst(path = ""): Promise<ListEntry> {
    const line = `MLST${path ? ` ${path}` : ""}`;
    const login = this.#session.loginStats;
    // Asked in the login's write with nothing sent since: its answer stands (once).
    const kept = login?.sent === this.#session.control.sentLines
      ? login.replies.get(line)
      : undefined;
    login?.replies.delete(line);
    if (kept && (kept.code < 200 || kept.code >= 300)) throw errorForReply(kept, line);
    const reply = kept ?? await this.voidcmd(line);
    return parseMlstReply(reply.lines.join("\n"), { timeShift: this.#session.shiftFor(true) });
  }

  /**
   * ABOR outside a transfer, resynchronising the control connection. A running
   * transfer is aborted by cancelling (reads) or aborting (writes) its stream,
   * which sends ABOR and reads the 426/226 replies in whatever order they come.
   *
   * @example
   * ```ts
   * await ftp.abort();
   * ```
   */
  async abort(): Promise<void> {
    await this.#abortRaw();
  }

  /**
   * QUIT politely, then close. Never throws for a server that just hangs up.
   * With `wait: false` the 221 is not awaited: QUIT leaves, the connection
   * half-closes behind it and is closed once the server has (a round trip
   * less at the end of a job on a far server; the server still reads QUIT).
   *
   * @example
   * ```ts
   * await ftp.quit();
   * await other.quit({ wait: false }); // resolves once QUIT has left
   * ```
   */
  async quit(options: { wait?: boolean } = {}): Promise<void> {
    const wait = options.wait ?? true;
    let left = false;
    try {
      await this.#session.exclusive(async () => {
        this.#session.control.send("QUIT");
        if (!wait) {
          left = true;
          return await this.#session.control.leave();
        }
        await this.#session.control.read(Math.min(this.#session.timeout, 5_000)).catch(() =>
          undefined
        );
      });
    } catch {
      // The server may close without a reply (UFTPD does).
    } finally {
      if (!left) this.#session.control.destroy();
    }
  }

  /**
   * Runs `fn` with the control connection to itself (no other command of this
   * client runs meanwhile), for protocol extensions such as UFTPD's multi-stream
   * transfers (`NOOP n`, then n data connections). `fn` must leave the
   * connection in step: every reply it caused read.
   *
   * @example
   * ```ts
   * const reply = await ftp.exclusive((control) => control.command("NOOP 2"));
   * ```
   */
  exclusive<T>(fn: (control: RawControl) => Promise<T>): Promise<T> {
    return this.#session.exclusive(() => {
      const control = this.#session.control;
      return fn({
        send: (line) => control.send(line),
        read: (timeoutMs) => control.read(timeoutMs ?? this.#session.timeout),
        command: (line) => control.command(line),
        remoteAddress: control.socket.remoteAddress ?? this.#session.options.host,
        timeoutMs: this.#session.timeout,
      });
    });
  }

  /**
   * Closes the connection at once, without QUIT. A retired session (see
   * {@link retire}) is left to its QUIT, which goes after the commands already
   * waiting for it: cutting it would lose their replies (a rename done but
   * unconfirmed). With `force` it is cut all the same: the owner's last word
   * when that QUIT is overdue (a command on it hangs), so it ends by then and
   * not only by the command's own timeout.
   *
   * @example
   * ```ts
   * ftp.close(); // after an error, when QUIT would wait in vain
   * ftp.close({ force: true }); // a pool closing: its grace is over
   * ```
   */
  close(options: { force?: boolean } = {}): void {
    if (this.#session.retired && !options.force) return;
    this.#session.control.destroy();
  }

  /**
   * Takes the session out of use without cutting it: `closed` at once, and
   * QUIT after the commands already sent or waiting for it, which run to
   * their replies; a command asked for later fails with
   * `FtpSessionClosedError` (never sent, safe to run elsewhere). For a
   * session shared by several callers (a pool's main session), where one
   * caller's failure must not cut another's command in flight. `why` is logged.
   *
   * @example
   * ```ts
   * ftp.retire("its listing's data connection failed"); // a rename already sent still completes
   * ```
   */
  retire(why: string): void {
    this.#session.retire(why);
  }

  async #abortRaw(): Promise<void> {
    await this.#session.exclusive(async () => {
      this.#session.control.send("ABOR");
      await readAbortReplies(this.#session.control, "ABOR", this.#session.timeout);
    });
  }
}
