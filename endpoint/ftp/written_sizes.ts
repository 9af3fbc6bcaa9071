/**
 * The sizes the server gave for files a host just wrote (SIZE sent as the
 * upload ended, answered after its 226: see `OpenOptions.onSize`), so that
 * the first fresh stat after the write takes it instead of asking again; a
 * size is used once, and not when anything changed the path since.
 * @module
 */
import { Precision, type Stat } from "../types.ts";
import type { CacheTicket, StatCache } from "./stat_cache.ts";
import { remoteBasename, remoteDirname } from "./remote_path.ts";

/** Writes nobody checks afterwards must not pile up. */
const KEPT = 256;

/**
 * Sizes heard after writes, by absolute server path.
 *
 * @example
 * ```ts
 * const sizes = new WrittenSizes(host.statCache);
 * sizes.note("/up/a.bin", 1024);
 * sizes.take("/up/a.bin")?.size; // 1024, once
 * ```
 */
export class WrittenSizes {
  readonly #statCache: StatCache;
  readonly #sizes = new Map<string, { size: number; ticket: CacheTicket }>();

  /** Sizes checked against (and kept in) `statCache`. */
  constructor(statCache: StatCache) {
    this.#statCache = statCache;
  }

  /**
   * Keeps the size the server confirmed for `target`'s write.
   *
   * @example
   * ```ts
   * sizes.note("/up/a.bin", 1024);
   * ```
   */
  note(target: string, size: number): void {
    if (this.#sizes.size >= KEPT) this.#sizes.delete(this.#sizes.keys().next().value!);
    this.#sizes.set(target, { size, ticket: this.#statCache.begin() });
  }

  /**
   * Forgets `target`'s size (a new write of it begins).
   *
   * @example
   * ```ts
   * sizes.forget("/up/a.bin");
   * ```
   */
  forget(target: string): void {
    this.#sizes.delete(target);
  }

  /**
   * The stat of `target` from its size heard after the write (then cached),
   * once; undefined when none was heard or the path changed since.
   *
   * @example
   * ```ts
   * const stat = sizes.take("/up/a.bin") ?? await fresh.lstat("/up/a.bin");
   * ```
   */
  take(target: string): Stat | undefined {
    const heard = this.#sizes.get(target);
    if (!heard) return undefined;
    this.#sizes.delete(target);
    const overtaken = this.#statCache.overtaken(remoteDirname(target), heard.ticket);
    if (overtaken === "all" || overtaken.has(remoteBasename(target))) return undefined;
    const stat: Stat = {
      name: remoteBasename(target),
      type: "file",
      size: heard.size,
      precision: Precision.unknown,
    };
    this.#statCache.setStat(target, stat, heard.ticket);
    return stat;
  }
}
