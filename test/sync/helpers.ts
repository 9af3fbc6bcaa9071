/**
 * Test helpers for the sync layer: file fixtures on any endpoint, and wrapper
 * endpoints that misbehave on purpose (a listing that fails, a write stream cut
 * after N bytes, a target that cannot keep mtimes).
 * @module
 */
import type {
  Capabilities,
  Endpoint,
  ReadOptions,
  Stat,
  WriteOptions,
} from "../../endpoint/types.ts";
import { UnsupportedError } from "../../endpoint/errors.ts";
import { dirname, normalizePath } from "../../endpoint/path.ts";
import { MemoryEndpoint } from "../../endpoint/memory.ts";
import { LocalEndpoint } from "../../endpoint/local.ts";
import { collect } from "../../endpoint/streams.ts";
import { DelegatingEndpoint } from "../../endpoint/delegating.ts";
import { listTree } from "../../sync/walk.ts";
import { createHash } from "node:crypto";

const enc = new TextEncoder();
const dec = new TextDecoder();

/** A fixed, whole-second time (FTP-friendly) `offsetS` seconds after a base. */
export function at(offsetS = 0): Date {
  return new Date(Date.UTC(2024, 0, 2, 3, 4, 5) + offsetS * 1000);
}

/** Writes a file (creating parents) and sets its mtime. */
export async function put(
  ep: Endpoint,
  path: string,
  content: string | Uint8Array,
  mtime: Date = at(),
): Promise<void> {
  const bytes = typeof content === "string" ? enc.encode(content) : content;
  const parent = dirname(path);
  if (parent !== "") await ep.mkdir(parent, { parents: true });
  await ReadableStream.from([bytes]).pipeTo(await ep.write(path));
  await ep.setMtime(path, mtime);
}

/** A file's content as text. */
export async function text(ep: Endpoint, path: string): Promise<string> {
  return dec.decode(await collect(await ep.read(path)));
}

/** Every file (and link) under `root` as path -> content (links as "-> target"). */
export async function contents(ep: Endpoint, root = ""): Promise<Record<string, string>> {
  const tree = await listTree(ep, root, { symlinks: "copy-as-link" });
  const out: Record<string, string> = {};
  for (const [path, st] of tree.entries) {
    if (st.type === "file") out[path] = await text(ep, root ? `${root}/${path}` : path);
    else if (st.type === "symlink") out[path] = `-> ${st.target}`;
    else if (st.type === "dir") out[path + "/"] = "";
  }
  return out;
}

/** A fresh private memory endpoint. */
export function mem(precision?: number): MemoryEndpoint {
  return new MemoryEndpoint({ precision });
}

/** A local endpoint on a new temporary directory, removed on dispose. */
export async function tempLocal(): Promise<LocalEndpoint & AsyncDisposable> {
  const dir = await Deno.makeTempDir({ prefix: "ferry-sync-" });
  const ep = new LocalEndpoint(dir) as LocalEndpoint & AsyncDisposable;
  ep[Symbol.asyncDispose] = () => Deno.remove(dir, { recursive: true });
  return ep;
}

/** Delegates everything to an inner endpoint; subclasses override what should misbehave. */
export class Wrapped extends DelegatingEndpoint {}

/** list() fails (like a dropped LIST) for the named directories. */
export class FailingList extends Wrapped {
  readonly failing: Set<string>;
  constructor(inner: Endpoint, failing: string[]) {
    super(inner);
    this.failing = new Set(failing.map(normalizePath));
  }
  override list(path: string): Promise<Stat[]> {
    if (this.failing.has(normalizePath(path))) {
      return Promise.reject(
        Object.assign(new Error(`425 cannot open data connection for ${path}`), { ftpCode: 425 }),
      );
    }
    return super.list(path);
  }
}

/** The error a cut connection gives. */
export function connectionReset(): Error {
  return Object.assign(new Error("connection reset by peer"), { code: "ECONNRESET" });
}

/**
 * The write stream of the first `cuts` writes fails after `cutAfter` bytes,
 * as a dropped data connection would. Records every write (path and options)
 * and every rename, so tests can check offsets and that no real name ever
 * received bytes directly.
 */
export class CutWrites extends Wrapped {
  readonly writes: { path: string; options: WriteOptions }[] = [];
  readonly renames: { from: string; to: string }[] = [];
  cuts: number;
  readonly cutAfter: number;
  /**
   * End the cut stream with a close (FIN, the server's 226 awaited) instead of a
   * reset: the server keeps every byte sent. The cut write is opened without its
   * `size`, or the endpoint would refuse the short close and abort (ABOR), and a
   * server drops what it had not read yet (pyftpdlib closes the data channel on ABOR).
   */
  readonly graceful: boolean;
  constructor(inner: Endpoint, cutAfter: number, cuts = 1, options: { graceful?: boolean } = {}) {
    super(inner);
    this.cutAfter = cutAfter;
    this.cuts = cuts;
    this.graceful = options.graceful ?? false;
  }
  override async write(path: string, options: WriteOptions = {}) {
    this.writes.push({ path: normalizePath(path), options });
    if (this.cuts <= 0) return await super.write(path, options);
    this.cuts--;
    const real = await super.write(
      path,
      this.graceful ? { ...options, size: undefined } : options,
    );
    const writer = real.getWriter();
    let passed = 0;
    const limit = this.cutAfter;
    const graceful = this.graceful;
    return new WritableStream<Uint8Array>({
      async write(chunk) {
        const room = limit - passed;
        if (chunk.byteLength > room) {
          if (room > 0) await writer.write(chunk.subarray(0, room));
          passed = limit;
          const error = connectionReset();
          if (graceful) await writer.close();
          else await writer.abort(error);
          throw error;
        }
        passed += chunk.byteLength;
        await writer.write(chunk);
      },
      close: () => writer.close(),
      abort: (reason) => writer.abort(reason),
    });
  }
  override rename(from: string, to: string): Promise<void> {
    this.renames.push({ from: normalizePath(from), to: normalizePath(to) });
    return super.rename(from, to);
  }
}

/**
 * The read stream of the first `cuts` reads errors after `cutAfter` bytes, as
 * a download whose data connection dropped. Records each read's offset.
 */
export class CutReads extends Wrapped {
  readonly reads: { path: string; offset: number }[] = [];
  cuts: number;
  readonly cutAfter: number;
  constructor(inner: Endpoint, cutAfter: number, cuts = 1) {
    super(inner);
    this.cutAfter = cutAfter;
    this.cuts = cuts;
  }
  override async read(path: string, options: ReadOptions = {}) {
    this.reads.push({ path: normalizePath(path), offset: options.offset ?? 0 });
    const real = await super.read(path, options);
    if (this.cuts <= 0) return real;
    this.cuts--;
    const reader = real.getReader();
    let left = this.cutAfter;
    return new ReadableStream<Uint8Array>({
      async pull(controller) {
        if (left <= 0) {
          await reader.cancel();
          return controller.error(connectionReset());
        }
        const { done, value } = await reader.read();
        if (done) return controller.close();
        const part = value.subarray(0, left);
        left -= part.byteLength;
        controller.enqueue(part);
      },
      cancel: (reason) => reader.cancel(reason),
    });
  }
}

/** A target that cannot set mtimes (like an FTP server without MFMT). */
export class NoMtime extends Wrapped {
  override capabilities(): Capabilities {
    return { ...super.capabilities(), setMtime: false };
  }
  override setMtime(): Promise<void> {
    return Promise.reject(new UnsupportedError("setMtime", this.url));
  }
}

/** Bytes 0..n-1 mod 251 (a pattern that shows misplaced offsets). */
export function pattern(n: number): Uint8Array {
  return Uint8Array.from({ length: n }, (_, i) => i % 251);
}

/** Hex SHA-256 of bytes (byte-identical checks of large files). */
export function sha256(bytes: Uint8Array): string {
  return createHash("sha256").update(bytes).digest("hex");
}

/** `size` random bytes (a large file no offset mistake can hide in). */
export function randomFile(size: number): Uint8Array {
  const bytes = new Uint8Array(size);
  for (let at = 0; at < size; at += 65_536) crypto.getRandomValues(bytes.subarray(at, at + 65_536));
  return bytes;
}
