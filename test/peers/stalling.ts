/**
 * An endpoint that stops in the middle of a file, for servers that hang: put
 * it under ferry's own server and the server stops sending (a read that
 * stalls) or stops reading (a write that stalls) mid-transfer, with its
 * connections open, as a stuck real server does.
 * @module
 */
import { DelegatingEndpoint } from "../../endpoint/delegating.ts";
import type { Endpoint, ReadOptions, WriteOptions } from "../../endpoint/types.ts";

/** What to stall: the first `times` reads or writes of files named `name`, after `after` bytes. */
export interface StallRule {
  /** The file's base name (temporary names of atomic writes contain it too). */
  name: string;
  after: number;
  /** How many streams stall; later ones pass. Default 1. */
  times?: number;
}

/**
 * Stalls reads and writes by rule; `stalled` resolves when the first stream
 * stopped (the transfer is under way), `release()` fails every stalled stream
 * so the server can finish.
 *
 * @example
 * ```ts
 * const ep = new StallingEndpoint(memory, { read: { name: "big.bin", after: 65536 } });
 * const srv = await startFtpServer({ endpoint: ep, ... });
 * await ep.stalled; // the server has sent 64 KiB of big.bin and now says nothing
 * ```
 */
export class StallingEndpoint extends DelegatingEndpoint {
  /** Resolves when a stream reached its stall point. */
  readonly stalled: Promise<void>;
  /** Reads and writes opened so far, per base name, with their offsets. */
  readonly opened: { op: "read" | "write"; path: string; offset: number }[] = [];
  readonly #rules: { read?: StallRule; write?: StallRule };
  readonly #used = { read: 0, write: 0 };
  readonly #hung = new Set<(error: Error) => void>();
  #onStall!: () => void;

  constructor(inner: Endpoint, rules: { read?: StallRule; write?: StallRule }) {
    super(inner);
    this.#rules = rules;
    this.stalled = new Promise((resolve) => this.#onStall = resolve);
  }

  override async read(path: string, options?: ReadOptions): Promise<ReadableStream<Uint8Array>> {
    this.opened.push({ op: "read", path, offset: options?.offset ?? 0 });
    const stream = await super.read(path, options);
    if (!this.#applies("read", path)) return stream;
    const reader = stream.getReader();
    let left = this.#rules.read!.after;
    return new ReadableStream<Uint8Array>({
      pull: async (controller) => {
        if (left <= 0) return await this.#hang();
        const { value, done } = await reader.read();
        if (done) return controller.close();
        const part = value.subarray(0, left);
        left -= part.length;
        controller.enqueue(part);
      },
      cancel: (reason) => reader.cancel(reason),
    }, { highWaterMark: 0 });
  }

  override async write(path: string, options?: WriteOptions): Promise<WritableStream<Uint8Array>> {
    this.opened.push({ op: "write", path, offset: options?.offset ?? 0 });
    const stream = await super.write(path, options);
    if (!this.#applies("write", path)) return stream;
    const writer = stream.getWriter();
    let left = this.#rules.write!.after;
    return new WritableStream<Uint8Array>({
      write: async (chunk) => {
        if (left <= 0) return await this.#hang();
        const part = chunk.subarray(0, left);
        left -= part.length;
        await writer.write(part);
        if (left <= 0) await this.#hang();
      },
      close: () => writer.close(),
      abort: (reason) => writer.abort(reason),
    });
  }

  /** Fails every stalled stream (and later ones at once). */
  release(): void {
    this.#released = true;
    for (const fail of this.#hung) fail(new Error("stall released"));
    this.#hung.clear();
  }

  #released = false;

  #applies(op: "read" | "write", path: string): boolean {
    const rule = this.#rules[op];
    if (!rule || !path.split("/").pop()!.includes(rule.name)) return false;
    return this.#used[op]++ < (rule.times ?? 1);
  }

  #hang(): Promise<never> {
    this.#onStall();
    if (this.#released) return Promise.reject(new Error("stall released"));
    return new Promise<never>((_, reject) => this.#hung.add(reject));
  }
}
