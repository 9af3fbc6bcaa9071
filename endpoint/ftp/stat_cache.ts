/**
 * ftputil's stat cache, extended with directory listings: `lstat` results by
 * absolute remote path, and whole listings by directory, in one LRU.
 *
 * A cached listing also answers "missing": a name absent from its parent's
 * cached listing does not exist, without a round trip. Entries are invalidated
 * by the host's own changes (also when the server command failed, ftputil #150:
 * the server may have acted and failed to say so): the changed path, and in its
 * parent's listing only that name, which the listing then no longer answers
 * for; other clients' changes are seen once `maxAge` runs out.
 *
 * The cache never goes back in time. Every invalidation counts up an epoch; a
 * listing takes a ticket before it is asked for ({@link StatCache.begin}), and
 * keeps nothing that a change invalidated after that: nothing at all when its
 * directory or a directory above was changed, not the changed names
 * otherwise. A listing the server took before another session's upload, and
 * answered after it, would else be stored over the upload's invalidation and
 * deny the uploaded file (issue 15: renames of temporary files failing with
 * ENOENT in parallel mirrors).
 * @module
 */
import { LruCache } from "../lru.ts";
import type { Stat } from "../types.ts";

/** Options of {@link StatCache}. */
export interface StatCacheOptions {
  /** Most entries (stats + listings); grows with large listings. Default 5000. */
  size?: number;
  /** Entries older than this many ms are ignored. Default: never expire. */
  maxAge?: number;
  /** The clock in ms (tests pass a fake one). */
  now?: () => number;
  /** Start disabled. */
  disabled?: boolean;
}

/** A lookup result: a stat, known-missing, or unknown (ask the server). */
export type CacheLookup = { stat: Stat } | "missing" | undefined;

/** Change records kept before they are dropped (tickets older than that are then refused). */
const maxChangeRecords = 4096;

/**
 * A listing's `unknown` names changed after it was asked for (or since: the
 * host's own writes): it answers nothing about them.
 */
type Slot =
  | { kind: "stat"; stat: Stat }
  | {
    kind: "list";
    entries: Stat[];
    unknown?: ReadonlySet<string>;
    /** The entries by name (the last of a name), made on the first lookup. */
    byName?: Map<string, Stat>;
  };

/** What changed since a ticket, for a listing: all of it, or some of its names. */
export type Overtaken = "all" | ReadonlySet<string>;

/**
 * When a request for a listing began (see {@link StatCache.begin}); hand it
 * back to {@link StatCache.setListing}.
 */
export interface CacheTicket {
  /** The cache generation the ticket was taken in; a newer `clear` makes it stale. */
  readonly epoch: number;
}

/**
 * The parent of an absolute or relative POSIX path (`"/"` is its own parent).
 *
 * @example
 * ```ts
 * parentPath("/a/b"); // "/a"
 * parentPath("/a");   // "/"
 * ```
 */
export function parentPath(path: string): string {
  const trimmed = path.length > 1 ? path.replace(/\/+$/, "") : path;
  const i = trimmed.lastIndexOf("/");
  if (i < 0) return "";
  return i === 0 ? "/" : trimmed.slice(0, i);
}

function childPath(dir: string, name: string): string {
  return dir === "" ? name : dir.endsWith("/") ? dir + name : `${dir}/${name}`;
}

function baseName(path: string): string {
  return path.slice(path.lastIndexOf("/") + 1);
}

/**
 * The LRU of `lstat` results and listings an {@link FtpHost} keeps.
 *
 * @example
 * ```ts
 * const cache = new StatCache({ maxAge: 60_000 });
 * cache.setListing("/pub", await parseListing(lines));
 * cache.lookup("/pub/README");      // { stat } or "missing" without asking the server
 * cache.invalidate("/pub/README");  // after our own change to it
 * ```
 */
export class StatCache {
  readonly #lru: LruCache<string, Slot>;
  #enabled: boolean;
  /** Counts invalidations; a ticket remembers the count when its request began. */
  #epoch = 0;
  /** The epoch of the last change of each path itself. */
  readonly #changed = new Map<string, number>();
  /** ... of each directory's entries, by name. */
  readonly #changedEntries = new Map<string, Map<string, number>>();
  /** ... and of each whole subtree (a renamed or removed directory). */
  readonly #changedTree = new Map<string, number>();
  /** How many change records there are. */
  #records = 0;
  /** Tickets older than this count as overtaken (after `clear`, or when the records were dropped). */
  #floor = 0;
  /**
   * The directories {@link setStat} stored a stat in (a listing stored later replaces
   * those); undefined once there were too many to track (then every listing looks).
   */
  #statDirs: Set<string> | undefined = new Set();

  /** Makes an empty cache of at most `size` records, each kept at most `maxAge` ms. */
  constructor(options: StatCacheOptions = {}) {
    this.#lru = new LruCache({ size: options.size, maxAge: options.maxAge, now: options.now });
    this.#enabled = !options.disabled;
  }

  /** Whether lookups and stores take effect. */
  get enabled(): boolean {
    return this.#enabled;
  }

  /** The most entries kept. */
  get size(): number {
    return this.#lru.size;
  }

  /** Max age in ms (Infinity: never expire). */
  get maxAge(): number {
    return this.#lru.maxAge;
  }

  set maxAge(ms: number) {
    this.#lru.maxAge = ms;
  }

  /**
   * Turns caching on (starting empty: nothing seen while off can be trusted).
   *
   * @example
   * ```ts
   * cache.enable();
   * ```
   */
  enable(): void {
    if (!this.#enabled) this.clear();
    this.#enabled = true;
  }

  /**
   * Turns caching off; lookups miss and stores are ignored.
   *
   * @example
   * ```ts
   * cache.disable();
   * ```
   */
  disable(): void {
    this.#enabled = false;
    this.clear();
  }

  /**
   * Changes the size bound.
   *
   * @example
   * ```ts
   * cache.resize(20_000);
   * ```
   */
  resize(size: number): void {
    this.#lru.resize(size);
  }

  /**
   * Forgets everything (on close, a new parser or a new time shift).
   *
   * @example
   * ```ts
   * cache.clear();
   * ```
   */
  clear(): void {
    this.#lru.clear();
    this.#statDirs = new Set();
    this.#forgetChanges();
  }

  /**
   * Marks the start of a request whose answer may be stored: take the ticket
   * before the command is sent and store with it. The answer is then stored
   * only if nothing it shows was invalidated in between.
   *
   * @example
   * ```ts
   * const ticket = cache.begin();
   * cache.setListing("/pub", await fetchListing("/pub"), ticket);
   * ```
   */
  begin(): CacheTicket {
    return { epoch: this.#epoch };
  }

  /**
   * What a listing of `dir` asked for with `ticket` shows that was invalidated
   * since: `"all"` when the directory itself or one above it changed (or the
   * cache was cleared), else the names of the entries that changed.
   *
   * @example
   * ```ts
   * const ticket = cache.begin();
   * cache.invalidate("/pub/a");
   * cache.overtaken("/pub", ticket); // Set { "a" }
   * ```
   */
  overtaken(dir: string, ticket: CacheTicket): Overtaken {
    const after = (epoch: number | undefined) => (epoch ?? 0) > ticket.epoch;
    if (ticket.epoch < this.#floor || after(this.#changed.get(dir))) return "all";
    for (let at = dir;; at = parentPath(at)) {
      if (after(this.#changedTree.get(at))) return "all";
      if (at === parentPath(at)) break;
    }
    const names = new Set<string>();
    for (const [name, epoch] of this.#changedEntries.get(dir) ?? []) {
      if (after(epoch)) names.add(name);
    }
    return names;
  }

  /**
   * Stores one `lstat` result; with the ticket of the request that learnt it,
   * only when no change to the path (or above it) came in between.
   *
   * @example
   * ```ts
   * const ticket = cache.begin();
   * cache.setStat("/pub/a", await askServer("/pub/a"), ticket);
   * ```
   */
  setStat(path: string, stat: Stat, ticket?: CacheTicket): void {
    if (!this.#enabled) return;
    if (ticket) {
      const overtaken = this.overtaken(parentPath(path), ticket);
      if (overtaken === "all" || overtaken.has(baseName(path))) return;
    }
    this.#lru.set("s" + path, { kind: "stat", stat });
    if (this.#statDirs && this.#statDirs.add(parentPath(path)).size > maxChangeRecords) {
      this.#statDirs = undefined;
    }
  }

  /**
   * Stores a directory listing; it answers {@link lookup}s of its entries
   * (newer than a stat stored alone before). Grows the cache to 1.1 × the
   * entries when the listing would not fit (ftputil does the same), so a walk
   * over a big directory does not evict its own entries. With the
   * ticket of the request that fetched it, only what no change overtook is
   * stored ({@link overtaken}): a listing with changed names answers lookups
   * of the other names, but is no whole listing for {@link getListing}.
   *
   * @example
   * ```ts
   * cache.setListing("/pub", entries, ticket);
   * ```
   */
  setListing(dir: string, entries: Stat[], ticket?: CacheTicket): void {
    if (!this.#enabled) return;
    const overtaken = ticket ? this.overtaken(dir, ticket) : new Set<string>();
    if (overtaken === "all") return;
    const needed = Math.ceil(1.1 * (entries.length + 1));
    if (needed > this.#lru.size) this.#lru.resize(needed);
    // Its entries are answered from the listing itself (lookup: the listing of a path's
    // parentPath); a stat stored alone before gives way to the listing's, as the newer
    // word. No slot per entry: a walk stores ~2,000 of them and looks up none (~2.5 ms
    // of a no-change mirror's CPU, cold). A dir that is not its children's parentPath
    // (`/pub/`) keeps a slot per entry, as lookups find it by those.
    const plain = parentPath(childPath(dir, "-")) === dir;
    if (!plain) {
      for (const stat of entries) {
        if (!overtaken.has(stat.name)) this.setStat(childPath(dir, stat.name), stat);
      }
    } else if (!this.#statDirs || this.#statDirs.has(dir)) {
      for (const stat of entries) {
        if (!overtaken.has(stat.name)) this.#lru.delete("s" + childPath(dir, stat.name));
      }
    }
    const unknown = overtaken.size > 0 ? overtaken : undefined;
    // Counted as its entries against the size, as when each had a slot: the bound
    // on what the cache holds stays the same.
    this.#lru.set("l" + dir, { kind: "list", entries, unknown }, plain ? entries.length + 1 : 1);
  }

  /**
   * A cached listing of `dir`, if fresh.
   *
   * @example
   * ```ts
   * cache.getListing("/pub");
   * ```
   */
  getListing(dir: string): Stat[] | undefined {
    if (!this.#enabled) return undefined;
    const slot = this.#lru.get("l" + dir);
    return slot?.kind === "list" && !slot.unknown ? slot.entries : undefined;
  }

  /**
   * What the cache knows about a path: its stat, that it is missing (its
   * parent's listing is cached and lacks it), or nothing.
   *
   * @example
   * ```ts
   * const hit = cache.lookup("/pub/a");
   * if (hit === "missing") throw new NotFoundError("/pub/a");
   * ```
   */
  lookup(path: string): CacheLookup {
    if (!this.#enabled) return undefined;
    const slot = this.#lru.get("s" + path);
    if (slot?.kind === "stat") return { stat: slot.stat };
    const parent = parentPath(path);
    if (parent === path) return undefined;
    const listing = this.#lru.get("l" + parent);
    const name = baseName(path);
    if (listing?.kind !== "list" || listing.unknown?.has(name)) return undefined;
    listing.byName ??= new Map(listing.entries.map((s) => [s.name, s]));
    const stat = listing.byName.get(name);
    return stat ? { stat } : "missing";
  }

  /**
   * Forgets a path and its listing (if a directory); its parent's listing
   * keeps answering for the other names (a whole listing again only after a
   * new one). With `recursive`, also everything below it (a renamed or
   * removed tree).
   *
   * @example
   * ```ts
   * cache.invalidate("/pub/a");
   * cache.invalidate("/pub/olddir", { recursive: true });
   * ```
   */
  invalidate(path: string, options: { recursive?: boolean } = {}): void {
    if (this.#records >= maxChangeRecords) this.#forgetChanges();
    const epoch = ++this.#epoch;
    // Listings of the path (a directory) and of its parent show the change.
    this.#changed.set(path, epoch);
    const parent = parentPath(path);
    const entries = this.#changedEntries.get(parent) ?? new Map<string, number>();
    this.#changedEntries.set(parent, entries.set(baseName(path), epoch));
    if (options.recursive) this.#changedTree.set(path, epoch);
    this.#records += options.recursive ? 3 : 2;
    this.#lru.delete("s" + path);
    this.#lru.delete("l" + path);
    // The parent's listing stays for its other names: a sync writing one file into a
    // directory of fifty would else list the directory again for the next one (issue 12).
    if (parent !== path) this.#markUnknown(parent, baseName(path));
    if (options.recursive) {
      const prefix = path.endsWith("/") ? path : path + "/";
      this.#lru.deleteWhere((key) => key.slice(1).startsWith(prefix));
    }
  }

  /** The cached listing of `dir`, if any, answers nothing about `name` from now on. */
  #markUnknown(dir: string, name: string): void {
    const listing = this.#lru.get("l" + dir);
    if (listing?.kind !== "list") return;
    listing.unknown = new Set([...listing.unknown ?? [], name]);
  }

  /** Drops the change records; every ticket taken before counts as overtaken from now on. */
  #forgetChanges(): void {
    this.#changed.clear();
    this.#changedEntries.clear();
    this.#changedTree.clear();
    this.#records = 0;
    this.#floor = ++this.#epoch;
  }
}
