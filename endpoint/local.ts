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
 *
 * Its parts: the root and the path guard (endpoint/local/guard.ts); reads
 * (local/read.ts) and writes (local/write.ts); what the endpoint hands them
 * (local/context.ts). Here: the metadata operations, the stat and error
 * mapping. Reads and writes are imported statically: imported on first use,
 * each cost a mirror that copies ~1.4 ms of CPU (a dynamic import), more
 * than loading them costs a mirror that copies nothing.
 * @module
 */
import { COMPUTED_HASHES, digestStream } from "./hash.ts";
import { pathToFileUrl, resolve as resolveHostPath } from "../util/paths.ts";
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
  InvalidPathError,
  IsADirectoryError,
  NotADirectoryError,
  NotEmptyError,
  NotFoundError,
  PermissionDeniedError,
  SymlinkLoopError,
} from "./errors.ts";
import { basename, dirname, normalizePath } from "./path.ts";
import { openPlannedDirect, openPlannedWrite } from "./atomic.ts";
import { limitStream } from "./streams.ts";
import { logger } from "../util/log.ts";
import { mtimeNotSet } from "./mtime_warning.ts";
import { type Guarded, lstatOrUndefined, RootGuard, withoutStack } from "./local/guard.ts";
import type { LocalFiles } from "./local/context.ts";
import { fileSource, fileStream, opened, seekOpen } from "./local/read.ts";
import { openAt, planned as plannedWrite } from "./local/write.ts";

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
  readonly #fsync: "replace" | "always" | "never";
  readonly #guard: RootGuard;
  /** What this endpoint hands its read and write code (see endpoint/local/context.ts). */
  readonly #files: LocalFiles;

  /** Serves the directory `root` (resolved against the current directory). */
  constructor(root: string, options: LocalEndpointOptions = {}) {
    this.root = resolveHostPath(root);
    this.url = pathToFileUrl(this.root).href;
    this.#fsync = options.fsync ?? "replace";
    this.#guard = new RootGuard(this.root, options.create ?? false);
    this.#files = {
      guard: this.#guard,
      fsync: this.#fsync,
      attempt,
      attemptSync,
      setMtime: (path, mtime) => this.setMtime(path, mtime),
    };
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
    const found = await this.#guard.guard(p, true);
    // The guard's lstat found nothing there: a stat would only throw the same
    // thing, dearer (a Deno error costs ~25 us more than a stat that finds).
    if (found && !found.info) throw new NotFoundError(p);
    // What the guard's lstat found is no link: that is the stat already.
    if (found?.info && !found.info.isSymlink) return toStat(basename(p), found.info);
    return attemptSync(p, () => toStat(basename(p), Deno.statSync(this.#guard.abs(p))));
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
    const guarded = this.#guard.guard(p, false);
    if (guarded instanceof Promise) await guarded;
    return attemptSync(p, () => this.#lstatAt(p));
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
    // One turn of the event loop per directory (an async op; its answer is not
    // needed: the read below reports what is wrong): the reads are synchronous,
    // and a walk of a whole tree would otherwise run as one turn, with the
    // connections of a walk beside it (a mirror's FTP side, logging in or
    // listing) unread until it ends.
    await Deno.lstat(this.#guard.abs(p)).catch(() => {});
    await this.#guard.guard(p, true);
    return attemptSync(p, () => {
      // Read whole, then each entry lstat'ed (synchronously too): the async
      // readDir took an op and three promises per entry.
      const names: string[] = [];
      for (const entry of Deno.readDirSync(this.#guard.abs(p))) names.push(entry.name);
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
    return await opened(this.#files, p, options, (file, info) => {
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
    return await opened(this.#files, p, options, (file, info) => {
      const left = seekOpen(p, file, info, options.offset);
      return fileSource(file, left, options.signal);
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
    return await openAt(this.#files, p, position, options);
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
    const planned = plannedWrite(this.#files, path, options);
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
    const planned = plannedWrite(this.#files, path, options);
    const { plan, hooks } = planned instanceof Promise ? await planned : planned;
    return await openPlannedDirect(plan, hooks, options.signal);
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
    await this.#guard.guard(p, false);
    await attempt(p, async () => {
      try {
        await Deno.mkdir(this.#guard.abs(p), { recursive: options.parents ?? false });
      } catch (e) {
        // `mkdir -p` over an existing file: report the path as taken.
        if (options.parents && e instanceof Deno.errors.NotADirectory) {
          throw new AlreadyExistsError(p, { cause: e });
        }
        throw e;
      }
      if (options.parents && !Deno.statSync(this.#guard.abs(p)).isDirectory) {
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
    await this.#guard.guard(p, false);
    await attempt(p, async () => {
      const info = Deno.lstatSync(this.#guard.abs(p));
      if (info.isDirectory) throw new IsADirectoryError(p);
      if (!info.isFile) this.#guard.forget();
      await Deno.remove(this.#guard.abs(p));
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
    await this.#guard.guard(p, false);
    await attempt(p, async () => {
      if (!Deno.lstatSync(this.#guard.abs(p)).isDirectory) throw new NotADirectoryError(p);
      this.#guard.forget();
      await Deno.remove(this.#guard.abs(p));
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
    const root = this.#guard.known;
    if (root === undefined) return this.#guard.real().then(() => this.#move(f, t));
    this.#guard.guardAt(root, f, false);
    if (dirname(f) !== dirname(t)) this.#guard.guardAt(root, t, false);
    const fs = this.#fsync === "replace" ? nodeFs() : undefined;
    // Synchronous steps, each error about its path, as the small file operations here
    // are: no async closure and promises per rename (a mirror renames every file).
    const replacing = attemptSync(f, () => {
      // Moving a checked directory or link (or something onto one) changes where paths lead.
      if (this.#guard.checked(f) || this.#guard.checked(t)) this.#guard.forget();
      // existsSync first: it answers "nothing there" without building an error,
      // and a new name (the common case) needs no more questions.
      return fs !== undefined && fs.existsSync(this.#guard.abs(t)) &&
        lstatOrUndefined(this.#guard.abs(t))?.isFile === true &&
        Deno.lstatSync(this.#guard.abs(f)).isFile;
    });
    const move = () =>
      attemptSync(t, () => Deno.renameSync(this.#guard.abs(f), this.#guard.abs(t)));
    // The new content must be on the disk before it replaces the old (see `fsync`).
    if (replacing) return attempt(f, () => flushFile(this.#guard.abs(f))).then(move);
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
    this.#utime(p, await this.#guard.guard(p, true), mtime);
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
      const found = this.#guard.guard(f, true);
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
    attemptSync(p, () => {
      const info = found?.info && !found.info.isSymlink
        ? found.info
        : Deno.statSync(this.#guard.abs(p));
      Deno.utimeSync(this.#guard.abs(p), info.atime ?? mtime, mtime);
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
    await this.#guard.guard(p, true);
    await attempt(p, () => Promise.resolve(Deno.chmodSync(this.#guard.abs(p), mode & 0o7777)));
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
    await this.#guard.guard(p, false);
    this.#guard.forget();
    await attempt(p, () => Deno.symlink(target, this.#guard.abs(p)));
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

  #lstatAt(path: string): Stat {
    const abs = this.#guard.abs(path);
    // A miss is mapped to the endpoint's own error (mapError), which has the stack.
    const info = withoutStack(() => Deno.lstatSync(abs));
    const st = toStat(basename(path), info);
    if (info.isSymlink) st.target = Deno.readLinkSync(abs);
    return st;
  }
}

/** Runs a Deno file operation and turns its errors into endpoint errors about `path`. */
async function attempt<T>(path: string, op: () => Promise<T>): Promise<T> {
  try {
    return await op();
  } catch (e) {
    throw mapError(e, path);
  }
}

/** {@link attempt} of a synchronous operation (no promise of its own). */
function attemptSync<T>(path: string, op: () => T): T {
  try {
    return op();
  } catch (e) {
    throw mapError(e, path);
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
