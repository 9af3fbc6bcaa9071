/**
 * A small least-recently-used cache with an optional maximum age, on a `Map`
 * (whose insertion order doubles as the recency order). The clock is injected
 * so tests can move time by hand.
 * @module
 */

/** Options of {@link LruCache}. */
export interface LruOptions {
  /** Most entries kept (default 5000, ftputil's default); an entry may count as several (`set`). */
  size?: number;
  /** Entries older than this many ms are treated as absent (default: never). */
  maxAge?: number;
  /** The clock, in ms (default `Date.now`). */
  now?: () => number;
}

interface Slot<V> {
  value: V;
  stored: number;
  /** How many entries it counts as against the size. */
  weight: number;
}

/**
 * An LRU map with a size bound and an optional age bound.
 *
 * @example
 * ```ts
 * const cache = new LruCache<string, number>({ size: 2 });
 * cache.set("a", 1); cache.set("b", 2); cache.get("a"); cache.set("c", 3);
 * cache.has("b"); // false: "b" was the least recently used
 * ```
 */
export class LruCache<K, V> {
  #slots = new Map<K, Slot<V>>();
  #size: number;
  /** The weights of the slots, summed. */
  #weight = 0;
  /** Entries older than this (ms) count as absent. */
  maxAge: number;
  readonly #now: () => number;

  /** Makes an empty cache (default 5000 entries, no age limit). */
  constructor(options: LruOptions = {}) {
    this.#size = checkSize(options.size ?? 5000);
    this.maxAge = options.maxAge ?? Number.POSITIVE_INFINITY;
    this.#now = options.now ?? Date.now;
  }

  /** The most entries kept. */
  get size(): number {
    return this.#size;
  }

  /** How many entries are stored now (expired ones included until touched). */
  get length(): number {
    return this.#slots.size;
  }

  /**
   * Changes the bound, dropping the least recently used entries if needed.
   *
   * @example
   * ```ts
   * cache.resize(10_000);
   * ```
   */
  resize(size: number): void {
    this.#size = checkSize(size);
    this.#evict();
  }

  /**
   * The value for `key`, marking it most recently used; `undefined` when absent
   * or expired (an expired entry is dropped).
   *
   * @example
   * ```ts
   * cache.get("a");
   * ```
   */
  get(key: K): V | undefined {
    const slot = this.#slots.get(key);
    if (!slot) return undefined;
    this.#slots.delete(key);
    if (this.#now() - slot.stored > this.maxAge) {
      this.#weight -= slot.weight;
      return undefined;
    }
    this.#slots.set(key, slot);
    return slot.value;
  }

  /**
   * Whether a fresh entry exists, without changing its recency.
   *
   * @example
   * ```ts
   * cache.has("a");
   * ```
   */
  has(key: K): boolean {
    const slot = this.#slots.get(key);
    return slot !== undefined && this.#now() - slot.stored <= this.maxAge;
  }

  /**
   * Stores a value as most recently used, evicting the least recently used
   * entries beyond the size. It counts as `weight` entries against the size
   * (a listing as its entries: endpoint/ftp/stat_cache.ts).
   *
   * @example
   * ```ts
   * cache.set("a", 1);
   * ```
   */
  set(key: K, value: V, weight = 1): void {
    this.delete(key);
    this.#slots.set(key, { value, stored: this.#now(), weight });
    this.#weight += weight;
    this.#evict();
  }

  /**
   * Removes one entry; returns whether it was there.
   *
   * @example
   * ```ts
   * cache.delete("a");
   * ```
   */
  delete(key: K): boolean {
    const slot = this.#slots.get(key);
    if (!slot) return false;
    this.#slots.delete(key);
    this.#weight -= slot.weight;
    return true;
  }

  /**
   * Removes every entry whose key passes `test`; returns how many.
   *
   * @example
   * ```ts
   * cache.deleteWhere((k) => k.startsWith("/tmp/"));
   * ```
   */
  deleteWhere(test: (key: K) => boolean): number {
    let n = 0;
    for (const key of [...this.#slots.keys()]) if (test(key) && this.delete(key)) n++;
    return n;
  }

  /**
   * Removes everything.
   *
   * @example
   * ```ts
   * cache.clear();
   * ```
   */
  clear(): void {
    this.#slots.clear();
    this.#weight = 0;
  }

  /**
   * Keys from least to most recently used (expired ones included).
   *
   * @example
   * ```ts
   * [...cache.keys()];
   * ```
   */
  keys(): IterableIterator<K> {
    return this.#slots.keys();
  }

  #evict(): void {
    // Most stores fit: no iterator for them.
    if (this.#weight <= this.#size) return;
    for (const key of this.#slots.keys()) {
      if (this.#weight <= this.#size) break;
      this.delete(key);
    }
  }
}

function checkSize(size: number): number {
  if (!Number.isInteger(size) || size < 1) throw new RangeError(`invalid cache size ${size}`);
  return size;
}
