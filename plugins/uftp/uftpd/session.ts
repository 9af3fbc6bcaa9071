/**
 * One UFTPD control connection: the strict login (only `USER anonymous` and
 * `SYST` before it, the secret as password, the registered client address),
 * then UFTPD's command loop with its reply texts. Lines end in bare LF, like
 * the Python UFTPD's; QUIT gets no reply.
 * @module
 */
import type net from "node:net";
import type { Endpoint } from "../../../plugin.ts";
import { ACCESS_LEVELS, type AccessLevel } from "../command_port.ts";
import type { ByteReader } from "../socket_io.ts";
import type { Job, JobStore } from "./jobs.ts";
import type { UtcOffset } from "./listing.ts";
import { baseDirOf, ForbiddenPathError, pyStrip, resolveInBase } from "./paths.ts";
import { plainAddress } from "./data.ts";

/** Longest command line (UFTPD reads with `readline(8192)`). */
const MAX_LINE = 8192;

/** What a session needs from its server. */
export interface SessionContext {
  endpoint: Endpoint;
  /**
   * The storage a session with this base directory works on, rooted there if
   * possible (a local directory: so symlinks cannot lead out of the base
   * either), else undefined to use `endpoint` with the base as a path prefix.
   */
  jail: (base: string) => Endpoint | undefined;
  jobs: JobStore;
  version: string;
  maxStreams: number;
  utcOffset: UtcOffset;
  acceptTimeoutMs: number;
  /** Address announced in 227 replies instead of the control socket's. */
  advertiseHost?: string;
  now: () => number;
  log: (message: string) => void;
}

/**
 * A command failed: `<code> Error processing command '<CMD>': <message>`.
 *
 * @example
 * ```ts
 * throw new CommandError(534, "Access denied"); // "534 Error processing command 'X': Access denied"
 * ```
 */
export class CommandError extends Error {
  constructor(readonly code: number, message: string, readonly closeData = false) {
    super(message);
  }
}

/**
 * One session's state and its line I/O.
 *
 * @example
 * ```ts
 * const session = new UftpdSession(socket, context, handlers);
 * await session.run(); // until QUIT or hang-up
 * ```
 */
export class UftpdSession {
  readonly peerIp: string;
  readonly localIp: string;
  job?: Job;
  base = "/";
  cwd = "/";
  /** Where file operations go, and the virtual directory that is its root. */
  fs: Endpoint;
  #fsRoot = "/";
  access: AccessLevel = "FULL";
  numStreams = 1;
  links: net.Socket[] = [];
  readonly readers = new WeakMap<net.Socket, ByteReader>();
  offset = 0;
  count = -1;
  haveRange = false;
  keepAlive = false;
  renameFrom?: string;
  hashAlgorithm = "MD5";
  readonly opts = new Map<string, string>();
  #lines: string[] = [];
  #partial = "";
  #wake?: () => void;
  #ended = false;
  readonly #decoder = new TextDecoder();

  constructor(
    readonly socket: net.Socket,
    readonly ctx: SessionContext,
    readonly handlers: Record<string, (s: UftpdSession, arg: string) => Promise<"end" | void>>,
  ) {
    this.fs = ctx.endpoint;
    this.peerIp = plainAddress(socket.remoteAddress);
    this.localIp = plainAddress(socket.localAddress);
    socket.on("data", (chunk: Uint8Array) => this.#receive(chunk));
    socket.on("close", () => this.#end());
    socket.on("error", () => this.#end());
  }

  /** Sends one reply line (LF only, as the Python UFTPD). */
  reply(line: string): Promise<void> {
    return new Promise((resolve) => {
      if (this.socket.destroyed) return resolve();
      this.socket.write(`${line}\n`, () => resolve());
    });
  }

  /** UFTPD's `makeabs` (the argument stripped): the virtual path it names, inside the base. */
  resolve(arg: string | undefined): string {
    const path = arg === undefined ? undefined : pyStrip(arg);
    try {
      return resolveInBase(path === undefined || path === "" ? "." : path, this.cwd, this.base);
    } catch (error) {
      if (error instanceof ForbiddenPathError) throw new CommandError(534, error.message);
      throw error;
    }
  }

  /** The storage's path for a virtual absolute path inside the base. */
  fsPath(virtual: string): string {
    const inside = this.#fsRoot === "/" ? virtual : virtual.slice(this.#fsRoot.length);
    return inside.replace(/^\/+/, "");
  }

  /** Throws 534 unless the session's access level is at least `level`. */
  require(level: AccessLevel): void {
    if (ACCESS_LEVELS.indexOf(this.access) < ACCESS_LEVELS.indexOf(level)) {
      throw new CommandError(534, "Access denied");
    }
  }

  /** Forgets RANG/REST/ALLO (after every transfer). */
  resetRange(): void {
    this.offset = 0;
    this.count = -1;
    this.haveRange = false;
  }

  /** Closes every data connection; the next transfer needs `NOOP n` again. */
  closeData(): void {
    for (const link of this.links) link.destroy();
    this.links = [];
    this.numStreams = 1;
  }

  /** Greets, logs in, serves commands; always releases the job at the end. */
  async run(): Promise<void> {
    try {
      await this.reply(`220 UFTPD ${this.ctx.version}, https://www.unicore.eu`);
      if (!(await this.#login())) return;
      await this.#loop();
    } finally {
      this.closeData();
      if (this.job) this.ctx.jobs.logout(this.job);
      this.socket.end();
    }
  }

  async #login(): Promise<boolean> {
    let seenSyst = false;
    let seenUser = false;
    for (;;) {
      const line = await this.#next();
      if (line === null) return false;
      const text = line.trim();
      if (!seenSyst && text.toUpperCase() === "SYST") {
        seenSyst = true;
        await this.reply("215 Unix Type: L8");
        continue;
      }
      if (!seenUser && text === "USER anonymous") {
        seenUser = true;
        await this.reply("331 Please specify the password");
        continue;
      }
      if (seenUser && /^(PASS|USER) /i.test(text)) {
        const secret = text.slice(5).trim();
        if (secret !== "" && secret !== "anonymous") return await this.#admit(secret);
      }
      // Anything else before login (FEAT, AUTH TLS, OPTS UTF8 ON, ...) ends the session.
      await this.reply("500 Protocol error");
      return false;
    }
  }

  async #admit(secret: string): Promise<boolean> {
    const verdict = this.ctx.jobs.login(secret, this.peerIp);
    if (!verdict.ok) {
      this.ctx.log(`login refused from ${this.peerIp}: ${verdict.message}`);
      const prefix = verdict.code === 530 ? "530 Not logged in: " : "500 ";
      await this.reply(`${prefix}${verdict.message}`);
      return false;
    }
    this.job = verdict.job;
    this.base = baseDirOf(this.job.file);
    this.cwd = this.base;
    this.access = this.job.access ?? "FULL";
    this.numStreams = Math.min(this.job.streams, this.ctx.maxStreams);
    await this.reply("230 Login successful");
    const root = await this.ctx.endpoint.stat(this.base.slice(1)).catch(() => undefined);
    if (root?.type === "dir") {
      const jailed = this.base === "/" ? undefined : this.ctx.jail(this.base);
      if (jailed) [this.fs, this.#fsRoot] = [jailed, this.base];
    }
    if (root?.type !== "dir") {
      // As UFTPD: the session dies right after 230 when its base directory is missing.
      this.ctx.log(`session for '${this.job.user}': no such directory ${this.base}`);
      return false;
    }
    this.ctx.log(`session for '${this.job.user}' from ${this.peerIp} in ${this.base}`);
    return true;
  }

  async #loop(): Promise<void> {
    for (;;) {
      const read = await this.#next();
      if (read === null) return;
      // As UFTPD's Connector.read_line: the line is stripped at both ends.
      const line = pyStrip(read);
      if (line === "") continue;
      const space = line.indexOf(" ");
      const cmd = (space < 0 ? line : line.slice(0, space)).toUpperCase();
      const arg = space < 0 ? "" : line.slice(space + 1);
      const handler = this.handlers[cmd];
      if (!handler) {
        await this.reply("502 Command not implemented.");
        continue;
      }
      try {
        if (await handler(this, arg) === "end") return;
      } catch (error) {
        if (
          error instanceof TypeError || error instanceof RangeError ||
          error instanceof ReferenceError
        ) {
          // A bug met by this session: it ends (logged with the session), the server goes on.
          this.ctx.log(
            `session of '${this.job?.user ?? "?"}' from ${this.peerIp} closed after an internal ` +
              `error in ${cmd}: ${error.stack ?? error.message}`,
          );
          this.closeData();
          this.socket.destroy();
          return;
        }
        const code = error instanceof CommandError ? error.code : 500;
        if (!(error instanceof CommandError) || error.closeData) this.closeData();
        const message = error instanceof Error ? error.message : String(error);
        await this.reply(`${code} Error processing command '${cmd}': ${message}`);
        if (this.socket.destroyed) return;
      }
    }
  }

  #receive(chunk: Uint8Array): void {
    this.#partial += this.#decoder.decode(chunk, { stream: true });
    let nl: number;
    while ((nl = this.#partial.indexOf("\n")) >= 0) {
      this.#lines.push(this.#partial.slice(0, nl).replace(/\r$/, ""));
      this.#partial = this.#partial.slice(nl + 1);
    }
    if (this.#partial.length > MAX_LINE) {
      this.socket.destroy(); // a line without end: not a client we can talk to
    }
    const wake = this.#wake;
    this.#wake = undefined;
    wake?.();
  }

  #end(): void {
    this.#ended = true;
    const wake = this.#wake;
    this.#wake = undefined;
    wake?.();
  }

  async #next(): Promise<string | null> {
    for (;;) {
      const line = this.#lines.shift();
      if (line !== undefined) return line;
      if (this.#ended) return null;
      await new Promise<void>((resolve) => this.#wake = resolve);
    }
  }
}
