/**
 * An endpoint that keeps a whole tree (files with bytes, mtime and mode,
 * directories, symlinks) in memory. For tests, demos and dry runs.
 *
 * Stores are named: every `memory://name` endpoint in one process sees the same
 * tree, so a test can write through one endpoint and check through another.
 * @module
 */
import { COMPUTED_HASHES, digestStream } from "./hash.ts";
import type {
  Capabilities,
  Endpoint,
  MkdirOptions,
  ReadOptions,
  Stat,
  WriteAtOptions,
  WriteOptions,
} from "./types.ts";
import { Precision } from "./types.ts";
import {
  AlreadyExistsError,
  InvalidOffsetError,
  InvalidPathError,
  IsADirectoryError,
  NotADirectoryError,
  NotEmptyError,
  NotFoundError,
  PermissionDeniedError,
  SymlinkLoopError,
} from "./errors.ts";
import {
  basename,
  isInside,
  joinPath,
  normalizePath,
  resolveLinkTarget,
  splitPath,
} from "./path.ts";
import {
  openPlannedWrite,
  planWrite,
  sinkStream,
  type WriteHooks,
  type WriteSink,
} from "./atomic.ts";
import { rangeStream } from "./streams.ts";

interface FileNode {
  type: "file";
  data: Uint8Array;
  mtime: Date;
  mode: number;
}
interface DirNode {
  type: "dir";
  children: Map<string, Node>;
  mtime: Date;
  mode: number;
}
interface LinkNode {
  type: "symlink";
  target: string;
  mtime: Date;
  mode: number;
}
type Node = FileNode | DirNode | LinkNode;

/** Where a path lands: the directory holding it, its name there, and the node if any. */
interface Located {
  parent?: DirNode;
  name: string;
  node?: Node;
  /** The path after following links (canonical, relative to the endpoint root). */
  path: string;
}

const maxLinkHops = 40;

/** The top of each store's tree; endpoints may be rooted below it. Kept off the class: nodes are internal. */
const storeRoots = new WeakMap<MemoryStore, DirNode>();

/**
 * One in-memory tree. Share it between endpoints by name ({@link memoryStore})
 * or by passing it to {@link MemoryEndpoint}.
 *
 * @example
 * ```ts
 * const store = new MemoryStore();
 * const a = new MemoryEndpoint({ store }), b = new MemoryEndpoint({ store });
 * ```
 */
export class MemoryStore {
  /** Makes an empty tree. */
  constructor() {
    storeRoots.set(this, newDir());
  }
}

const stores = new Map<string, MemoryStore>();

/**
 * The process-wide store of a name, created on first use.
 *
 * @example
 * ```ts
 * memoryStore("demo") === memoryStore("demo"); // true
 * ```
 */
export function memoryStore(name: string): MemoryStore {
  let store = stores.get(name);
  if (!store) stores.set(name, store = new MemoryStore());
  return store;
}

/**
 * Forgets a named store (its tree is dropped once no endpoint holds it).
 *
 * @example
 * ```ts
 * deleteMemoryStore("demo");
 * ```
 */
export function deleteMemoryStore(name: string): boolean {
  return stores.delete(name);
}

/** Options of {@link MemoryEndpoint}. */
export interface MemoryEndpointOptions {
  /** A named, process-wide store (`memory://name`). Ignored when `store` is given. */
  name?: string;
  /** An explicit store; default: the named one, else a private one. */
  store?: MemoryStore;
  /** The endpoint's root inside the store (created when missing). */
  base?: string;
  /**
   * mtime precision in ms to simulate (e.g. `Precision.minutes` for an FTP-like
   * backend): reported mtimes are truncated to it. Default: milliseconds.
   */
  precision?: number;
  /** Override the URL shown for this endpoint. */
  url?: string;
}

let anonymous = 0;

/**
 * The {@link Endpoint} contract on an in-memory tree.
 *
 * @example
 * ```ts
 * const ep = new MemoryEndpoint({ name: "demo" });
 * await ep.mkdir("docs", { parents: true });
 * const w = await ep.write("docs/a.txt");
 * await ReadableStream.from([new TextEncoder().encode("hi")]).pipeTo(w);
 * (await ep.stat("docs/a.txt")).size; // 2
 * ```
 */
export class MemoryEndpoint implements Endpoint {
  readonly url: string;
  /** The tree this endpoint reads and writes (shared with other endpoints on it). */
  readonly store: MemoryStore;
  /** The directory in the store this endpoint is rooted at (`""` for the top). */
  readonly base: string;
  /** mtime precision in ms (default 1): set mtimes are truncated to it. */
  readonly precision: number;

  /** Opens an endpoint on `options.store` (a new private store by default) at `options.base`. */
  constructor(options: MemoryEndpointOptions = {}) {
    this.store = options.store ??
      (options.name !== undefined ? memoryStore(options.name) : new MemoryStore());
    this.base = normalizePath(options.base ?? "");
    this.precision = options.precision ?? Precision.milliseconds;
    const name = options.name ?? `anonymous-${++anonymous}`;
    this.url = options.url ??
      `memory://${encodeURIComponent(name)}${this.base ? "/" + this.base : ""}`;
  }

  /**
   * Opens `memory://name[/base]`.
   *
   * @example
   * ```ts
   * const ep = MemoryEndpoint.fromUrl(new URL("memory://demo/sub"));
   * ```
   */
  static fromUrl(url: URL, options: { precision?: number } = {}): MemoryEndpoint {
    const name = decodeURIComponent(url.hostname || url.pathname.split("/")[0] || "default");
    const rest = url.hostname ? url.pathname : url.pathname.split("/").slice(1).join("/");
    return new MemoryEndpoint({
      name,
      base: decodeURIComponent(rest),
      precision: options.precision,
    });
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
    return {
      setMtime: true,
      chmod: true,
      readOffset: true,
      writeOffset: true,
      rename: true,
      symlinks: true,
      hashes: [...COMPUTED_HASHES],
      precision: this.precision,
      maxConnections: 8,
      // Segmented reads are the tests' stand-in for a far server's.
      rangedReads: true,
      writeAt: true,
      exclusiveWrites: true,
    };
  }

  /**
   * The entry at a path, links followed; NotFoundError when missing.
   *
   * @example
   * ```ts
   * (await ep.stat("pub/a.txt")).size; // 2
   * ```
   */
  stat(path: string): Promise<Stat> {
    return Promise.resolve().then(() => this.#stat(path, true));
  }

  /**
   * The entry at a path itself (a link is reported as a link).
   *
   * @example
   * ```ts
   * (await ep.lstat("pub/link")).type; // "symlink"
   * ```
   */
  lstat(path: string): Promise<Stat> {
    return Promise.resolve().then(() => this.#stat(path, false));
  }

  /**
   * The entries of a directory (without `.` and `..`).
   *
   * @example
   * ```ts
   * for (const st of await ep.list("pub")) console.log(st.name, st.type, st.size);
   * ```
   */
  list(path: string): Promise<Stat[]> {
    return Promise.resolve().then(() => {
      const dir = this.#dir(path);
      return [...dir.children].map(([name, node]) => this.#toStat(name, node));
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
  read(path: string, options: ReadOptions = {}): Promise<ReadableStream<Uint8Array>> {
    return Promise.resolve().then(() => {
      const at = this.#locate(path, true);
      if (!at.node) throw new NotFoundError(path);
      if (at.node.type === "dir") throw new IsADirectoryError(path);
      if (at.node.type !== "file") throw new NotFoundError(path);
      // Writers replace `data` rather than mutate it, so this view stays stable.
      const data = at.node.data;
      const offset = options.offset ?? 0;
      const end = options.length === undefined ? data.byteLength : offset + options.length;
      return rangeStream(data.subarray(0, end), offset, options.signal);
    });
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
    const plan = planWrite(path, options);
    // Fail before any data flows: the parent must exist, the target must not be a directory.
    const at = this.#locate(plan.target, false);
    // Exclusive: anything at the name, a link (not followed) or a directory, refuses.
    if (at.node && options.exclusive && !plan.rename && plan.offset === 0) {
      throw new AlreadyExistsError(plan.target);
    }
    if (at.node?.type === "dir") throw new IsADirectoryError(path);
    return await openPlannedWrite(plan, this.#writeHooks(), options.signal);
  }

  /**
   * Writes from `position` into `path` (created when missing), leaving the
   * rest of the file alone; a gap before `position` reads as zeros.
   *
   * @example
   * ```ts
   * await writeAll(await ep.writeAt("f", 4), new Uint8Array([1]));
   * ```
   */
  writeAt(
    path: string,
    position: number,
    options: WriteAtOptions = {},
  ): Promise<WritableStream<Uint8Array>> {
    return Promise.resolve().then(() => {
      if (!Number.isSafeInteger(position) || position < 0) {
        throw new InvalidPathError(path, `invalid position ${position}`);
      }
      options.signal?.throwIfAborted();
      const at = this.#locate(path, true);
      if (!at.parent || at.node?.type === "dir") throw new IsADirectoryError(path);
      if (at.node && at.node.type !== "file") throw new NotFoundError(path);
      const node: FileNode = at.node ??
        { type: "file", data: new Uint8Array(0), mtime: new Date(), mode: 0o644 };
      if (!at.node) addChild(at.parent, at.name, node);
      let cursor = position;
      return sinkStream({
        write(chunk) {
          // A new array each time: readers' views of `data` never change.
          const end = cursor + chunk.byteLength;
          const data = new Uint8Array(Math.max(node.data.byteLength, end));
          data.set(node.data);
          data.set(chunk, cursor);
          node.data = data;
          node.mtime = new Date();
          cursor = end;
          return Promise.resolve();
        },
        close: () => Promise.resolve(),
        abort: () => Promise.resolve(),
      }, options.signal);
    });
  }

  /**
   * Makes a directory (its parents too with `parents`).
   *
   * @example
   * ```ts
   * await ep.mkdir("pub/new", { parents: true });
   * ```
   */
  mkdir(path: string, options: MkdirOptions = {}): Promise<void> {
    return Promise.resolve().then(() => {
      if (options.parents) {
        let done = "";
        for (const segment of splitPath(path)) {
          done = joinPath(done, segment);
          const at = this.#locate(done, true);
          if (!at.node) addChild(at.parent!, at.name, newDir());
          else if (at.node.type !== "dir") throw new AlreadyExistsError(done);
        }
        return;
      }
      const at = this.#locate(path, false);
      if (at.node || !at.parent) throw new AlreadyExistsError(path);
      addChild(at.parent, at.name, newDir());
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
  remove(path: string): Promise<void> {
    return Promise.resolve().then(() => {
      const at = this.#existing(path, false);
      if (at.node.type === "dir") throw new IsADirectoryError(path);
      removeChild(at.parent!, at.name);
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
  rmdir(path: string): Promise<void> {
    return Promise.resolve().then(() => {
      const at = this.#existing(path, false);
      if (!at.parent) throw new PermissionDeniedError(path, { message: "cannot remove the root" });
      if (at.node.type !== "dir") throw new NotADirectoryError(path);
      if (at.node.children.size > 0) throw new NotEmptyError(path);
      removeChild(at.parent, at.name);
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
  rename(from: string, to: string): Promise<void> {
    return Promise.resolve().then(() => this.#rename(from, to));
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
  setMtime(path: string, mtime: Date): Promise<void> {
    return Promise.resolve().then(() => {
      this.#existing(path, true).node.mtime = new Date(mtime);
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
  chmod(path: string, mode: number): Promise<void> {
    return Promise.resolve().then(() => {
      this.#existing(path, true).node.mode = mode & 0o7777;
    });
  }

  /**
   * Creates a symlink at `path` pointing to `target` (relative to the link's
   * directory, or absolute from the endpoint root). Not part of the contract.
   *
   * @example
   * ```ts
   * await ep.symlink("docs/a.txt", "latest");
   * ```
   */
  symlink(target: string, path: string): Promise<void> {
    return Promise.resolve().then(() => {
      if (/[\0\r\n]/.test(target)) throw new InvalidPathError(target, "bad link target");
      const at = this.#locate(path, false);
      if (at.node || !at.parent) throw new AlreadyExistsError(path);
      addChild(at.parent, at.name, {
        type: "symlink",
        target,
        mtime: new Date(),
        mode: 0o777,
      });
    });
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

  #writeHooks(): WriteHooks {
    return {
      open: (name, offset) => Promise.resolve().then(() => this.#openSink(name, offset)),
      rename: (from, to) => this.rename(from, to),
      remove: (name) => this.remove(name),
      setMtime: (path, mtime) => this.setMtime(path, mtime),
    };
  }

  #openSink(name: string, offset: number): WriteSink {
    const at = this.#locate(name, true);
    if (!at.parent) throw new IsADirectoryError(name);
    if (at.node?.type === "dir") throw new IsADirectoryError(name);
    const old = at.node?.type === "file" ? at.node.data : new Uint8Array(0);
    // Offset 0 truncates (WriteHooks.open), as a file opened for writing does.
    if (offset > 0 && offset !== old.byteLength) {
      throw new InvalidOffsetError(name, offset, old.byteLength);
    }
    let buffer = new Uint8Array(Math.max(offset, 64 * 1024));
    buffer.set(old.subarray(0, offset));
    let length = offset;
    const node: FileNode = at.node?.type === "file"
      ? at.node
      : { type: "file", data: new Uint8Array(0), mtime: new Date(), mode: 0o644 };
    node.data = buffer.subarray(0, length);
    node.mtime = new Date();
    if (!at.node) addChild(at.parent, at.name, node);
    return {
      write(chunk) {
        if (length + chunk.byteLength > buffer.byteLength) {
          const bigger = new Uint8Array(Math.max(buffer.byteLength * 2, length + chunk.byteLength));
          bigger.set(buffer.subarray(0, length));
          buffer = bigger;
        }
        buffer.set(chunk, length);
        length += chunk.byteLength;
        node.data = buffer.subarray(0, length);
        node.mtime = new Date();
        return Promise.resolve();
      },
      close() {
        // Trim to size and detach from the growth buffer, so readers' views never change.
        node.data = buffer.slice(0, length);
        return Promise.resolve();
      },
      abort() {
        return Promise.resolve();
      },
    };
  }

  #rename(from: string, to: string): void {
    normalizePath(to); // reject a bad target before looking at the source
    const src = this.#existing(from, false);
    if (!src.parent) throw new PermissionDeniedError(from, { message: "cannot rename the root" });
    const dst = this.#locate(to, false);
    if (!dst.parent) throw new AlreadyExistsError(to);
    if (src.node === dst.node && src.parent === dst.parent) return;
    if (src.node.type === "dir" && isInside(dst.path, src.path)) {
      throw new InvalidPathError(to, "cannot move a directory into itself");
    }
    if (dst.node) {
      if (dst.node.type === "dir") {
        if (src.node.type !== "dir") throw new IsADirectoryError(to);
        if (dst.node.children.size > 0) throw new NotEmptyError(to);
      } else if (src.node.type === "dir") {
        throw new NotADirectoryError(to);
      }
    }
    removeChild(src.parent, src.name);
    addChild(dst.parent, dst.name, src.node);
  }

  #stat(path: string, follow: boolean): Stat {
    const at = this.#existing(path, follow);
    return this.#toStat(basename(path), at.node);
  }

  #toStat(name: string, node: Node): Stat {
    const p = this.precision;
    const t = node.mtime.getTime();
    const stat: Stat = {
      name,
      type: node.type,
      size: node.type === "file" ? node.data.byteLength : 0,
      mtime: Number.isFinite(p) ? new Date(p > 1 ? Math.floor(t / p) * p : t) : undefined,
      precision: p,
      mode: node.mode,
    };
    if (node.type === "symlink") stat.target = node.target;
    return stat;
  }

  #dir(path: string): DirNode {
    const at = this.#existing(path, true);
    if (at.node.type !== "dir") throw new NotADirectoryError(path);
    return at.node;
  }

  #existing(path: string, follow: boolean): Located & { node: Node } {
    const at = this.#locate(path, follow);
    if (!at.node) throw new NotFoundError(path);
    return at as Located & { node: Node };
  }

  #root(): DirNode {
    let dir = storeRoots.get(this.store)!;
    for (const segment of splitPath(this.base)) {
      let next = dir.children.get(segment);
      if (!next) addChild(dir, segment, next = newDir());
      if (next.type !== "dir") throw new NotADirectoryError(this.base);
      dir = next;
    }
    return dir;
  }

  /**
   * Walks `path` from the root, following symlinks in the middle always and at
   * the end when `follow`. A missing last segment yields `node: undefined`; a
   * missing middle one throws `NotFoundError`.
   */
  #locate(path: string, follow: boolean): Located {
    const root = this.#root();
    const pending = splitPath(path);
    if (pending.length === 0) return { name: "", node: root, path: "" };
    let dir = root;
    let walked: string[] = [];
    let hops = 0;
    while (pending.length > 0) {
      const name = pending.shift()!;
      const node = dir.children.get(name);
      const last = pending.length === 0;
      const here = [...walked, name].join("/");
      if (!node) {
        if (last) return { parent: dir, name, path: here };
        throw new NotFoundError(path);
      }
      if (node.type === "symlink" && (!last || follow)) {
        if (++hops > maxLinkHops) throw new SymlinkLoopError(path);
        pending.unshift(...splitPath(resolveLinkTarget(here, node.target)));
        dir = root;
        walked = [];
        if (pending.length === 0) return { name: "", node: root, path: "" };
        continue;
      }
      if (last) return { parent: dir, name, node, path: here };
      if (node.type !== "dir") throw new NotADirectoryError(path);
      dir = node;
      walked.push(name);
    }
    throw new Error("unreachable");
  }
}

function newDir(): DirNode {
  return { type: "dir", children: new Map(), mtime: new Date(), mode: 0o755 };
}

function addChild(dir: DirNode, name: string, node: Node): void {
  dir.children.set(name, node);
  dir.mtime = new Date();
}

function removeChild(dir: DirNode, name: string): void {
  dir.children.delete(name);
  dir.mtime = new Date();
}
