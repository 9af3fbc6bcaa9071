/**
 * What an {@link S3Endpoint} knows of the bucket's tree without asking:
 * the directories known to exist (and, for those listed or made here,
 * their subdirectories), the file names of directories listed or made here
 * and when, and the paths a listing found nothing at. A recent answer here
 * spares a HEAD or a listing; an old one is not trusted. Kept current by
 * the endpoint's own changes; no request is made here.
 * @module
 */
import { dirname } from "../../plugin.ts";

/**
 * The endpoint's memory of the tree (see the module).
 *
 * @example
 * ```ts
 * const tree = new TreeMemory(30_000);
 * tree.madeDir("a");
 * tree.listed("a/b"); // "absent": a is known empty
 * ```
 */
export class TreeMemory {
  /** Directories known to exist, and for those listed or made here, their subdirectory names. */
  readonly #dirs = new Map<string, Set<string> | undefined>([["", undefined]]);
  /**
   * For directories listed or made here: their files' names and when that was known, so a
   * name that is neither a file nor a subdirectory there is absent without HEAD and listing.
   */
  readonly #files = new Map<string, { names: Set<string>; at: number }>();
  /** Paths a listing here found neither an object nor a prefix for, and when. */
  readonly #absent = new Map<string, number>();

  /** Remembers answers for `trustMs` milliseconds. */
  constructor(readonly trustMs: number) {}

  /**
   * Whether `path` is known to be a directory.
   *
   * @example
   * ```ts
   * if (tree.isDir(dirname(path))) return; // the parent exists
   * ```
   */
  isDir(path: string): boolean {
    return this.#dirs.has(path);
  }

  /**
   * The names of a directory's subdirectories, when it was listed or made here.
   *
   * @example
   * ```ts
   * tree.subdirs("a")?.has("b"); // whether a/b is a directory, if known
   * ```
   */
  subdirs(path: string): ReadonlySet<string> | undefined {
    return this.#dirs.get(path);
  }

  /**
   * Notes that `path` (and so each of its parents) is a directory.
   *
   * @example
   * ```ts
   * tree.noteDir("a/b"); // a and a/b are directories
   * ```
   */
  noteDir(path: string): void {
    this.#absent.delete(path);
    for (let p = path; p !== ""; p = dirname(p)) {
      if (this.#dirs.has(p)) break;
      this.#dirs.set(p, undefined);
    }
    const parent = path === "" ? undefined : this.#dirs.get(dirname(path));
    parent?.add(path.slice(path.lastIndexOf("/") + 1));
  }

  /**
   * Forgets `path` and everything known below it (removed or moved away).
   *
   * @example
   * ```ts
   * tree.forgetDir("old");
   * ```
   */
  forgetDir(path: string): void {
    for (const p of [...this.#dirs.keys()]) {
      if (p === path || p.startsWith(path + "/")) this.#dirs.delete(p);
    }
    for (const p of [...this.#files.keys()]) {
      if (p === path || p.startsWith(path + "/")) this.#files.delete(p);
    }
    this.#dirs.get(dirname(path))?.delete(path.slice(path.lastIndexOf("/") + 1));
  }

  /**
   * Learns a listing's subdirectories of `path` (a directory, then).
   *
   * @example
   * ```ts
   * tree.learnDirs("a", new Set(["b", "c"]));
   * ```
   */
  learnDirs(path: string, names: Iterable<string>): void {
    this.noteDir(path);
    this.#dirs.set(path, new Set(names));
  }

  /**
   * Learns a listing's file names of `path`, as known at `at` (`performance.now()`).
   *
   * @example
   * ```ts
   * tree.learnFiles("a", ["x.txt"], performance.now());
   * ```
   */
  learnFiles(path: string, names: Iterable<string>, at: number): void {
    this.#files.set(path, { names: new Set(names), at });
  }

  /**
   * Notes a directory made here: known, and empty.
   *
   * @example
   * ```ts
   * tree.madeDir("a/new");
   * ```
   */
  madeDir(path: string): void {
    this.noteDir(path);
    this.#dirs.set(path, new Set());
    this.#files.set(path, { names: new Set(), at: performance.now() });
  }

  /**
   * Notes that a listing found nothing at `path`.
   *
   * @example
   * ```ts
   * tree.absent("gone");
   * ```
   */
  absent(path: string): void {
    this.#absent.set(path, performance.now());
  }

  /**
   * What a recent listing (or mkdir) of the parent says `path` is, without a
   * request; undefined when the parent's content is not known (or too old).
   *
   * @example
   * ```ts
   * if (tree.listed("a/x.txt") === "absent") throw new NotFoundError("a/x.txt");
   * ```
   */
  listed(path: string): "dir" | "file" | "absent" | undefined {
    const gone = this.#absent.get(path);
    if (gone !== undefined && performance.now() - gone <= this.trustMs) return "absent";
    const parent = dirname(path);
    const dirs = this.#dirs.get(parent);
    const files = this.#files.get(parent);
    if (!dirs || !files || performance.now() - files.at > this.trustMs) return undefined;
    const name = path.slice(path.lastIndexOf("/") + 1);
    return dirs.has(name) ? "dir" : files.names.has(name) ? "file" : "absent";
  }

  /**
   * Keeps a listed parent's file names current after the endpoint made or removed `path`.
   *
   * @example
   * ```ts
   * tree.fileNamed("a/x.txt", true);
   * ```
   */
  fileNamed(path: string, exists: boolean): void {
    const names = this.#files.get(dirname(path))?.names;
    const name = path.slice(path.lastIndexOf("/") + 1);
    this.#absent.delete(path);
    if (exists) names?.add(name);
    else names?.delete(name);
  }

  /**
   * Forgets every directory's file names (many keys went at once: the
   * listings are asked again rather than worked out).
   *
   * @example
   * ```ts
   * tree.forgetFiles();
   * ```
   */
  forgetFiles(): void {
    this.#files.clear();
  }
}
