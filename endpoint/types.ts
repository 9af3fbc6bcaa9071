/**
 * The one filesystem contract every backend implements and every job, the server
 * and every plugin talk to (../shared/DESIGN.md, "The endpoint contract").
 *
 * Paths are POSIX-style and relative to the endpoint root (`""`, `"."` and `"/"`
 * all name the root). Implementations validate paths through `endpoint/path.ts`,
 * which rejects anything that would leave the root.
 * @module
 */
export { Precision } from "../util/precision.ts";

import type { EntryType } from "../util/entry_type.ts";
export type { EntryType };
import type { ReadSource } from "../util/files.ts";
export type { ReadSource };

/** The stat of one entry. */
export interface Stat {
  /** Base name of the entry (`""` for the root). */
  name: string;
  /** What the entry is. */
  type: Exclude<EntryType, "cdir" | "pdir">;
  /** Size in bytes (0 for directories when the backend does not tell). */
  size: number;
  /** Modification time, UTC, or undefined if the backend cannot tell. */
  mtime?: Date;
  /** Precision of `mtime` in milliseconds (`Precision.*`). */
  precision: number;
  /** Permission bits when known. */
  mode?: number;
  /** Symlink target (lstat / list only). */
  target?: string;
  /**
   * The backend's identity of the object, when known (MLSD's `unique` fact,
   * `dev:ino` on local disks): equal values are the same file or directory, so
   * walks can notice a directory they are already inside.
   */
  unique?: string;
}

/** What a backend can do; jobs decide strategies from this, never from the scheme. */
export interface Capabilities {
  /** setMtime works (MFMT, utime). */
  setMtime: boolean;
  /** chmod works (SITE CHMOD, chmod). */
  chmod: boolean;
  /** read() honours `offset` (REST / RANG / seek). */
  readOffset: boolean;
  /** write() honours `offset` (REST+STOR / APPE / seek). */
  writeOffset: boolean;
  /** rename is atomic-ish and may replace an existing target. */
  rename: boolean;
  /** Symlinks are reported as such by lstat/list. */
  symlinks: boolean;
  /** Server-side hash algorithms (e.g. ["sha-256", "md5"]). */
  hashes: string[];
  /** Best mtime precision the backend reports (ms). */
  precision: number;
  /** Max parallel operations this endpoint should be given. */
  maxConnections: number;
  /**
   * Bytes at the end of a partial that a cut write may have left wrong
   * (UFTP multi-stream: the UFTPD stores a torn last block). A resume starts
   * this far before the partial's end, and `write()` accepts an `offset` up to
   * this far below the partial's size, overwriting from there. Default 0.
   */
  resumeOverlap?: number;
  /**
   * Writes appear only whole: nothing is visible under the name until the
   * stream closed and its size matched, and a failed write leaves the old
   * content (object stores: a PUT or multipart upload). Transfers then write
   * the real name directly, with `mtime` and `size`, instead of a partial
   * they rename (a rename there is a copy of the whole object). Default false.
   */
  wholeWrites?: boolean;
  /**
   * Several reads of one file may run at once, each over its own connection
   * and each honouring `offset` and `length`, and that is faster than one
   * stream (a link where one connection is window- or latency-bound): a
   * large file may then come in segments (lftp's `pget -n`). The backend says
   * what it can do; the engine decides when to use it. Default false.
   */
  rangedReads?: boolean;
  /**
   * Transfers this backend serves best at once, when a job names no `parallel`
   * (an object store over HTTP, where each request waits for its answer alone:
   * 8, as `rclone copy --transfers 8`). Jobs take the most any of their
   * endpoints says, at least their default; `maxConnections` still caps it.
   */
  parallel?: number;
  /** {@link Endpoint.writeAt} is there (segmented downloads write into one partial). Default false. */
  writeAt?: boolean;
  /**
   * Whether the server is far enough that one connection is bound by the
   * round trip (FTP: its quickest reply took 5 ms or more), so parallel
   * ranged reads pay for their extra logins. Near (false), segments are used
   * only when asked for: there one stream already runs at disk and CPU speed.
   * Default: unknown, taken as far.
   */
  longLink?: boolean;
  /**
   * `read()` calls beyond `maxConnections` queue behind running reads on the
   * backend's own connections at no round trip (FTP servers that read
   * commands in turn: the next RETR waits in the server's input), so a job
   * may keep up to `maxConnections` more copies from it going. Default false.
   */
  queuedReads?: boolean;
  /**
   * `write()` honours {@link WriteOptions.exclusive}: a file is created only
   * where nothing is, a symlink there included (O_EXCL), so a caller that
   * confines paths (the FTP server's jail) need not look at a fresh name
   * before writing it. Default false: the option is ignored.
   */
  exclusiveWrites?: boolean;
  /**
   * `read()` honours {@link ReadOptions.unique}: the opened file is compared
   * with the object the caller's lstat found, so the backend's own look at
   * the path can be skipped when they are the same. Default false: the
   * option is ignored.
   */
  uniqueReads?: boolean;
}

/** Options for {@link Endpoint.stat} and {@link Endpoint.lstat}. */
export interface StatOptions {
  /**
   * Ask the storage itself, never a cache (backends without a cache ignore
   * it). A transfer takes its resume offset and its check of what arrived
   * from such a stat: a cached size may predate the last write. Costs one
   * round trip on a remote backend (FTP: SIZE, else MLST, else a listing).
   */
  fresh?: boolean;
}

/** Options for {@link Endpoint.read}. */
export interface ReadOptions {
  /** Start offset in bytes (resume). */
  offset?: number;
  /**
   * Read at most this many bytes (one segment of a file): the stream ends
   * after them. A backend that cannot ask for a range ends its transfer early
   * (FTP: ABOR after the bytes). Default: to the end of the file. Backends
   * that declare `rangedReads` must honour it; others may ignore it (the
   * segmented transfer cuts the stream itself all the same).
   */
  length?: number;
  /** Aborts the operation. */
  signal?: AbortSignal;
  /**
   * Hears the file's mtime, more exact than `capabilities().precision`, when
   * the backend learns it on the way at no extra round trip (FTP servers that
   * list minutes: MDTM in the same write as the download), before `read`
   * resolves. Backends whose listings are exact never call it. Callers check
   * it against the listing (the file may have changed since).
   */
  onMtime?: (mtime: Date) => void;
  /**
   * The {@link Stat.unique} of the file at this path as the caller's lstat
   * just found it (a file, not a link). A backend that declares
   * `capabilities().uniqueReads` reads the opened file without its own check
   * of the path when the opened file is that very object (a regular file of
   * the same identity), and checks the path as usual when it is not. The
   * comparison is made on the opened file, not on the path, so a link or
   * file swapped in after the caller's lstat is never read through unchecked.
   */
  unique?: string;
}

/** Options for {@link Endpoint.writeAt}. */
export interface WriteAtOptions {
  /** Aborts the operation. */
  signal?: AbortSignal;
}

/** Options for {@link Endpoint.write}. */
export interface WriteOptions {
  /**
   * Resume: the new data continues the existing partial data, whose size must
   * be exactly this offset (else `InvalidOffsetError`: FTP cannot truncate a
   * file, so no backend does), or up to `capabilities().resumeOverlap` more. With `atomic` (the default) the partial data is
   * the fixed partial name `.<name>.ferry.part` beside the target (see
   * `partialName()` in endpoint/atomic.ts); with `atomic: false` it is the
   * target itself.
   */
  offset?: number;
  /**
   * Atomic write (default true): data goes to a temporary name in the same
   * directory and is renamed over the target only after the stream closed
   * successfully (and, when `size` is given, the size matched). A failed or
   * aborted atomic write leaves the target as it was and no temporary file.
   */
  atomic?: boolean;
  /**
   * With `atomic`: write to the fixed partial name and keep it when the write
   * fails or is aborted, so a later write with `offset` = its size can resume.
   * Implied by `offset` > 0; pass it with every resumed write, because a
   * partial may have 0 bytes (then the write starts it over).
   */
  resumable?: boolean;
  /** Expected final size; a mismatch aborts the write and keeps the target intact. */
  size?: number;
  /**
   * Give the file this mtime once its bytes are in place, where the backend
   * can. A time that does not stick does not fail the write: the bytes are
   * there and right, so closing the stream resolves. A refused time (FTP's
   * MFMT answered 550) is logged as a warning; {@link onMtimeNotSet} hears
   * why, before the close resolves, then and also where the backend cannot
   * set times at all (`capabilities().setMtime` false: an `UnsupportedError`,
   * not logged). Backends whose writes are whole (S3) carry the time with the
   * bytes: it cannot fail apart from them there.
   */
  mtime?: Date;
  /**
   * Hears that {@link mtime} was not set, and why, before the close of the
   * write resolves (the write itself succeeded). Not called when it was set.
   */
  onMtimeNotSet?: (error: unknown) => void;
  /** Aborts the operation. */
  signal?: AbortSignal;
  /**
   * With `atomic: false` and no `offset`: create the file only where nothing
   * is, else fail with `AlreadyExistsError` — a file, a directory or a symlink
   * (dangling or not) at the name, which is never followed (O_EXCL). Honoured
   * when `capabilities().exclusiveWrites`; other backends ignore it.
   */
  exclusive?: boolean;
}

/** Options for {@link Endpoint.mkdir}. */
export interface MkdirOptions {
  /** Create missing parents and accept an existing directory (`mkdir -p`). */
  parents?: boolean;
}

/**
 * An entry a listing left out: a line nothing could read, or an entry whose
 * name is unsafe (`..` as a file, `/`, NUL, CR/LF). Such an entry is never
 * written anywhere.
 */
export interface SkippedEntry {
  /** The raw listing line (or the name, where there is no line). */
  line: string;
  /** Why it was left out. */
  reason: string;
}

/** Options of {@link Endpoint.readDirect}: a read's, without `length` (no limit). */
export type DirectReadOptions = Omit<ReadOptions, "length">;

/**
 * What {@link Endpoint.writeDirect} opens: the sink of a write, without a
 * stream around it. Its owner writes, then closes it, or aborts it.
 *
 * @example
 * ```ts
 * const sink = await ep.writeDirect!("a.txt", { size: 2 });
 * sink.writeSync(new TextEncoder().encode("hi"));
 * await sink.close(); // a.txt has its bytes
 * ```
 */
export interface DirectSink {
  /** Writes all of `chunk` now; throws on failure (then abort the sink). */
  writeSync(chunk: Uint8Array): void;
  /** Ends the write as closing `write()`'s stream does (size checked, renamed into place). */
  close(): Promise<void>;
  /** Gives the write up as aborting `write()`'s stream does; never throws. */
  abort(reason?: unknown): Promise<void>;
}

/**
 * One directory's entries. A non-empty `skipped` makes the listing
 * incomplete: nothing under that directory may be deleted on its strength.
 */
export type StatList = Stat[] & { skipped?: SkippedEntry[] };

/**
 * One async filesystem contract for local disks, memory, FTP/FTPS, UFTP and
 * whatever plugins add.
 *
 * @example
 * ```ts
 * const ep: Endpoint = new MemoryEndpoint();
 * await ep.mkdir("a/b", { parents: true });
 * for (const st of await ep.list("a")) console.log(st.name, st.type);
 * ```
 */
export interface Endpoint {
  /** The URL this endpoint was made from, without credentials. */
  readonly url: string;
  /** What this backend can do (jobs choose strategies from it). */
  capabilities(): Capabilities;
  /** Stat following symlinks. Throws `NotFoundError` when missing. */
  stat(path: string, options?: StatOptions): Promise<Stat>;
  /** Stat without following symlinks. */
  lstat(path: string, options?: StatOptions): Promise<Stat>;
  /**
   * One directory's entries with their (l)stats, one round trip where possible.
   * Entries it had to leave out are in the result's `skipped` ({@link StatList}).
   */
  list(path: string): Promise<StatList>;
  /** A file's bytes as a stream, from `options.offset` on. */
  read(path: string, options?: ReadOptions): Promise<ReadableStream<Uint8Array>>;
  /**
   * Optional: {@link read} without the stream, for a reader with a buffer of
   * its own (sync/pump.ts): the same bytes and checks, read into that buffer,
   * without a Web Stream and its reader per file (FTP). Endpoints that forward
   * to another one (DelegatingEndpoint) do not offer it, so an override of
   * `read` is never bypassed.
   */
  readDirect?(path: string, options?: DirectReadOptions): Promise<ReadSource>;
  /** A stream that writes a file; atomic by default (temp name, renamed when closed). */
  write(path: string, options?: WriteOptions): Promise<WritableStream<Uint8Array>>;
  /**
   * Optional: {@link write} without the stream, for a writer that moves the
   * bytes itself (sync/pump.ts), where a chunk lands synchronously (a local
   * file): the same plan, size checks and clean-up as closing or aborting
   * `write`'s stream, without a Web Stream, its writer and its promises per
   * file. Endpoints that forward to another one (DelegatingEndpoint) do not
   * offer it, so an override of `write` is never bypassed.
   */
  writeDirect?(path: string, options?: WriteOptions): Promise<DirectSink>;
  /**
   * A stream that writes into `path` from byte `position` on, creating the
   * file when missing and leaving every other byte of it as it is: no
   * temporary name, no rename, no truncation (segments of one download
   * written side by side into its partial). A write has landed when the
   * stream's `write()` resolved. Present when `capabilities().writeAt`.
   */
  writeAt?(
    path: string,
    position: number,
    options?: WriteAtOptions,
  ): Promise<WritableStream<Uint8Array>>;
  /**
   * Opens now the connections a job will want, when that pays (a far
   * server): all at once while the first listings run, instead of each when
   * first needed. Optional; never fails (a connection that cannot be made is
   * met again by whatever needs it).
   */
  warm?(): Promise<void>;
  /** Create a directory (`parents: true` is `mkdir -p`). */
  mkdir(path: string, options?: MkdirOptions): Promise<void>;
  /** Remove a file or symlink. */
  remove(path: string): Promise<void>;
  /** Remove an empty directory. */
  rmdir(path: string): Promise<void>;
  /** Move a file or directory within the endpoint. */
  rename(from: string, to: string): Promise<void>;
  /**
   * Optional: `rename` of a file that also gives it `mtime`, in fewer round
   * trips than `rename` and `setMtime` one after the other (FTP: the time set
   * on `from` in the same write as the rename). Resolves to whether the time
   * was set; a failure to set it is logged, not thrown (the bytes are in place).
   */
  renameWithMtime?(from: string, to: string, mtime: Date): Promise<boolean>;
  /** Throws `UnsupportedError` when `capabilities().setMtime` is false. */
  setMtime(path: string, mtime: Date): Promise<void>;
  /** Throws `UnsupportedError` when `capabilities().chmod` is false. */
  chmod(path: string, mode: number): Promise<void>;
  /** Release connections and handles; the endpoint is unusable afterwards. */
  close(): Promise<void>;
}
