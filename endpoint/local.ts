/**
 * The endpoint contract on a local directory, through Deno's file APIs.
 *
 * Symlinks are reported as such by `lstat`/`list`. Operations that follow links
 * (stat, read, write, setMtime, chmod) and every operation's parent directories
 * are checked with `realPath` to stay inside the root, so a link pointing out of
 * the tree can be listed and mirrored as a link but never read or written
 * through. (The check and the use are two system calls apart; a process that
 * swaps links in between is outside what this guards against.)
 *
 * Metadata calls (lstat, stat, realPath, readLink, rename, utime, chmod),
 * directory listings and the opening of and writes to files being written are
 * synchronous: on a local disk they take microseconds, while each async call
 * hands off to Deno's blocking thread pool and back (15-80 µs of the main
 * thread, thread wake-ups in a VM being dear), which made them most of the
 * cost of mirroring small files (and the async readDir is such a call per
 * entry). Reads, fsync, mkdir and remove stay asynchronous.
 * @module
 */
import { COMPUTED_HASHES, digestStream } from "./hash.ts";
import { pathToFileUrl, resolve as resolveHostPath, sep } from "../util/paths.ts";
import type {
  Capabilities,
  DirectReadOptions,
  DirectSink,
  Endpoint,
  MkdirOptions,
  ReadOptions,
  ReadSource,
  Stat,
  WriteAtOptions,
  WriteOptions,
} from "./types.ts";
import { Precision } from "./types.ts";
import {
  AlreadyExistsError,
  EndpointError,
  InvalidOffsetError,
  InvalidPathError,
  IsADirectoryError,
  NotADirectoryError,
  NotEmptyError,
  NotFoundError,
  PermissionDeniedError,
  SymlinkLoopError,
} from "./errors.ts";
import { basename, dirname, normalizePath } from "./path.ts";
import {
  openPlannedDirect,
  openPlannedWrite,
  planWrite,
  sinkStream,
  type WriteHooks,
  type WritePlan,
  type WriteSink,
} from "./atomic.ts";
import { limitStream, offerDirectRead } from "./streams.ts";
import { logger } from "../util/log.ts";
import { mtimeNotSet } from "./mtime_warning.ts";

/** Options of {@link LocalEndpoint}. */
export interface LocalEndpointOptions {
  /** Create the root directory (and its parents) when it is missing. Default false. */
  create?: boolean;
  /**
   * When written data is flushed to the disk (fdatasync) before it goes under
   * its real name. `replace` (default): only when it replaces an existing
   * file, so that a power loss can never cost the old content (ext4 and XFS
   * may otherwise show an empty file after the crash). A new file is not
   * flushed: after a power loss it may be empty or short under its name, and
   * the next mirror run copies it again because its size differs. `always`:
   * every write is flushed at close (rsync's `--fsync`). `never`: leave it to
   * the kernel. A flush per small file costs about as much as the rest of
   * writing it, which is why it is not the default (lftp, rclone and rsync do
   * not flush either).
   */
  fsync?: "replace" | "always" | "never";
}

const log = logger("endpoint", "local");

/** How long a path checked inside the root is trusted (see `#verified`). */
const guardTtlMs = 1000;
const guardCacheSize = 4096;

/**
 * Bytes per read. Reads block, as writes do (and as curl's and lftp's do): an
 * async read is a hand-off to the thread pool and back per chunk, which cost
 * an upload over a fast link more than the copy itself (docs/BENCHMARKS.md).
 */
const readChunk = 256 * 1024;

/**
 * What every LocalEndpoint can do: one frozen object, since `capabilities()`
 * is asked several times a file on the copy path and a copy each time was garbage.
 */
const LOCAL_CAPABILITIES: Capabilities = Object.freeze({
  setMtime: true,
  chmod: Deno.build.os !== "windows",
  readOffset: true,
  writeOffset: true,
  rename: true,
  symlinks: true,
  hashes: Object.freeze([...COMPUTED_HASHES]) as string[],
  precision: Precision.milliseconds,
  maxConnections: 8,
  // One disk: reading a file in parallel segments gains nothing.
  rangedReads: false,
  writeAt: true,
  exclusiveWrites: true,
  uniqueReads: true,
});

/**
 * A directory on the local disk as an {@link Endpoint}.
 *
 * @example
 * ```ts
 * const ep = new LocalEndpoint("./mirror", { create: true });
 * for (const st of await ep.list("")) console.log(st.name, st.size);
 * ```
 */
export class LocalEndpoint implements Endpoint {
  /** The absolute root directory as given (not resolved through links). */
  readonly root: string;
  readonly url: string;
  readonly #create: boolean;
  readonly #fsync: "replace" | "always" | "never";
  #realRoot?: Promise<string>;
  /** What {@link #realRoot} resolved to, once it did: later guards need not wait for it. */
  #rootKnown?: string;
  /**
   * Paths whose real location was checked inside the root, until when (ms,
   * performance.now()). A transfer guards the same directory three times in a
   * few milliseconds (write, rename, mtime), and resolving it costs a readlink
   * per path component: the answer is trusted for {@link guardTtlMs}, and
   * dropped at once when this endpoint moves, removes or links anything that
   * is not a plain file. The window is of the same kind as the one between any
   * check and the open that follows it.
   */
  readonly #verified = new Map<string, number>();
  /**
   * Every directory above a path in {@link #verified}: whether a rename
   * touches a checked path is then two lookups, not a walk over the checked
   * paths per rename (a mirror renames every file it copies).
   */
  readonly #aboveVerified = new Set<string>();

  /** Serves the directory `root` (resolved against the current directory). */
  constructor(root: string, options: LocalEndpointOptions = {}) {
    this.root = resolveHostPath(root);
    this.url = pathToFileUrl(this.root).href;
    this.#create = options.create ?? false;
    this.#fsync = options.fsync ?? "replace";
  }

  /**
   * What this endpoint can do (see {@link Capabilities}).
   *
   * @example
   * ```ts
   * ep.capabilities().setMtime; // whether mtimes can be set
   * ```
   */
  capabilities(): Capabilities {
    return LOCAL_CAPABILITIES;
  }

  /**
   * The entry at a path, links followed; NotFoundError when missing.
   *
   * @example
   * ```ts
   * (await ep.stat("pub/a.txt")).size; // 2
   * ```
   */
  async stat(path: string): Promise<Stat> {
    const p = normalizePath(path);
    const found = await this.#guard(p, true);
    // The guard's lstat found nothing there: a stat would only throw the same
    // thing, dearer (a Deno error costs ~25 us more than a stat that finds).
    if (found && !found.info) throw new NotFoundError(p);
    // What the guard's lstat found is no link: that is the stat already.
    if (found?.info && !found.info.isSymlink) return toStat(basename(p), found.info);
    return this.#doSync(p, () => toStat(basename(p), Deno.statSync(this.#abs(p))));
  }

  /**
   * The entry at a path itself (a link is reported as a link).
   *
   * @example
   * ```ts
   * (await ep.lstat("pub/link")).type; // "symlink"
   * ```
   */
  async lstat(path: string): Promise<Stat> {
    const p = normalizePath(path);
    const guarded = this.#guard(p, false);
    if (guarded instanceof Promise) await guarded;
    return this.#doSync(p, () => this.#lstatAt(p));
  }

  /**
   * The entries of a directory (without `.` and `..`).
   *
   * @example
   * ```ts
   * for (const st of await ep.list("pub")) console.log(st.name, st.type, st.size);
   * ```
   */
  async list(path: string): Promise<Stat[]> {
    const p = normalizePath(path);
    await this.#guard(p, true);
    return this.#doSync(p, () => {
      // Read whole, then each entry lstat'ed (synchronously too): the async
      // readDir took an op and three promises per entry.
      const names: string[] = [];
      for (const entry of Deno.readDirSync(this.#abs(p))) names.push(entry.name);
      const out: Stat[] = [];
      for (const name of names) {
        try {
          out.push(this.#lstatAt(p ? `${p}/${name}` : name));
        } catch (e) {
          // An entry removed between readDir and lstat is simply gone.
          if (!(e instanceof Deno.errors.NotFound)) throw e;
        }
      }
      return out;
    });
  }

  /**
   * Streams a file's bytes (from `offset` when given).
   *
   * @example
   * ```ts
   * const text = await new Response(await ep.read("pub/a.txt")).text();
   * ```
   */
  async read(path: string, options: ReadOptions = {}): Promise<ReadableStream<Uint8Array>> {
    const p = normalizePath(path);
    return await this.#opened(p, options, (file, info) => {
      const left = seekOpen(p, file, info, options.offset);
      const stream = fileStream(file, left, options.signal);
      return options.length === undefined ? stream : limitStream(stream, options.length);
    });
  }

  /**
   * {@link read} without the stream (`Endpoint.readDirect`): the same checks,
   * offset and errors, the bytes read into the caller's buffer. Its reads
   * block, as the stream's do, so it also reads synchronously (`readSync`:
   * the FTP server's downloads).
   *
   * @example
   * ```ts
   * const source = await ep.readDirect("pub/a.bin", { offset: 4 });
   * for (let n; (n = await source.readInto(buffer)) !== null;) total += n;
   * ```
   */
  async readDirect(path: string, options: DirectReadOptions = {}): Promise<ReadSource> {
    const p = normalizePath(path);
    return await this.#opened(p, options, (file, info) => {
      const left = seekOpen(p, file, info, options.offset);
      return fileSource(file, left, options.signal);
    });
  }

  /** The file of a read opened and handed to `use` (which closes it on failure). */
  async #opened<T>(
    p: string,
    options: DirectReadOptions,
    use: (file: Deno.FsFile, info: Deno.FileInfo) => T,
  ): Promise<T> {
    options.signal?.throwIfAborted();
    // The caller's lstat found this file (a jail's walk): when the file opened
    // is that very one, the guard's lstat and check of the path would only
    // say again what the caller's lstat said. Compared on the open file, so a
    // swap after the caller's lstat takes the guarded way below.
    const same = options.unique === undefined ? undefined : openSame(this.#abs(p), options.unique);
    if (same) return this.#doSync(p, () => use(same.file, same.info));
    const found = await this.#guard(p, true);
    // A plain file is opened synchronously, as it is read (fileStream): that takes
    // microseconds, less than two hand-offs to the thread pool and back (open, fstat),
    // which were most of the local side's cost in a many-small-files upload (bench/s3.ts).
    // Anything else (a link, a FIFO whose open waits for a writer) is opened asynchronously.
    const plain = found?.info?.isFile === true;
    return await this.#do(p, async () => {
      const abs = this.#abs(p);
      const file = plain
        ? Deno.openSync(abs, { read: true })
        : await Deno.open(abs, { read: true });
      let info: Deno.FileInfo;
      try {
        info = plain ? file.statSync() : await file.stat();
      } catch (e) {
        file.close();
        throw e;
      }
      return use(file, info);
    });
  }

  /**
   * Writes from `position` into `path` (created when missing), leaving the
   * rest of the file alone: the segments of a download, side by side.
   *
   * @example
   * ```ts
   * const out = await ep.writeAt(".big.iso.ferry.part", 8 << 20);
   * ```
   */
  async writeAt(
    path: string,
    position: number,
    options: WriteAtOptions = {},
  ): Promise<WritableStream<Uint8Array>> {
    const p = normalizePath(path);
    if (!Number.isSafeInteger(position) || position < 0) {
      throw new InvalidPathError(p, `invalid position ${position}`);
    }
    options.signal?.throwIfAborted();
    await this.#guard(p, true);
    const file = await this.#do(p, async () => {
      const opened = await Deno.open(this.#abs(p), { write: true, create: true });
      try {
        if ((await opened.stat()).isDirectory) throw new IsADirectoryError(p);
        await opened.seek(position, Deno.SeekMode.Start);
        return opened;
      } catch (e) {
        opened.close();
        throw e;
      }
    });
    return sinkStream(fileSink(file, this.#fsync === "always"), options.signal);
  }

  /**
   * Opens a file for writing; it has its bytes once the stream closes.
   *
   * @example
   * ```ts
   * const w = await ep.write("pub/a.txt");
   * await ReadableStream.from([new TextEncoder().encode("hi")]).pipeTo(w);
   * ```
   */
  async write(path: string, options: WriteOptions = {}): Promise<WritableStream<Uint8Array>> {
    const planned = this.#planned(path, options);
    const { plan, hooks } = planned instanceof Promise ? await planned : planned;
    return await openPlannedWrite(plan, hooks, options.signal);
  }

  /**
   * {@link write} without the stream (`Endpoint.writeDirect`): each chunk
   * written synchronously, the same plan, checks and clean-up.
   *
   * @example
   * ```ts
   * const sink = await ep.writeDirect("pub/a.txt", { size: 2 });
   * sink.writeSync(new TextEncoder().encode("hi"));
   * await sink.close();
   * ```
   */
  async writeDirect(path: string, options: WriteOptions = {}): Promise<DirectSink> {
    const planned = this.#planned(path, options);
    const { plan, hooks } = planned instanceof Promise ? await planned : planned;
    return await openPlannedDirect(plan, hooks, options.signal);
  }

  /**
   * Where a write goes and the hooks that open, rename and remove it there:
   * synchronously, once the root is known, for a partial that is not there
   * yet (a mirror's every file: no promises of its own per file).
   */
  #planned(path: string, options: WriteOptions): Planned | Promise<Planned> {
    const plan = planWrite(path, options);
    const root = this.#rootKnown;
    if (root === undefined) return this.#root().then((r) => this.#plannedAt(r, plan, options));
    return this.#plannedAt(root, plan, options);
  }

  #plannedAt(root: string, plan: WritePlan, options: WriteOptions): Planned | Promise<Planned> {
    if (!plan.rename && plan.offset === 0) {
      // The common case of a partial that is not there yet. O_EXCL creates a
      // file only where nothing is, not even a dangling link, so the parent's
      // check suffices; anything already there takes the long way below.
      options.signal?.throwIfAborted();
      this.#guardAt(root, plan.target, false);
      const file = this.#doSync(plan.target, () => createNew(this.#abs(plan.target)));
      if (file) return { plan, hooks: this.#writeHooks(undefined, this.#fsync === "always", file) };
      // Something is there (a link too, which O_EXCL never follows).
      if (options.exclusive) throw new AlreadyExistsError(plan.target);
    }
    return this.#plannedLong(plan);
  }

  /** {@link #planned} where something may be there already (or the write replaces by rename). */
  async #plannedLong(plan: WritePlan): Promise<Planned> {
    const guarded = await this.#guard(plan.target, !plan.rename);
    // The fixed partial name is opened without O_EXCL, so it must not lead out either.
    if (plan.keepOnFailure) await this.#guard(plan.writeTo, true);
    const existing = guarded !== undefined ? guarded.info : await this.#do(
      plan.target,
      () => Promise.resolve(lstatOrUndefined(this.#abs(plan.target))),
    );
    if (existing?.isDirectory) throw new IsADirectoryError(plan.target);
    // An atomic replacement keeps the permissions the old file had.
    const mode = existing?.isFile ? existing.mode ?? undefined : undefined;
    const flush = this.#fsync === "always" ||
      (this.#fsync === "replace" && plan.rename && existing?.isFile === true);
    return { plan, hooks: this.#writeHooks(mode, flush) };
  }

  /**
   * Makes a directory (its parents too with `parents`).
   *
   * @example
   * ```ts
   * await ep.mkdir("pub/new", { parents: true });
   * ```
   */
  async mkdir(path: string, options: MkdirOptions = {}): Promise<void> {
    const p = normalizePath(path);
    await this.#guard(p, false);
    await this.#do(p, async () => {
      try {
        await Deno.mkdir(this.#abs(p), { recursive: options.parents ?? false });
      } catch (e) {
        // `mkdir -p` over an existing file: report the path as taken.
        if (options.parents && e instanceof Deno.errors.NotADirectory) {
          throw new AlreadyExistsError(p, { cause: e });
        }
        throw e;
      }
      if (options.parents && !Deno.statSync(this.#abs(p)).isDirectory) {
        throw new AlreadyExistsError(p);
      }
    });
  }

  /**
   * Removes a file or a link.
   *
   * @example
   * ```ts
   * await ep.remove("pub/a.txt");
   * ```
   */
  async remove(path: string): Promise<void> {
    const p = normalizePath(path);
    await this.#guard(p, false);
    await this.#do(p, async () => {
      const info = Deno.lstatSync(this.#abs(p));
      if (info.isDirectory) throw new IsADirectoryError(p);
      if (!info.isFile) this.#forget();
      await Deno.remove(this.#abs(p));
    });
  }

  /**
   * Removes an empty directory.
   *
   * @example
   * ```ts
   * await ep.rmdir("pub/old");
   * ```
   */
  async rmdir(path: string): Promise<void> {
    const p = normalizePath(path);
    if (p === "") throw new PermissionDeniedError(p, { message: "cannot remove the root" });
    await this.#guard(p, false);
    await this.#do(p, async () => {
      if (!Deno.lstatSync(this.#abs(p)).isDirectory) throw new NotADirectoryError(p);
      this.#forget();
      await Deno.remove(this.#abs(p));
    });
  }

  /**
   * Moves an entry to a new path.
   *
   * @example
   * ```ts
   * await ep.rename("pub/a.tmp", "pub/a.txt");
   * ```
   */
  async rename(from: string, to: string): Promise<void> {
    const moving = this.#move(from, to);
    if (moving) await moving;
  }

  /**
   * {@link rename}'s work: synchronous (undefined) once the root is known and
   * no flush is due, so a mirror's rename per file awaits nothing here; a
   * promise otherwise. Errors are thrown as they are met.
   */
  #move(from: string, to: string): Promise<void> | undefined {
    const f = normalizePath(from);
    const t = normalizePath(to);
    if (f === "" || t === "") {
      throw new PermissionDeniedError(f === "" ? f : t, { message: "cannot rename the root" });
    }
    const root = this.#rootKnown;
    if (root === undefined) return this.#root().then(() => this.#move(f, t));
    this.#guardAt(root, f, false);
    if (dirname(f) !== dirname(t)) this.#guardAt(root, t, false);
    const fs = this.#fsync === "replace" ? nodeFs() : undefined;
    // Synchronous steps, each error about its path, as the small file operations here
    // are: no async closure and promises per rename (a mirror renames every file).
    const replacing = this.#doSync(f, () => {
      // Moving a checked directory or link (or something onto one) changes where paths lead.
      if (this.#checked(f) || this.#checked(t)) this.#forget();
      // existsSync first: it answers "nothing there" without building an error,
      // and a new name (the common case) needs no more questions.
      return fs !== undefined && fs.existsSync(this.#abs(t)) &&
        lstatOrUndefined(this.#abs(t))?.isFile === true && Deno.lstatSync(this.#abs(f)).isFile;
    });
    const move = () => this.#doSync(t, () => Deno.renameSync(this.#abs(f), this.#abs(t)));
    // The new content must be on the disk before it replaces the old (see `fsync`).
    if (replacing) return this.#do(f, () => flushFile(this.#abs(f))).then(move);
    move();
  }

  /**
   * A file's hash, computed by reading it (`capabilities().hashes`), so checksum
   * comparisons work against servers that offer the same algorithm.
   *
   * @example
   * ```ts
   * await ep.hash("a.iso", "sha-256");
   * ```
   */
  async hash(path: string, algorithm: string, signal?: AbortSignal): Promise<string> {
    return await digestStream(await this.read(path, { signal }), algorithm, this.url);
  }

  /**
   * Sets a file's modification time.
   *
   * @example
   * ```ts
   * await ep.setMtime("pub/a.txt", new Date("2026-11-30T08:15:00Z"));
   * ```
   */
  async setMtime(path: string, mtime: Date): Promise<void> {
    const p = normalizePath(path);
    this.#utime(p, await this.#guard(p, true), mtime);
  }

  /**
   * `rename` of a file that also gives it `mtime`: the time set on `from`
   * just before the rename, which keeps it. One call in place of a rename and
   * a setMtime (a copy's last step), so one guard and lstat fewer layers of
   * promises per file. Resolves to whether the time was set; a failure to set
   * it is logged, not thrown, and the rename still happens.
   *
   * @example
   * ```ts
   * await ep.renameWithMtime("pub/.a.txt.ferry.part", "pub/a.txt", new Date("2026-11-30T08:15:00Z"));
   * ```
   */
  async renameWithMtime(from: string, to: string, mtime: Date): Promise<boolean> {
    const f = normalizePath(from);
    let set = true;
    try {
      // Awaited only while the root is being checked: no promise per file after that.
      const found = this.#guard(f, true);
      this.#utime(f, found instanceof Promise ? await found : found, mtime);
    } catch (error) {
      // Nothing to rename: the rename's own error, not a warning about the time.
      if (error instanceof NotFoundError) throw error;
      set = mtimeNotSet(log, to, error);
    }
    const moving = this.#move(f, to);
    if (moving) await moving;
    return set;
  }

  /** utime of a guarded path, its atime kept (the guard's lstat is the stat, unless a link). */
  #utime(p: string, found: Guarded, mtime: Date): void {
    this.#doSync(p, () => {
      const info = found?.info && !found.info.isSymlink ? found.info : Deno.statSync(this.#abs(p));
      Deno.utimeSync(this.#abs(p), info.atime ?? mtime, mtime);
    });
  }

  /**
   * Sets permission bits.
   *
   * @example
   * ```ts
   * await ep.chmod("bin/run.sh", 0o755);
   * ```
   */
  async chmod(path: string, mode: number): Promise<void> {
    const p = normalizePath(path);
    await this.#guard(p, true);
    await this.#do(p, () => Promise.resolve(Deno.chmodSync(this.#abs(p), mode & 0o7777)));
  }

  /**
   * Creates a symlink at `path` with the raw `target` (host semantics). Not part
   * of the contract; tests and tools use it.
   *
   * @example
   * ```ts
   * await ep.symlink("a.txt", "latest");
   * ```
   */
  async symlink(target: string, path: string): Promise<void> {
    const p = normalizePath(path);
    await this.#guard(p, false);
    this.#forget();
    await this.#do(p, () => Deno.symlink(target, this.#abs(p)));
  }

  /**
   * Closes the endpoint (its connections); using it afterwards is an error.
   *
   * @example
   * ```ts
   * await ep.close();
   * ```
   */
  close(): Promise<void> {
    return Promise.resolve();
  }

  #abs(path: string): string {
    return path === "" ? this.root : `${this.root}/${path}`;
  }

  #lstatAt(path: string): Stat {
    const abs = this.#abs(path);
    // A miss is mapped to the endpoint's own error (mapError), which has the stack.
    const info = withoutStack(() => Deno.lstatSync(abs));
    const st = toStat(basename(path), info);
    if (info.isSymlink) st.target = Deno.readLinkSync(abs);
    return st;
  }

  /** Hooks for openPlannedWrite; `opened` is the write target when it was created already. */
  #writeHooks(mode: number | undefined, flush: boolean, opened?: Deno.FsFile): WriteHooks {
    return {
      open: async (name, offset) => {
        if (opened) return fileSink(opened, flush);
        const abs = this.#abs(name);
        const file = await this.#do(name, () => openForWrite(name, abs, offset));
        if (mode !== undefined && name !== "" && offset === 0) {
          await Deno.chmod(abs, mode & 0o7777).catch(() => {});
        }
        return fileSink(file, flush);
      },
      rename: (from, to) =>
        this.#do(to, () => Promise.resolve(Deno.renameSync(this.#abs(from), this.#abs(to)))),
      remove: (name) => Deno.remove(this.#abs(name)),
      setMtime: (path, mtime) => this.setMtime(path, mtime),
    };
  }

  #root(): Promise<string> {
    return this.#realRoot ??= (async () => {
      try {
        if (this.#create) await Deno.mkdir(this.root, { recursive: true });
        const real = await Deno.realPath(this.root);
        if (!(await Deno.stat(real)).isDirectory) throw new NotADirectoryError("");
        this.#rootKnown = real;
        return real;
      } catch (e) {
        this.#realRoot = undefined; // try again next time; it may be created later
        if (e instanceof Deno.errors.NotFound) {
          throw new NotFoundError("", {
            cause: e,
            message: `endpoint root does not exist: ${this.root}`,
          });
        }
        throw e;
      }
    })();
  }

  /**
   * Refuses paths that resolve outside the root: the deepest existing ancestor
   * of `path` must be inside, and with `follow` the path itself too. With
   * `follow`, also returns the path's own lstat (`info` undefined when it is
   * missing), so that callers need not ask again.
   */
  #guard(
    path: string,
    follow: boolean,
  ): Guarded | Promise<Guarded> {
    // Synchronous once the root is known (every call after the first): an
    // async guard was two more promises and hops for every file operation.
    const root = this.#rootKnown;
    if (root !== undefined) return this.#guardAt(root, path, follow);
    return this.#root().then((r) => this.#guardAt(r, path, follow));
  }

  #guardAt(root: string, path: string, follow: boolean): Guarded {
    if (path === "") return undefined;
    let probe = dirname(path);
    let found: { info?: Deno.FileInfo } | undefined;
    if (follow) {
      // Only a link needs resolving itself; anything else is where its parent is.
      found = { info: lstatOrUndefined(this.#abs(path)) };
      if (found.info?.isSymlink) probe = path;
    }
    for (;;) {
      const now = performance.now();
      if ((this.#verified.get(probe) ?? 0) > now) return found;
      try {
        const real = Deno.realPathSync(this.#abs(probe));
        if (real !== root && !real.startsWith(root.endsWith(sep) ? root : root + sep)) {
          throw new PermissionDeniedError(path, {
            message: `a symlink leads out of the endpoint root: ${path}`,
          });
        }
        if (this.#verified.size >= guardCacheSize) this.#forget();
        if (!this.#verified.has(probe)) {
          for (let up = probe; up !== "";) this.#aboveVerified.add(up = dirname(up));
        }
        this.#verified.set(probe, now + guardTtlMs);
        return found;
      } catch (e) {
        if (!(e instanceof Deno.errors.NotFound) || probe === "") throw e;
        // A dangling link must not be written through: it could create a file anywhere.
        if (probe === path) throw new NotFoundError(path, { cause: e });
        probe = dirname(probe);
      }
    }
  }

  /** Whether `path`, or anything below it, is among the paths checked recently. */
  #checked(path: string): boolean {
    return this.#verified.has(path) || this.#aboveVerified.has(path);
  }

  /** Drops every checked path (see {@link #verified}). */
  #forget(): void {
    this.#verified.clear();
    this.#aboveVerified.clear();
  }

  /** {@link #do} of a synchronous operation (no promise of its own). */
  #doSync<T>(path: string, op: () => T): T {
    try {
      return op();
    } catch (e) {
      throw mapError(e, path);
    }
  }

  /** Runs a Deno file operation and turns its errors into endpoint errors about `path`. */
  async #do<T>(path: string, op: () => Promise<T>): Promise<T> {
    try {
      return await op();
    } catch (e) {
      throw mapError(e, path);
    }
  }
}

/**
 * Runs a synchronous Deno call whose error, if any, is dropped or wrapped by
 * the caller: with no stack trace taken for it. A miss is the usual answer
 * to an upload's lstat of its target, and Deno's NotFound with its stack
 * cost ~18 us against ~2 us for an lstat that finds (half without the stack).
 */
function withoutStack<T>(call: () => T): T {
  const limit = Error.stackTraceLimit;
  Error.stackTraceLimit = 0;
  try {
    return call();
  } finally {
    Error.stackTraceLimit = limit;
  }
}

/** A write's plan and the hooks that carry it out here: see `#planned`. */
type Planned = { plan: WritePlan; hooks: WriteHooks };

/** What a guard found of the path itself (with `follow`): see `#guard`. */
type Guarded = { info?: Deno.FileInfo } | undefined;

/** lstat, or undefined when nothing is there. */
function lstatOrUndefined(abs: string): Deno.FileInfo | undefined {
  try {
    return withoutStack(() => Deno.lstatSync(abs));
  } catch (e) {
    if (e instanceof Deno.errors.NotFound) return undefined;
    throw e;
  }
}

/**
 * Creates a file where nothing is (O_EXCL); undefined when something is there.
 * Synchronous, like the other small file operations here: the asynchronous
 * open's hand-off to a blocking thread and back cost more CPU than the create
 * (a full mirror of 2,000 small files into tmpfs: ~0.9 x the CPU). A slow
 * create (ext4 without a journal walks past inodes freed in the last minutes)
 * costs the same CPU on either thread, and the machine's cores are busy then.
 */
function createNew(abs: string): Deno.FsFile | undefined {
  try {
    return Deno.openSync(abs, { write: true, createNew: true });
  } catch (e) {
    if (e instanceof Deno.errors.AlreadyExists) return undefined;
    throw e;
  }
}

/**
 * The file at `abs` opened for reading, when it is the regular file whose
 * `dev:ino` is `unique` (see ReadOptions.unique); undefined otherwise (closed
 * again), or when it cannot be opened: the caller then takes its guarded way,
 * which reports what is wrong.
 */
function openSame(
  abs: string,
  unique: string,
): { file: Deno.FsFile; info: Deno.FileInfo } | undefined {
  let file: Deno.FsFile;
  try {
    file = withoutStack(() => Deno.openSync(abs, { read: true }));
  } catch {
    return undefined;
  }
  try {
    const info = file.statSync();
    if (info.isFile && info.ino !== null && `${info.dev}:${info.ino}` === unique) {
      return { file, info };
    }
  } catch { /* not readable as expected: the guarded way tells */ }
  file.close();
  return undefined;
}

async function openForWrite(name: string, abs: string, offset: number): Promise<Deno.FsFile> {
  if (offset === 0) {
    return Deno.openSync(abs, { write: true, create: true, truncate: true });
  }
  let file: Deno.FsFile;
  try {
    file = await Deno.open(abs, { write: true });
  } catch (e) {
    if (e instanceof Deno.errors.NotFound) throw new InvalidOffsetError(name, offset, 0);
    throw e;
  }
  try {
    const size = (await file.stat()).size;
    if (size !== offset) throw new InvalidOffsetError(name, offset, size);
    await file.seek(offset, Deno.SeekMode.Start);
    return file;
  } catch (e) {
    file.close();
    throw e;
  }
}

/** fdatasync of a file that is not open. */
async function flushFile(abs: string): Promise<void> {
  const file = await Deno.open(abs, { read: true });
  try {
    await file.syncData();
  } finally {
    file.close();
  }
}

function fileSink(file: Deno.FsFile, flush: boolean): WriteSink {
  let open = true;
  const close = () => {
    if (open) {
      open = false;
      file.close();
    }
  };
  const writeSync = (chunk: Uint8Array) => {
    for (let at = 0; at < chunk.byteLength;) at += file.writeSync(chunk.subarray(at));
  };
  return {
    write(chunk) {
      // Synchronous: a local write lands in the page cache in microseconds,
      // less than an async call's hand-off to the thread pool costs.
      writeSync(chunk);
      return Promise.resolve();
    },
    // The FTP server's uploads write through it without the Web Streams layer.
    writeSync,
    async close() {
      if (flush) await file.syncData();
      close();
    },
    abort() {
      try {
        close();
      } catch { /* already gone */ }
      return Promise.resolve();
    },
  };
}

/**
 * Checks a file opened for a read and moves to `offset`: the bytes left from
 * there. A directory, or a failed seek, closes the file and throws.
 */
function seekOpen(p: string, file: Deno.FsFile, info: Deno.FileInfo, offset?: number): number {
  try {
    if (info.isDirectory) throw new IsADirectoryError(p);
    if (offset) file.seekSync(offset, Deno.SeekMode.Start);
  } catch (e) {
    file.close();
    throw e;
  }
  return Math.max(0, info.size - (offset ?? 0));
}

/**
 * The bytes of an open file without a stream ({@link LocalEndpoint.readDirect}):
 * read into the caller's buffer until the end of file (a file that grew is
 * read whole), which closes it, as `cancel` and a failed read do. An aborted
 * `signal` fails the next read with its reason.
 */
function fileSource(file: Deno.FsFile, expected: number, signal?: AbortSignal): ReadSource {
  let open = true;
  const close = () => {
    if (open) {
      open = false;
      file.close();
    }
  };
  const readSync = (into: Uint8Array): number | null => {
    if (signal?.aborted) {
      close();
      throw signal.reason;
    }
    if (!open) return null;
    let n: number | null;
    try {
      n = file.readSync(into);
    } catch (e) {
      close();
      throw e;
    }
    if (n === null || (n === 0 && into.length > 0)) {
      close();
      return null;
    }
    return n;
  };
  return {
    readInto: (into) => {
      try {
        return Promise.resolve(readSync(into));
      } catch (e) {
        return Promise.reject(e);
      }
    },
    readSync,
    expected,
    cancel: () => {
      close();
      return Promise.resolve();
    },
  };
}

/**
 * The bytes of an open file, as a byte stream: a BYOB reader (the FTP
 * server's downloads) has each read land in its own buffer, which it reuses,
 * so a transfer makes no garbage per chunk; a default reader gets a fresh
 * chunk per read. Nothing is read ahead (a byte stream's high-water mark is
 * 0): reads block, so reading ahead would only hold memory. `expected` (what
 * the file held when opened) sizes the default reader's chunks, so a small
 * file is not read into a large buffer; reading goes on to the end of file
 * all the same, so a file that grew is read whole.
 */
function fileStream(
  file: Deno.FsFile,
  expected: number,
  signal?: AbortSignal,
): ReadableStream<Uint8Array> {
  let open = true;
  let left = expected;
  let grown = false;
  const close = () => {
    if (open) {
      open = false;
      file.close();
    }
  };
  let onAbort: (() => void) | undefined;
  const finish = () => {
    close();
    if (onAbort) signal!.removeEventListener("abort", onAbort);
  };
  const stream = new ReadableStream({
    type: "bytes",
    start(controller) {
      if (!signal) return;
      onAbort = () => {
        close();
        controller.error(signal.reason);
      };
      signal.addEventListener("abort", onAbort, { once: true });
    },
    pull(controller) {
      try {
        const request = controller.byobRequest;
        // One byte more than expected, so that the read that finds the end is
        // small; a file that grew is read on in full chunks.
        const into = request?.view
          ? new Uint8Array(request.view.buffer, request.view.byteOffset, request.view.byteLength)
          : new Uint8Array(left > 0 ? Math.min(readChunk, left + 1) : grown ? readChunk : 1);
        const n = file.readSync(into);
        if (n !== null) {
          if (left <= 0 || n > left) grown = true;
          left -= n;
        }
        if (n === null || (n === 0 && into.length > 0)) {
          finish();
          controller.close();
          request?.respond(0);
        } else if (request?.view) request.respond(n);
        else controller.enqueue(into.subarray(0, n));
      } catch (e) {
        close();
        throw e;
      }
    },
    cancel() {
      finish();
    },
  });
  // The FTP server's downloads read the file straight into their buffer.
  return offerDirectRead(stream, { readSync: (into) => file.readSync(into), expected });
}

function toStat(name: string, info: Deno.FileInfo): Stat {
  return {
    name,
    type: info.isFile ? "file" : info.isDirectory ? "dir" : info.isSymlink ? "symlink" : "other",
    size: info.isDirectory ? 0 : info.size,
    mtime: info.mtime ?? undefined,
    precision: info.mtime ? Precision.milliseconds : Precision.unknown,
    mode: info.mode === null ? undefined : info.mode & 0o7777,
    unique: info.ino === null ? undefined : `${info.dev}:${info.ino}`,
  };
}

/**
 * Translates a Deno file-system error into the contract's error for `path`.
 *
 * @example
 * ```ts
 * try { await Deno.stat(abs); } catch (e) { throw mapError(e, "a.txt"); } // NotFoundError
 * ```
 */
export function mapError(error: unknown, path: string): unknown {
  if (error instanceof EndpointError) return error;
  const e = error as Error & { code?: string };
  if (e instanceof Deno.errors.NotFound) return new NotFoundError(path, { cause: e });
  if (e instanceof Deno.errors.AlreadyExists) return new AlreadyExistsError(path, { cause: e });
  if (e instanceof Deno.errors.NotADirectory) return new NotADirectoryError(path, { cause: e });
  if (e instanceof Deno.errors.IsADirectory) return new IsADirectoryError(path, { cause: e });
  if (e instanceof Deno.errors.FilesystemLoop) return new SymlinkLoopError(path);
  if (e instanceof Deno.errors.PermissionDenied || e instanceof Deno.errors.NotCapable) {
    return new PermissionDeniedError(path, { cause: e });
  }
  if (e?.code === "ENOTEMPTY") return new NotEmptyError(path, { cause: e });
  return error;
}

/**
 * node:fs, loaded on first use: it brings much of the Node layer, which a
 * start-up need not pay. Synchronously (`process.getBuiltinModule`), which
 * also spares the module namespace an `import()` builds: that reads every
 * export, and node:fs's lazy getters (`createReadStream`, `Utf8Stream`) then
 * load Node's streams (~5 of the ~23 ms of CPU the import took).
 */
function nodeFs(): typeof import("node:fs") {
  return process.getBuiltinModule("node:fs");
}
