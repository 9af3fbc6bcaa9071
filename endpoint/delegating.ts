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

  /** Wraps `inner`; every method not overridden forwards to it. */
  constructor(inner: E) {
    this.inner = inner;
    if (inner.writeAt) {
      this.writeAt = (path, position, options) => this.inner.writeAt!(path, position, options);
    }
  }

  get url(): string {
    return this.inner.url;
  }

  capabilities(): Capabilities {
    return this.inner.capabilities();
  }

  stat(path: string, options?: StatOptions): Promise<Stat> {
    return this.inner.stat(path, options);
  }

  lstat(path: string, options?: StatOptions): Promise<Stat> {
    return this.inner.lstat(path, options);
  }

  list(path: string): Promise<Stat[]> {
    return this.inner.list(path);
  }

  read(path: string, options?: ReadOptions): Promise<ReadableStream<Uint8Array>> {
    return this.inner.read(path, options);
  }

  write(path: string, options?: WriteOptions): Promise<WritableStream<Uint8Array>> {
    return this.inner.write(path, options);
  }

  mkdir(path: string, options?: MkdirOptions): Promise<void> {
    return this.inner.mkdir(path, options);
  }

  remove(path: string): Promise<void> {
    return this.inner.remove(path);
  }

  rmdir(path: string): Promise<void> {
    return this.inner.rmdir(path);
  }

  rename(from: string, to: string): Promise<void> {
    return this.inner.rename(from, to);
  }

  setMtime(path: string, mtime: Date): Promise<void> {
    return this.inner.setMtime(path, mtime);
  }

  chmod(path: string, mode: number): Promise<void> {
    return this.inner.chmod(path, mode);
  }

  close(): Promise<void> {
    return this.inner.close();
  }
}
