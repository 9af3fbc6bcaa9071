/**
 * A mirror's target walk: the walk options a mirror's options make
 * ({@link targetWalkOptions}), and that walk started early, while the source
 * endpoint still opens ({@link walkTargetEarly}), which a mirror takes when it
 * is the one it would start.
 * @module
 */
import type { Endpoint } from "../endpoint/types.ts";
import { isInside, normalizePath } from "../endpoint/path.ts";
import { type Filter, makeFilter } from "./filter.ts";
import { hasGlobs, loadGlobs } from "./glob_engine.ts";
import type { EarlyTargetWalk, MirrorOptions } from "./mirror_options.ts";
import { type ListedDir, listTree, type Tree, type WalkOptions } from "./walk.ts";

/**
 * How a mirror walks its target (the source's walk differs only in its skips
 * and `missingOk`): the backup dir inside the target is left out.
 */
export function targetWalkOptions(options: MirrorOptions, dstRoot: string, filter: Filter) {
  const skipPaths: string[] = [];
  if (options.backupDir !== undefined) addRelative(skipPaths, options.backupDir, dstRoot);
  return {
    filter,
    symlinks: options.symlinks,
    concurrency: options.listParallel,
    retry: options.retry,
    signal: options.signal,
    missingOk: true as boolean | undefined,
    skipPaths,
  } satisfies WalkOptions;
}

/** The options that shape a target's walk: an early walk is used only when they match. */
const WALK_OPTIONS = [
  "include",
  "exclude",
  "minSize",
  "maxSize",
  "symlinks",
  "listParallel",
  "retry",
  "signal",
  "backupDir",
] as const satisfies readonly (keyof MirrorOptions)[];

export class EarlyWalk implements EarlyTargetWalk {
  readonly #dst: Endpoint;
  readonly #dstRoot: string;
  readonly #options: MirrorOptions;
  readonly #stop = new AbortController();
  readonly #tree: Promise<Tree>;
  /** Listings heard before the mirror's stream exists (only when it may stream). */
  #heard?: ListedDir[];
  #onListed?: (dir: ListedDir) => void;
  #taken = false;

  constructor(dst: Endpoint, dstRoot: string, options: MirrorOptions) {
    this.#dst = dst;
    this.#dstRoot = dstRoot;
    this.#options = options;
    if (options.stream === true) this.#heard = [];
    const signal = options.signal
      ? AbortSignal.any([options.signal, this.#stop.signal])
      : this.#stop.signal;
    this.#tree = (async () => {
      if (hasGlobs(options)) await loadGlobs();
      const walkOptions = targetWalkOptions(options, dstRoot, makeFilter(options));
      dst.warm?.().catch(() => {});
      return await listTree(dst, dstRoot, {
        ...walkOptions,
        signal,
        onListed: this.#heard && this.#hear,
      });
    })();
    // Nobody may ever wait for it (the source failed to open): cancel() says so.
    this.#tree.catch(() => {});
  }

  readonly #hear = (dir: ListedDir): void => {
    if (this.#onListed) this.#onListed(dir);
    else this.#heard?.push(dir);
  };

  /**
   * The walk's tree, when it is the one the mirror would start now: the same
   * target and options, no nested roots to leave out, and its listings kept
   * when the mirror streams (they are handed to `onListed` first, in order).
   */
  take(
    dst: Endpoint,
    dstRoot: string,
    options: MirrorOptions,
    nested: boolean,
    onListed: ((dir: ListedDir) => void) | undefined,
  ): Promise<Tree> | undefined {
    const fits = !this.#taken && !nested && dst === this.#dst &&
      normalizePath(dstRoot) === normalizePath(this.#dstRoot) &&
      WALK_OPTIONS.every((key) => sameOption(options[key], this.#options[key])) &&
      (onListed === undefined || this.#heard !== undefined);
    if (!fits) return undefined;
    this.#taken = true;
    const heard = this.#heard ?? [];
    this.#heard = undefined;
    if (onListed) {
      for (const dir of heard) onListed(dir);
      this.#onListed = onListed;
    }
    return this.#tree;
  }

  async cancel(): Promise<void> {
    if (!this.#taken) this.#stop.abort();
    await this.#tree.catch(() => {});
  }
}

/** Equal option values: the same, or arrays and plain objects (retries) with the same items. */
function sameOption(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (Array.isArray(a) && Array.isArray(b)) {
    return a.length === b.length && a.every((v, i) => v === b[i]);
  }
  if (!isPlain(a) || !isPlain(b)) return false;
  const keys = Object.keys(a);
  return keys.length === Object.keys(b).length && keys.every((k) => a[k] === b[k]);
}

function isPlain(v: unknown): v is Record<string, unknown> {
  return typeof v === "object" && v !== null && Object.getPrototypeOf(v) === Object.prototype;
}

/**
 * Starts the walk of a mirror's target now, before the source endpoint is
 * open (a login takes a server tens of milliseconds): pass it to {@link mirror}
 * or {@link prepareMirror} as `earlyTarget` with the same options. A mirror
 * that cannot use it (other options, roots nested on one endpoint) walks the
 * target again; deletions still wait for both complete walks. Call `cancel()`
 * when done (a source that failed to open): it stops a walk no mirror took.
 *
 * @example
 * ```ts
 * const early = walkTargetEarly(disk, "mirror", options);
 * try {
 *   await mirror(await opening, "pub", disk, "mirror", { ...options, earlyTarget: early });
 * } finally {
 *   await early.cancel();
 * }
 * ```
 */
export function walkTargetEarly(
  dst: Endpoint,
  dstRoot: string,
  options: MirrorOptions = {},
): EarlyTargetWalk {
  return new EarlyWalk(dst, dstRoot, options);
}

/** Adds `path` relative to `root` to `list` when it lies strictly inside `root`. */
export function addRelative(list: string[], path: string, root: string): void {
  const p = normalizePath(path);
  const r = normalizePath(root);
  if (p !== r && isInside(p, r)) list.push(r === "" ? p : p.slice(r.length + 1));
}
