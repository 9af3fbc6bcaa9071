/**
 * `FtpHost`: ftputil's `os`-shaped facade over FTP sessions, in TypeScript.
 *
 * Paths are server paths; relative ones count from {@link FtpHost.getcwd},
 * which the host tracks itself (every command is sent with an absolute path,
 * so child sessions never need a CWD). This is the facade; each concern lives
 * in its own module: sessions (session.ts, pool.ts; far or near: far.ts),
 * stats and listings (stat.ts, stat_cache.ts, fresh_stat.ts, the sizes heard
 * after writes: written_sizes.ts, a path's kind before a write: path_kind.ts),
 * changes (changes.ts: MKD, RMD, DELE, RNFR/RNTO, SITE CHMOD, MFMT), path
 * helpers (remote_path.ts), open files (file.ts), trees (tree.ts), copies
 * (transfer.ts), time (time_shift.ts, time_sync.ts) and the host's options
 * (host_options.ts).
 * @module
 */
import { cwdTurn } from "../../ftp/cwd_turn.ts";
import type { Stat } from "../types.ts";
import { sessionFactory } from "./session.ts";
import { SessionPool } from "./pool.ts";
import { confirmFar } from "./far.ts";
import { ServerChanges } from "./changes.ts";
import { WrittenSizes } from "./written_sizes.ts";
import { pathKind } from "./path_kind.ts";
import { StatCache } from "./stat_cache.ts";
import { StatReader } from "./stat.ts";
import { FreshStat } from "./fresh_stat.ts";
import {
  type OpenOptions,
  openRemoteRead,
  openRemoteSource,
  openRemoteWrite,
  type WriteMode,
} from "./file.ts";
import { markReleasesChunks, type ReadSource, releasesChunks } from "../../util/files.ts";
import type { RmtreeOptions, WalkEntry, WalkOptions } from "./tree.ts";
import { abspath, type HostPath, makeHostPath } from "./remote_path.ts";
import { parseTimeShift, validateTimeShift } from "./time_shift.ts";
import type { ShiftingHost } from "./time_sync.ts";
import type { FtpHostOptions } from "./host_options.ts";
import { InaccessibleLoginDirError } from "./errors.ts";
import type { TransferProgress } from "./transfer.ts";

export type { FtpHostOptions } from "./host_options.ts";
export type { HostPath } from "./remote_path.ts";

// The host's own tree walk and removal, its file copies to and from local
// paths, and the time-shift probe: imported on first use, by specifiers Deno
// does not read ahead (an endpoint's mirror or sync uses none of them).
const TREE_MODULE = new URL("./tree.ts", import.meta.url).href;
const TRANSFER_MODULE = new URL("./transfer.ts", import.meta.url).href;
const TIME_SYNC_MODULE = new URL("./time_sync.ts", import.meta.url).href;
const treeCode = () => import(TREE_MODULE) as Promise<typeof import("./tree.ts")>;
const transferCode = () => import(TRANSFER_MODULE) as Promise<typeof import("./transfer.ts")>;
const timeSyncCode = () => import(TIME_SYNC_MODULE) as Promise<typeof import("./time_sync.ts")>;

/**
 * A remote FTP/FTPS host with `os`-like methods, a stat cache, a time shift
 * and pooled sessions.
 *
 * @example
 * ```ts
 * await using host = await FtpHost.connect({ host: "127.0.0.1", port: 2121, user: "bob", password: "pw" });
 * await host.makedirs("/pub/new", { existOk: true });
 * for await (const [dir, , files] of host.walk("/pub")) console.log(dir, files);
 * await host.uploadIfNewer("./report.pdf", "/pub/report.pdf");
 * ```
 */
export class FtpHost implements AsyncDisposable {
  /** The stat cache (`enable`, `disable`, `clear`, `resize`, `maxAge`, `invalidate`). */
  readonly statCache: StatCache;
  /** `os.path`-like helpers. */
  readonly path: HostPath;
  readonly #pool: SessionPool;
  readonly #reader: StatReader;
  readonly #fresh: FreshStat;
  readonly #options: FtpHostOptions;
  readonly #welcome: string;
  #cwd: string;
  readonly #changes: ServerChanges;
  /** Sizes the server reported as uploads ended (a fresh stat takes one). */
  readonly #written: WrittenSizes;
  #keepAlive?: ReturnType<typeof setInterval>;

  private constructor(
    pool: SessionPool,
    options: FtpHostOptions,
    cwd: string,
    welcome: string,
  ) {
    this.#pool = pool;
    this.#options = options;
    this.#cwd = cwd;
    this.#welcome = welcome;
    this.statCache = new StatCache(options.statCache);
    // Their MLSD shows links as links (mod_facts' OS.unix=symlink, Pure-FTPd's too).
    this.#reader = new StatReader(
      pool,
      this.statCache,
      options,
      /ProFTPD|Pure-FTPd/i.test(welcome),
    );
    this.#fresh = new FreshStat(pool, {
      // A server that refused MLSD refuses MLST too (ProFTPD's <Limit MLSD MLST>).
      hasMlst: async () =>
        !this.#reader.fellBackToList && (await this.#reader.features()).has("MLST"),
      sizeListed: async () => {
        const features = await this.#reader.features();
        return features.has("SIZE") || !features.has("MLST");
      },
      listedStat: (p) => {
        this.statCache.invalidate(p);
        return this.#reader.lstat(p);
      },
    });
    this.#changes = new ServerChanges({
      pool,
      statCache: this.statCache,
      options,
      welcome,
      features: () => this.features(),
      stat: (p) => this.stat(p),
    });
    this.#written = new WrittenSizes(this.statCache);
    this.path = this.#makePath();
  }

  /**
   * Connects (the main session), learns the login directory, and applies the
   * time shift option (measuring it for `"auto"`).
   *
   * @example
   * ```ts
   * const host = await FtpHost.connect({ host: "ftp.example.org", tls: "explicit", user: "bob", password: pw, timeShift: "auto" });
   * ```
   */
  static async connect(options: FtpHostOptions): Promise<FtpHost> {
    const pool = new SessionPool(
      options.sessionFactory ?? sessionFactory({ ...options, timeShift: 0 }),
      {
        maxChildren: options.maxChildren,
        lendMain: options.lendMain,
        awaitQuit: options.awaitQuit,
      },
    );
    pool.mlsdLocalTime = options.mlsdLocalTime ?? false;
    try {
      const main = await pool.main();
      let cwd: string;
      try {
        cwd = await main.pwd();
      } catch (error) {
        throw new InaccessibleLoginDirError(error);
      }
      if (!cwd.startsWith("/")) throw new InaccessibleLoginDirError(`PWD gave ${cwd}`);
      // Far or near decides how many sessions to open: with no child session (a one-file
      // UFTP copy) there are none to open, and the check's NOOPs would only delay it.
      if (options.maxChildren !== 0) await confirmFar(main);
      const host = new FtpHost(pool, options, cwd, main.welcome);
      await host.#applyTimeShiftOption();
      if (options.keepAliveMs) host.startKeepAlive(options.keepAliveMs);
      return host;
    } catch (error) {
      await pool.close();
      throw error;
    }
  }

  /** The server's welcome text. */
  get welcome(): string {
    return this.#welcome;
  }

  /**
   * The server's FEAT (upper-case names to parameters), asked once.
   *
   * @example
   * ```ts
   * (await host.features()).has("MFMT");
   * ```
   */
  features(): Promise<Map<string, string>> {
    return this.#reader.features();
  }

  /**
   * Opens and logs in up to `count` child sessions at once (default: as many
   * as the host may have), to be ready for the transfers that follow
   * (`SessionPool.warm`). Resolves when they are made or failed; failures are
   * left for the transfers to meet.
   *
   * @example
   * ```ts
   * const ready = host.warm(); // while the listing runs
   * ```
   */
  warm(count = Infinity): Promise<void> {
    return this.#pool.warm(count);
  }

  /**
   * Whether the host's sessions queue a download behind a running one
   * (`FtpClientOptions.queueReads`, by default from the welcome).
   *
   * @example
   * ```ts
   * await host.queuesReads(); // true on vsftpd
   * ```
   */
  async queuesReads(): Promise<boolean> {
    return (await this.#pool.main()).queuesReads;
  }

  /**
   * The quickest reply the main session has had (ms): about one round trip
   * to the server (`FtpClient.fastestReplyMs`).
   *
   * @example
   * ```ts
   * await host.fastestReplyMs(); // 41 across the Atlantic, 0 on loopback
   * ```
   */
  async fastestReplyMs(): Promise<number> {
    return (await this.#pool.main()).fastestReplyMs;
  }

  /**
   * Whether listings use MLSD (second precision) rather than LIST.
   *
   * @example
   * ```ts
   * await host.usesMlsd();
   * ```
   */
  usesMlsd(): Promise<boolean> {
    return this.#reader.usesMlsd();
  }

  /**
   * Whether the server refused MLSD and this host lists with LIST since.
   *
   * @example
   * ```ts
   * host.fellBackToList(); // true after a "550 Unable to handle command" to MLSD
   * ```
   */
  fellBackToList(): boolean {
    return this.#reader.fellBackToList;
  }

  /**
   * Whether this server's MLSD shows links as links (`OS.unix=slink`,
   * `OS.unix=symlink`): ProFTPD and Pure-FTPd by their welcome, any other
   * server once one of its MLSD listings showed a link. pyftpdlib's shows a
   * link as its target.
   *
   * @example
   * ```ts
   * host.mlsdShowsLinks(); // true on ProFTPD
   * ```
   */
  mlsdShowsLinks(): boolean {
    return this.#reader.mlsdShowsLinks;
  }

  // --- current directory -------------------------------------------------

  /**
   * The current directory (tracked by the host; starts as the login directory).
   *
   * @example
   * ```ts
   * host.getcwd(); // "/home/bob"
   * ```
   */
  getcwd(): string {
    return this.#cwd;
  }

  /**
   * Changes the current directory after the server confirmed it can enter it.
   *
   * @example
   * ```ts
   * await host.chdir("pub");
   * ```
   */
  async chdir(path: string): Promise<void> {
    const target = this.#abs(path);
    // Not while a listing from inside a directory has moved the session (../../ftp/cwd_turn.ts).
    await this.#pool.withMain((c) => cwdTurn(c, () => c.cwd(target)), { retry: true });
    this.#cwd = target;
  }

  // --- listings and stats ------------------------------------------------

  /**
   * Names in a directory (without `.` and `..`).
   *
   * @example
   * ```ts
   * await host.listdir("/pub"); // ["a.txt", "sub"]
   * ```
   */
  async listdir(path = "."): Promise<string[]> {
    return (await this.list(path)).map((s) => s.name);
  }

  /**
   * A directory's entries with their lstats, in one listing.
   *
   * @example
   * ```ts
   * for (const st of await host.list("/pub")) console.log(st.name, st.size, st.mtime);
   * ```
   */
  list(path = "."): Promise<Stat[]> {
    return this.#reader.list(this.#abs(path));
  }

  /**
   * Stat without following a final symlink. Works for `/` (MLST, else a plain
   * directory stat). Throws `NotFoundError` when missing; with
   * `confirmMissing`, only once the server's listing agrees with the cache.
   *
   * @example
   * ```ts
   * (await host.lstat("/pub/latest")).type; // "symlink"
   * await host.lstat("/pub/a.part", { confirmMissing: true }); // before renaming it
   * ```
   */
  lstat(path: string, options: { confirmMissing?: boolean } = {}): Promise<Stat> {
    return this.#reader.lstat(this.#abs(path), options);
  }

  /**
   * A stat asked of the server now, never of the stat cache (SIZE, else MLST,
   * else a new listing of the parent; see fresh_stat.ts). It replaces the
   * path's cache entry, so later cached stats cannot be older than this one.
   *
   * @example
   * ```ts
   * (await host.freshLstat("/up/.a.bin.ferry.part")).size;
   * ```
   */
  async freshLstat(path: string): Promise<Stat> {
    const target = this.#abs(path);
    const written = this.#written.take(target);
    if (written) return written;
    this.statCache.invalidate(target);
    // Kept (unless a change overtook it): a rename right after a transfer's check needs no
    // second SIZE of the same partial.
    const ticket = this.statCache.begin();
    const stat = await this.#fresh.lstat(target);
    this.statCache.setStat(target, stat, ticket);
    return stat;
  }

  /**
   * Whether a path is a directory, something else, or missing, for the checks
   * before a write or a rename: from the stat cache where it knows, else with
   * `oneFile` one MLST of the path (a 550 counts as missing: the write or
   * rename then meets the server's own refusal), else {@link lstat}.
   *
   * @example
   * ```ts
   * if (await host.probe("/up/a.bin") === "dir") throw new Error("a directory");
   * ```
   */
  probe(path: string): Promise<"dir" | "other" | "missing"> {
    return pathKind({
      pool: this.#pool,
      statCache: this.statCache,
      reader: this.#reader,
      oneFile: this.#options.oneFile,
      lstat: (p) => this.lstat(p),
    }, this.#abs(path));
  }

  /**
   * Stat following symlinks (`SymlinkLoopError` for circles).
   *
   * @example
   * ```ts
   * (await host.stat("/pub/latest")).size;
   * ```
   */
  stat(path: string): Promise<Stat> {
    return this.#reader.stat(this.#abs(path));
  }

  /**
   * The path a path leads to after following symlinks in its last segment.
   *
   * @example
   * ```ts
   * await host.realpath("/pub/latest"); // "/pub/v2.tar.gz"
   * ```
   */
  realpath(path: string): Promise<string> {
    return this.#reader.realpath(this.#abs(path));
  }

  // --- changes -------------------------------------------------------------

  /**
   * Creates one directory (MKD).
   *
   * @example
   * ```ts
   * await host.mkdir("/pub/new");
   * ```
   */
  async mkdir(path: string): Promise<void> {
    await this.#changes.mkdir(this.#abs(path));
  }

  /**
   * Creates a directory and its missing parents. With `existOk: false`
   * (default, like Python 3) an existing directory is an `AlreadyExistsError`.
   *
   * @example
   * ```ts
   * await host.makedirs("/pub/a/b/c", { existOk: true });
   * ```
   */
  async makedirs(path: string, options: { existOk?: boolean } = {}): Promise<void> {
    await this.#changes.makedirs(this.#abs(path), options);
  }

  /**
   * Removes an empty directory (RMD).
   *
   * @example
   * ```ts
   * await host.rmdir("/pub/empty");
   * ```
   */
  async rmdir(path: string): Promise<void> {
    await this.#changes.rmdir(this.#abs(path));
  }

  /**
   * Removes a file or symlink (DELE). Throws for directories.
   *
   * @example
   * ```ts
   * await host.remove("/pub/old.txt");
   * ```
   */
  async remove(path: string): Promise<void> {
    await this.#changes.remove(this.#abs(path));
  }

  /**
   * Same as {@link remove}.
   *
   * @example
   * ```ts
   * await host.unlink("pub/a.tmp");
   * ```
   */
  unlink(path: string): Promise<void> {
    return this.remove(path);
  }

  /**
   * Renames (RNFR/RNTO). The cache forgets both names and everything below them.
   *
   * @example
   * ```ts
   * await host.rename("/pub/a.part", "/pub/a");
   * ```
   */
  async rename(source: string, target: string): Promise<void> {
    await this.#changes.rename(this.#abs(source), this.#abs(target));
  }

  /**
   * Renames `source` onto `target` and gives it `mtime`, in one write: the
   * time is set on `source` (MFMT, or vsftpd's `MDTM time path`) just before
   * RNFR+RNTO, as a rename keeps a file's mtime, so the new name never shows
   * the old time. A refused time does not stop the rename: it is then set on
   * `target` after it. Resolves to whether the time was set (a failure to set
   * it is logged); a failed rename throws, as {@link rename}.
   *
   * @example
   * ```ts
   * await host.renameWithMtime("/up/.a.bin.ferry.part", "/up/a.bin", new Date("2026-11-30T08:15:00Z"));
   * ```
   */
  async renameWithMtime(source: string, target: string, mtime: Date): Promise<boolean> {
    return await this.#changes.renameWithMtime(this.#abs(source), this.#abs(target), mtime);
  }

  /**
   * SITE CHMOD. A server without it raises `CommandNotImplementedError`.
   *
   * @example
   * ```ts
   * await host.chmod("/pub/run.sh", 0o755);
   * ```
   */
  async chmod(path: string, mode: number): Promise<void> {
    await this.#changes.chmod(this.#abs(path), mode);
  }

  /**
   * The server's hash of a file (HASH with OPTS HASH, or XMD5/XCRC/XSHA*), hex,
   * without downloading it. `CommandNotImplementedError` when not offered.
   *
   * @example
   * ```ts
   * await host.hash("/pub/big.iso", "sha-256");
   * ```
   */
  async hash(path: string, algorithm: string): Promise<string> {
    const target = this.#abs(path);
    return (await this.#pool.withMain((c) => c.hash(target, algorithm.toUpperCase()))).hash;
  }

  /**
   * Sets a file's mtime (MFMT, or vsftpd's MDTM with a time in server-local
   * time). `CommandNotImplementedError` when the server has neither.
   *
   * @example
   * ```ts
   * await host.setMtime("/pub/a", new Date("2024-01-01T00:00:00Z"));
   * ```
   */
  async setMtime(path: string, mtime: Date): Promise<void> {
    await this.#changes.setMtime(this.#abs(path), mtime);
  }

  /**
   * How {@link setMtime} sets times on this server.
   *
   * @example
   * ```ts
   * await host.mtimeMethod(); // "mfmt"
   * ```
   */
  mtimeMethod(): Promise<"mfmt" | "mdtm" | "none"> {
    return this.#changes.mtimeMethod();
  }

  /**
   * Removes a tree without following links. Errors throw, go to `onError(op,
   * path, error)`, or are ignored with `ignoreErrors`.
   *
   * @example
   * ```ts
   * await host.rmtree("/tmp/build", { ignoreErrors: true });
   * ```
   */
  rmtree(path: string, options: RmtreeOptions = {}): Promise<void> {
    const host = { ...this.#treeHost(), list: (p: string) => this.#reader.listShowingLinks(p) };
    const abs = this.#abs(path);
    return treeCode().then((code) => code.rmtree(host, abs, options));
  }

  /**
   * Walks a tree like `os.walk`, as an async iterator.
   *
   * @example
   * ```ts
   * for await (const [dir, dirs, files] of host.walk("/pub", { topdown: true })) console.log(dir);
   * ```
   */
  walk(top: string, options: WalkOptions = {}): AsyncGenerator<WalkEntry> {
    const host = this.#treeHost();
    const abs = this.#abs(top);
    return (async function* () {
      yield* (await treeCode()).walk(host, abs, options);
    })();
  }

  // --- files and transfers ------------------------------------------------------

  /**
   * Opens a remote file as a stream on a child session, so the host can list
   * while it is open. `r` reads (from `rest`), `w` writes (STOR, from `rest`),
   * `a` appends (APPE). A read's `onMdtm` hears the file's MDTM time in UTC
   * (the time shift taken off where the server answers in its listing zone).
   *
   * @example
   * ```ts
   * const input = await host.open("/pub/a.bin", "r", { rest: 1024 });
   * const output = await host.open("/pub/b.bin", "w");
   * await input.pipeTo(output);
   * ```
   */
  open(path: string, mode: "r" | "rb", options?: OpenOptions): Promise<ReadableStream<Uint8Array>>;
  /**
   * Opens a remote file for writing (`"w"`/`"wb"`, or `"a"`/`"ab"` to append): the file is complete once the stream closes.
   * Without TLS the stream comes before the server's 1xx to STOR (ftputil waits for it): the
   * bytes go ahead, a round trip less. A STOR the server refuses (550 or 553: no permission, a
   * bad name; 452 or 552: no room) fails a write once the refusal came, or the close at the
   * latest, with the server's reply and the path (`FtpPermanentError`, `FtpTemporaryError`);
   * a listing on another session may not show the file before the 1xx.
   *
   * @example
   * ```ts
   * const w = await host.open("pub/new.txt", "wb");
   * await ReadableStream.from([new TextEncoder().encode("hi")]).pipeTo(w);
   * ```
   */
  open(path: string, mode: WriteMode, options?: OpenOptions): Promise<WritableStream<Uint8Array>>;
  async open(
    path: string,
    mode: "r" | "rb" | WriteMode = "r",
    options: OpenOptions = {},
  ): Promise<ReadableStream<Uint8Array> | WritableStream<Uint8Array>> {
    const target = this.#abs(path);
    if (mode === "r" || mode === "rb") {
      return await openRemoteRead(this.#pool, target, this.#readOptions(options));
    }
    // Invalidate now and again at the end: the file changes while it is written.
    this.statCache.invalidate(target);
    this.#written.forget(target);
    let heard: number | undefined;
    const stream = await openRemoteWrite(this.#pool, target, mode, {
      ...options,
      onSize: (size) => heard = size,
    });
    const writer = stream.getWriter();
    const forget = () => this.statCache.invalidate(target);
    const sink = new WritableStream<Uint8Array>({
      write: (chunk) => writer.write(chunk),
      close: async () => {
        try {
          await writer.close();
        } finally {
          forget();
        }
        // Kept only after the server confirmed the transfer.
        if (heard !== undefined) this.#written.note(target, heard);
      },
      abort: (reason) => writer.abort(reason).finally(forget),
    });
    return markReleasesChunks(sink, releasesChunks(stream));
  }

  /**
   * {@link open} for reading, without the stream: the bytes read into the
   * caller's buffer (`FtpClient.retrieveSource`), the same session hand-back.
   *
   * @example
   * ```ts
   * const source = await host.openSource("pub/a.bin");
   * for (let n; (n = await source.readInto(buffer)) !== null;) total += n;
   * ```
   */
  openSource(path: string, options: OpenOptions = {}): Promise<ReadSource> {
    // openRemoteSource's own promise, not one more around it (a mirror reads every file
    // this way); an error here rejects it as an async function's would.
    try {
      return openRemoteSource(this.#pool, this.#abs(path), this.#readOptions(options));
    } catch (error) {
      return Promise.reject(error);
    }
  }

  /** A read's options, its MDTM time heard in UTC. */
  #readOptions(options: OpenOptions): OpenOptions {
    const heard = options.onMdtm;
    if (!heard) return options;
    // vsftpd answers MDTM in the zone it lists in (use_localtime), like its two-argument
    // MDTM reads; RFC 3659 servers answer in UTC.
    const shift = /vsftpd/i.test(this.#welcome) ? this.#pool.timeShift * 1000 : 0;
    return { ...options, onMdtm: (mtime: Date) => heard(new Date(mtime.getTime() - shift)) };
  }

  /**
   * Copies a local file to the server.
   *
   * @example
   * ```ts
   * await host.upload("./a.bin", "/pub/a.bin", { onProgress: (n) => console.log(n) });
   * ```
   */
  upload(source: string, target: string, options: TransferProgress = {}): Promise<void> {
    const abs = this.#abs(target);
    return transferCode().then((code) => code.upload(this, source, abs, options));
  }

  /**
   * Copies a remote file to the local disk.
   *
   * @example
   * ```ts
   * await host.download("/pub/a.bin", "./a.bin");
   * ```
   */
  download(source: string, target: string, options: TransferProgress = {}): Promise<void> {
    const abs = this.#abs(source);
    return transferCode().then((code) => code.download(this, abs, target, options));
  }

  /**
   * Uploads when the remote file is missing or may be older (ftputil's rule);
   * returns whether it did.
   *
   * @example
   * ```ts
   * if (await host.uploadIfNewer("./a.bin", "/pub/a.bin")) console.log("sent");
   * ```
   */
  uploadIfNewer(source: string, target: string, options: TransferProgress = {}): Promise<boolean> {
    const abs = this.#abs(target);
    return transferCode().then((code) => code.uploadIfNewer(this, source, abs, options));
  }

  /**
   * Downloads when the local file is missing or may be older; returns whether it did.
   *
   * @example
   * ```ts
   * await host.downloadIfNewer("/pub/a.bin", "./a.bin");
   * ```
   */
  downloadIfNewer(
    source: string,
    target: string,
    options: TransferProgress = {},
  ): Promise<boolean> {
    const abs = this.#abs(source);
    return transferCode().then((code) => code.downloadIfNewer(this, abs, target, options));
  }

  // --- time shift -----------------------------------------------------------------

  /**
   * The time shift in seconds (LIST time minus UTC).
   *
   * @example
   * ```ts
   * host.timeShift(); // 19800 for a server listing in +05:30
   * ```
   */
  timeShift(): number {
    return this.#pool.timeShift;
  }

  /**
   * Whether the time shift applies to MLSD/MLST times too: set by the option,
   * or found by `auto` / {@link synchronizeTimes} on a server whose MLSD shows
   * local time.
   *
   * @example
   * ```ts
   * host.mlsdLocalTime(); // false: MLSD times are UTC (RFC 3659)
   * ```
   */
  mlsdLocalTime(): boolean {
    return this.#pool.mlsdLocalTime;
  }

  /**
   * Sets the time shift (validated, rounded to 15 minutes); clears the stat
   * cache when it changes, since cached times were computed with the old one.
   *
   * @example
   * ```ts
   * host.setTimeShift(2 * 3600);
   * ```
   */
  setTimeShift(seconds: number): void {
    const rounded = validateTimeShift(seconds);
    if (rounded !== this.#pool.timeShift) {
      this.#pool.timeShift = rounded;
      this.statCache.clear();
    }
  }

  /**
   * Measures the time shift with a probe file in `dir` (default: the probe
   * directory option, else the current directory), sets it and returns it.
   * Independent of the shift set before. Under MLSD the probe is read with
   * MLST too: MLSD times are then known to be UTC (the shift is LIST's) or
   * local time ({@link mlsdLocalTime} turns on); a refused MLST means LIST
   * from now on.
   *
   * @example
   * ```ts
   * const shift = await host.synchronizeTimes();
   * ```
   */
  async synchronizeTimes(options: { dir?: string } = {}): Promise<number> {
    const dir = this.#abs(options.dir ?? this.#options.probeDir ?? this.#cwd);
    const { measureHostShifts, useShifts } = await timeSyncCode();
    const host = this.#timeHost();
    await useShifts(host, await measureHostShifts(host, dir));
    return this.timeShift();
  }

  // --- sessions ---------------------------------------------------------------------

  /**
   * NOOP on idle sessions so none times out during a long transfer.
   *
   * @example
   * ```ts
   * await host.keepAlive();
   * ```
   */
  keepAlive(): Promise<void> {
    return this.#pool.keepAlive();
  }

  /**
   * Sends keep-alives every `intervalMs` until {@link close} (the timer does not
   * keep the process alive).
   *
   * @example
   * ```ts
   * host.startKeepAlive(60_000);
   * ```
   */
  startKeepAlive(intervalMs: number): void {
    this.stopKeepAlive();
    const timer = setInterval(() => void this.keepAlive().catch(() => {}), intervalMs);
    Deno.unrefTimer(timer as unknown as number);
    this.#keepAlive = timer;
  }

  /**
   * Stops the keep-alive timer.
   *
   * @example
   * ```ts
   * host.stopKeepAlive();
   * ```
   */
  stopKeepAlive(): void {
    if (this.#keepAlive !== undefined) clearInterval(this.#keepAlive);
    this.#keepAlive = undefined;
  }

  /**
   * Closes every session and forgets the cache.
   *
   * @example
   * ```ts
   * await host.close();
   * ```
   */
  async close(): Promise<void> {
    this.stopKeepAlive();
    this.statCache.clear();
    await this.#pool.close();
  }

  /**
   * Closes the host (`await using host = ...`); the same as {@link FtpHost.close}.
   *
   * @example
   * ```ts
   * await using host = await FtpHost.connect({ host: "ftp.example.org" });
   * await host.listdir("pub");
   * ```
   */
  [Symbol.asyncDispose](): Promise<void> {
    return this.close();
  }

  // --- internals ----------------------------------------------------------------------

  #abs(path: string): string {
    return abspath(this.#cwd, path);
  }

  async #applyTimeShiftOption(): Promise<void> {
    const option = this.#options.timeShift;
    if (option === undefined) return;
    const parsed = parseTimeShift(option);
    if (parsed !== "auto") return this.setTimeShift(parsed);
    await (await timeSyncCode()).applyAutoTimeShift(this.#timeHost());
  }

  /** What the time-shift code (time_sync.ts) works with. */
  #timeHost(): ShiftingHost {
    return {
      pool: this.#pool,
      statCache: this.statCache,
      options: this.#options,
      cwd: this.#cwd,
      abs: (path) => this.#abs(path),
      usesMlsd: () => this.usesMlsd(),
      mlsdRefused: (error, path, listed) => this.#reader.mlsdRefused(error, path, listed),
      setTimeShift: (seconds) => this.setTimeShift(seconds),
      serverKey: () => this.serverKey(),
    };
  }

  /**
   * The server part of the keys under which `auto` time shifts are remembered
   * (`<key> LIST`, `<key> MLSD`).
   *
   * @example
   * ```ts
   * host.serverKey(); // "ftp://bob@127.0.0.1:2121"
   * ```
   */
  serverKey(): string {
    const o = this.#options;
    const scheme = o.tls === "implicit" ? "ftps" : o.tls === "explicit" ? "ftpes" : "ftp";
    const port = o.port ?? (o.tls === "implicit" ? 990 : 21);
    return `${scheme}://${encodeURIComponent(o.user ?? "anonymous")}@${o.host}:${port}`;
  }

  #treeHost() {
    return {
      list: (p: string) => this.list(p),
      lstat: (p: string) => this.lstat(p),
      stat: (p: string) => this.stat(p),
      realpath: (p: string) => this.realpath(p),
      remove: (p: string) => this.remove(p),
      rmdir: (p: string) => this.rmdir(p),
    };
  }

  #makePath(): HostPath {
    return makeHostPath({
      stat: (p) => this.stat(p),
      lstat: (p) => this.lstat(p),
      abspath: (p) => this.#abs(p),
    });
  }
}
