/**
 * Walking an endpoint tree: parallel directory listings (bounded), filters
 * that prune, a symlink policy, and an honest account of what could not be
 * listed, so that no caller deletes on the strength of a partial listing.
 * @module
 */
import type { Endpoint, Stat, StatList } from "../endpoint/types.ts";
import { NotFoundError } from "../endpoint/errors.ts";
import { isInside, joinPath, normalizePath, resolveLinkTarget } from "../endpoint/path.ts";
import { isTempName } from "../endpoint/atomic.ts";
import { logger } from "../util/log.ts";
import { type Filter, type FilterRules, makeFilter } from "./filter.ts";
import { globsLoaded, hasGlobs, loadGlobs } from "./glob_engine.ts";
import { errorMessage } from "../util/errors.ts";
import { whereOn } from "./where.ts";
import { type RetryOptions, withRetry } from "./retry.ts";

const log = logger("sync", "walk");

/**
 * What to do with symlinks: leave them out, walk what they point to, or hand
 * them on as links (jobs recreate them where the target endpoint can).
 */
export type SymlinkPolicy = "skip" | "follow" | "copy-as-link";

/** Options of {@link walk} and {@link listTree}. */
export interface WalkOptions extends FilterRules {
  /** Default `skip` (as rclone does for local links); `follow` descends into linked dirs. */
  symlinks?: SymlinkPolicy;
  /** Directory listings in flight at once (default 4, capped by the endpoint's connections). */
  concurrency?: number;
  /** A precompiled filter; overrides include/exclude/minSize/maxSize. */
  filter?: Filter;
  /**
   * Paths relative to the walk root to leave out entirely (e.g. a backup dir
   * inside a target); the directories above them are walked but not yielded.
   */
  skipPaths?: string[];
  /** A missing root is an empty, complete tree (for targets) instead of an error. */
  missingOk?: boolean;
  /** Retries of listings that fail temporarily (421, dropped connection...). */
  retry?: RetryOptions;
  /**
   * With `copy-as-link`: a link the listing named without its target (the
   * MLSD of ProFTPD and Pure-FTPd) is looked up (`lstat`) for it, as copying
   * or comparing it needs it. Default true; a walk that only removes links
   * (rmtree) sets false and lists no more than the directories.
   */
  linkTargets?: boolean;
  /** Stops the walk; iteration ends with an abort error. */
  signal?: AbortSignal;
  /**
   * Hears each directory as soon as its listing is done (a streaming plan,
   * sync/mirror_stream.ts): not called for a directory that could not be listed.
   */
  onListed?: (dir: ListedDir) => void;
}

/** One directory's listing as the walk took it (see {@link WalkOptions.onListed}). */
export interface ListedDir {
  /** Path relative to the walk root ("" for the root). */
  path: string;
  /** The entries the walk yields from this directory (filtered, links resolved). */
  entries: WalkEntry[];
  /** ferry's partial files in this directory. */
  partials: [string, Stat][];
  /** False when the listing left something out (an unreadable line, an unsafe name). */
  complete: boolean;
  /** True for a root that does not exist (`missingOk`): empty and complete. */
  missing?: boolean;
}

/** One entry found by a walk. */
export interface WalkEntry {
  /** Path relative to the walk root, canonical (no leading slash). */
  path: string;
  /** The entry's stat; for followed links, the stat of what they point to. */
  stat: Stat;
}

/** A directory that could not be listed, or another problem met on the way. */
export interface WalkProblem {
  /** Path relative to the walk root. */
  path: string;
  /** What went wrong, for a person. */
  message: string;
  /** The error's code (e.g. `EACCES`), when it had one. */
  code?: string;
}

/** Hops through followed directory links before the walker gives up on a branch. */
const maxLinkDepth = 20;

interface DirJob {
  /** Path relative to the walk root. */
  path: string;
  /** Directory links followed to get here. */
  hops: number;
}

/**
 * A running walk: iterate it for the entries (parents before their children);
 * afterwards, `errors` lists what could not be listed and `complete` says
 * whether the listing is whole. ferry's own temporary and partial files are
 * kept apart in `partials` (jobs resume or clean them up, never copy them).
 *
 * @example
 * ```ts
 * const w = walk(ep, "pub", { exclude: ["*.tmp"] });
 * for await (const e of w) console.log(e.path, e.stat.size);
 * if (!w.complete) console.error(w.errors);
 * ```
 */
export class Walk implements AsyncIterable<WalkEntry> {
  /** Directories that could not be listed; read after the iteration ends. */
  readonly errors: WalkProblem[] = [];
  /** Things skipped on purpose (unreadable names, loops, odd entries). */
  readonly warnings: WalkProblem[] = [];
  /** ferry's partial files found, by the relative path of the partial itself. */
  readonly partials = new Map<string, Stat>();
  readonly #ep: Endpoint;
  readonly #root: string;
  readonly #options: WalkOptions;
  /** Undefined until the iteration starts when the glob engine had to be loaded first. */
  #filter: Filter | undefined;
  readonly #skip: string[];
  #started = false;
  /** The one warning that counts links left out by the default policy (made at the first). */
  #linksLeftOut: { problem: WalkProblem; count: number } | undefined;

  /** Prepares a walk of `root` on `ep`; nothing is listed until iteration starts. */
  constructor(ep: Endpoint, root: string, options: WalkOptions = {}) {
    this.#ep = ep;
    this.#root = normalizePath(root);
    this.#options = options;
    // Globs need the engine (sync/filter.ts): where it is not loaded yet, the
    // filter is made when the iteration starts, after loading it.
    this.#filter = options.filter ??
      (hasGlobs(options) && !globsLoaded() ? undefined : makeFilter(options));
    this.#skip = (options.skipPaths ?? []).map(normalizePath);
  }

  /**
   * A link left out because no `symlinks` policy was given: said once per
   * walk, with the count and the first link's path, so a user does not take a
   * tree with links for carried whole (rclone says so per link).
   */
  #linkLeftOut(path: string): void {
    if (!this.#linksLeftOut) {
      this.#linksLeftOut = { problem: { path, message: "" }, count: 0 };
      this.warnings.push(this.#linksLeftOut.problem);
    }
    const n = ++this.#linksLeftOut.count;
    this.#linksLeftOut.problem.message = `${n} symbolic link(s) left out, this the first ` +
      "(symlinks: skip is the default; follow or copy-as-link carries them, --symlinks on the " +
      "command line)";
  }

  /** True when every directory was listed (nothing in `errors`). */
  get complete(): boolean {
    return this.errors.length === 0;
  }

  /**
   * Yields entries parents first; a Walk can be iterated once.
   *
   * @example
   * ```ts
   * for await (const e of new Walk(ep, "pub")) console.log(e.path);
   * ```
   */
  async *[Symbol.asyncIterator](): AsyncIterator<WalkEntry> {
    const ready: WalkEntry[] = [];
    const launch = await this.#begin(ready);
    while (true) {
      // Start what there is room for before deciding anything: a finished
      // listing may have queued directories while entries were being yielded.
      const running = launch();
      if (ready.length > 0) {
        yield ready.shift()!;
        continue;
      }
      if (running.size === 0) break;
      await Promise.race(running);
    }
    this.#options.signal?.throwIfAborted();
  }

  /**
   * Every entry, in the order the iteration yields them, without a step of
   * an async iterator per entry (a promise or more each: a tree of thousands
   * of files walked only to be held, as {@link listTree} does). A Walk is
   * iterated or collected once.
   *
   * @example
   * ```ts
   * const entries = await new Walk(ep, "pub").collect();
   * ```
   */
  async collect(): Promise<WalkEntry[]> {
    const found: WalkEntry[] = [];
    const launch = await this.#begin(found);
    for (let running = launch(); running.size > 0; running = launch()) {
      await Promise.race(running);
    }
    this.#options.signal?.throwIfAborted();
    return found;
  }

  /**
   * Starts the walk once: the returned function lists what there is room for
   * (entries go to `out`) and gives the listings running.
   */
  async #begin(out: WalkEntry[]): Promise<() => Set<Promise<void>>> {
    if (this.#started) throw new Error("a Walk can be iterated only once");
    this.#started = true;
    if (!this.#filter) {
      await loadGlobs();
      this.#filter = makeFilter(this.#options);
    }
    const limit = Math.max(
      1,
      Math.min(this.#options.concurrency ?? 4, this.#ep.capabilities().maxConnections || 1),
    );
    const queue: DirJob[] = [{ path: "", hops: 0 }];
    const running = new Set<Promise<void>>();
    return () => {
      while (queue.length > 0 && running.size < limit && !this.#options.signal?.aborted) {
        const job = queue.shift()!;
        const p: Promise<void> = this.#listDir(job, out, queue)
          .finally(() => running.delete(p));
        running.add(p);
      }
      return running;
    };
  }

  /** Lists one directory; never throws (problems go to `errors`/`warnings`). */
  async #listDir(job: DirJob, out: WalkEntry[], queue: DirJob[]): Promise<void> {
    let stats: StatList;
    try {
      const dir = joinPath(this.#root, job.path);
      stats = await withRetry(() => this.#ep.list(dir), {
        ...this.#options.retry,
        signal: this.#options.signal,
      });
    } catch (error) {
      if (job.path === "" && this.#options.missingOk && error instanceof NotFoundError) {
        this.#options.onListed?.({
          path: "",
          entries: [],
          partials: [],
          complete: true,
          missing: true,
        });
        return;
      }
      // Named where it is (user@host:port and the path from the endpoint root, or the
      // local path): job.path alone is "" for the walk root.
      const where = whereOn(this.#ep.url, joinPath(this.#root, job.path));
      this.#problem(this.errors, job.path, error, where);
      log.warn("cannot list {where}: {error}", { where, error: errorMessage(error) });
      return;
    }
    const errorsBefore = this.errors.length;
    const mine: WalkEntry[] = [];
    const partials: [string, Stat][] = [];
    // Entries the endpoint left out (a line nothing reads, an unsafe name) make
    // this directory incompletely listed: its good entries still count, and no
    // job deletes on the strength of this walk.
    for (const skipped of stats.skipped ?? []) {
      this.errors.push({
        path: job.path,
        message: `listing of ${job.path || "/"} incomplete: ${skipped.reason}: ${
          JSON.stringify(skipped.line)
        }`,
        code: "EINCOMPLETE",
      });
    }
    stats.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
    for (const listed of stats) {
      if (!isPlainName(listed.name)) {
        if (listed.name !== "." && listed.name !== "..") {
          log.warn("{path}: skipping an entry with an unsafe name {name}", {
            path: job.path || "/",
            name: JSON.stringify(listed.name),
          });
          this.errors.push({
            path: job.path,
            message: `listing of ${job.path || "/"} incomplete: unsafe name ${
              JSON.stringify(listed.name)
            }`,
            code: "EINCOMPLETE",
          });
        }
        continue;
      }
      const path = joinPath(job.path, listed.name);
      if (this.#skip.some((s) => isInside(path, s))) continue;
      let stat = listed;
      let hops = job.hops;
      if (stat.type === "symlink") {
        const policy = this.#options.symlinks ?? "skip";
        if (policy === "skip") {
          if (this.#options.symlinks === undefined) this.#linkLeftOut(path);
          continue;
        }
        if (
          policy === "copy-as-link" && stat.target === undefined &&
          this.#options.linkTargets !== false
        ) {
          stat = await this.#linkTarget(path, stat);
        }
        if (policy === "follow") {
          const followed = await this.#follow(path, stat, job.hops);
          if (!followed) continue;
          stat = followed;
          if (stat.type === "dir") hops++;
        }
      }
      if (stat.type === "dir") {
        if (this.#filter!.excludesDir(path)) continue;
        // A directory holding a skipped path is walked but not reported, so no
        // job plans to delete (or copy) the directory the skipped tree lives in.
        if (!this.#skip.some((s) => s !== path && isInside(s, path))) mine.push({ path, stat });
        queue.push({ path, hops });
      } else if (stat.type === "file" || stat.type === "symlink") {
        if (isTempName(listed.name)) {
          if (stat.type === "file") (this.partials.set(path, stat), partials.push([path, stat]));
          continue;
        }
        if (this.#filter!.takesFile(path, stat.size)) mine.push({ path, stat });
      }
      // "other" (devices, sockets, fifos) is never copied.
    }
    out.push(...mine);
    const complete = this.errors.length === errorsBefore;
    this.#options.onListed?.({ path: job.path, entries: mine, partials, complete });
  }

  /** The link with its target, asked of the endpoint; as listed when it is gone since. */
  async #linkTarget(path: string, link: Stat): Promise<Stat> {
    try {
      return await this.#ep.lstat(joinPath(this.#root, path));
    } catch (error) {
      if (error instanceof NotFoundError) return link;
      throw error;
    }
  }

  /** The stat of a link's target, or undefined (with a warning) when it must be left out. */
  async #follow(path: string, link: Stat, hops: number): Promise<Stat | undefined> {
    const full = joinPath(this.#root, path);
    if (link.target !== undefined) {
      try {
        const target = resolveLinkTarget(full, link.target);
        // A link to one of its own ancestors would make the walk endless.
        if (isInside(full, target)) {
          this.warnings.push({ path, message: `symlink loop: points to ${link.target}` });
          return undefined;
        }
      } catch {
        // A target outside the endpoint: the endpoint decides whether it can follow it.
      }
    }
    try {
      const stat = await this.#ep.stat(full);
      if (stat.type === "dir" && hops >= maxLinkDepth) {
        this.warnings.push({ path, message: "too many levels of directory links" });
        return undefined;
      }
      return { ...stat, name: link.name };
    } catch (error) {
      const code = (error as { code?: string }).code;
      if (code === "ENOENT" || code === "ELOOP") {
        // A broken link is a fact of the tree, not a failed listing: warn, go on.
        this.#problem(this.warnings, path, error);
        return undefined;
      }
      this.#problem(this.errors, path, error);
      return undefined;
    }
  }

  /** Records `error` at `path`; `where` (see whereOn), when given, follows the message. */
  #problem(list: WalkProblem[], path: string, error: unknown, where?: string): void {
    const code = (error as { code?: unknown } | null)?.code;
    list.push({
      path,
      message: where ? `${errorMessage(error)} (${where})` : errorMessage(error),
      ...(typeof code === "string" ? { code } : {}),
    });
  }
}

/**
 * Starts a walk of `root` on `ep` (lazily: nothing is listed until iterated).
 *
 * @example
 * ```ts
 * for await (const { path, stat } of walk(ep, "", { include: ["*.iso"] })) console.log(path);
 * ```
 */
export function walk(ep: Endpoint, root: string, options: WalkOptions = {}): Walk {
  return new Walk(ep, root, options);
}

/** A whole walk held in memory: what planners compare. */
export interface Tree {
  /** The walked root on its endpoint (canonical). */
  root: string;
  /** Entries by path relative to the root, sorted by path. */
  entries: Map<string, Stat>;
  /** ferry's partial files found (relative path of the partial itself). */
  partials: Map<string, Stat>;
  /** Directories that could not be listed. */
  errors: WalkProblem[];
  /** Things skipped on purpose (unreadable names, loops, odd entries). */
  warnings: WalkProblem[];
  /** False when any directory could not be listed: never delete on its strength. */
  complete: boolean;
}

/**
 * Walks a whole tree into memory.
 *
 * @example
 * ```ts
 * const tree = await listTree(ep, "pub");
 * if (tree.complete) console.log(tree.entries.size, "entries");
 * ```
 */
export async function listTree(
  ep: Endpoint,
  root: string,
  options: WalkOptions = {},
): Promise<Tree> {
  const w = walk(ep, root, options);
  const found = await w.collect();
  found.sort((a, b) => comparePaths(a.path, b.path));
  return {
    root: normalizePath(root),
    entries: new Map(found.map((e) => [e.path, e.stat])),
    partials: w.partials,
    errors: w.errors,
    warnings: w.warnings,
    complete: w.complete,
  };
}

/**
 * Orders paths so that a directory comes right before its contents
 * (`a`, `a/b`, `a-b`), segment by segment.
 *
 * @example
 * ```ts
 * ["a-b", "a/b", "a"].sort(comparePaths); // ["a", "a/b", "a-b"]
 * ```
 */
export function comparePaths(a: string, b: string): number {
  // Segment by segment without splitting (a sort calls this ~n log n times): at
  // the first difference, the end of a segment ("/") sorts before any character.
  const n = Math.min(a.length, b.length);
  for (let i = 0; i < n; i++) {
    const x = a.charCodeAt(i);
    const y = b.charCodeAt(i);
    if (x === y) continue;
    if (x === SLASH) return -1;
    if (y === SLASH) return 1;
    return x < y ? -1 : 1;
  }
  return a.length === b.length ? 0 : a.length < b.length ? -1 : 1;
}

const SLASH = "/".charCodeAt(0);

function isPlainName(name: string): boolean {
  return name !== "" && name !== "." && name !== ".." && !/[/\0\r\n]/.test(name);
}
