/**
 * An endpoint that hands every call to another one: the base for endpoints
 * that add to or change a few operations of an existing one (the `uftp://`
 * endpoint over the FTP endpoint, test doubles that misbehave on purpose).
 * @module
 */
import type {
  Capabilities,
  Endpoint,
  MkdirOptions,
  ReadOptions,
  Stat,
  StatOptions,
  WriteAtOptions,
  WriteOptions,
} from "./types.ts";

/**
 * Delegates the whole endpoint contract to `inner`; subclasses override what
 * they change.
 *
 * @example
 * ```ts
 * class ReadOnly extends DelegatingEndpoint {
 *   override write(): Promise<WritableStream<Uint8Array>> {
 *     return Promise.reject(new PermissionDeniedError("read-only"));
 *   }
 * }
 * const ep = new ReadOnly(new MemoryEndpoint());
 * ```
 */
export class DelegatingEndpoint<E extends Endpoint = Endpoint> implements Endpoint {
  /** The endpoint every call goes to. */
  readonly inner: E;

  /** The inner endpoint's `writeAt`, when it has one. */
  writeAt?: (
    path: string,
    position: number,
    options?: WriteAtOptions,
  ) => Promise<WritableStream<Uint8Array>>;

  /** The inner endpoint's `warm`, when it has one. */
  warm?: () => Promise<void>;

  /** Wraps `inner`; every method not overridden forwards to it. */
  constructor(inner: E) {
    this.inner = inner;
    if (inner.writeAt) {
      this.writeAt = (path, position, options) => this.inner.writeAt!(path, position, options);
    }
    if (inner.warm) this.warm = () => this.inner.warm!();
  }

  get url(): string {
    return this.inner.url;
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
    return this.inner.capabilities();
  }

  /**
   * The entry at a path, links followed; NotFoundError when missing.
   *
   * @example
   * ```ts
   * (await ep.stat("pub/a.txt")).size; // 2
   * ```
   */
  stat(path: string, options?: StatOptions): Promise<Stat> {
    return this.inner.stat(path, options);
  }

  /**
   * The entry at a path itself (a link is reported as a link).
   *
   * @example
   * ```ts
   * (await ep.lstat("pub/link")).type; // "symlink"
   * ```
   */
  lstat(path: string, options?: StatOptions): Promise<Stat> {
    return this.inner.lstat(path, options);
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
    return this.inner.list(path);
  }

  /**
   * Streams a file's bytes (from `offset` when given).
   *
   * @example
   * ```ts
   * const text = await new Response(await ep.read("pub/a.txt")).text();
   * ```
   */
  read(path: string, options?: ReadOptions): Promise<ReadableStream<Uint8Array>> {
    return this.inner.read(path, options);
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
  write(path: string, options?: WriteOptions): Promise<WritableStream<Uint8Array>> {
    return this.inner.write(path, options);
  }

  /**
   * Makes a directory (its parents too with `parents`).
   *
   * @example
   * ```ts
   * await ep.mkdir("pub/new", { parents: true });
   * ```
   */
  mkdir(path: string, options?: MkdirOptions): Promise<void> {
    return this.inner.mkdir(path, options);
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
    return this.inner.remove(path);
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
    return this.inner.rmdir(path);
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
    return this.inner.rename(from, to);
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
    return this.inner.setMtime(path, mtime);
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
    return this.inner.chmod(path, mode);
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
    return this.inner.close();
  }
}
