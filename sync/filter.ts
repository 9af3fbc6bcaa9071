/**
 * Include/exclude rules with rsync/rclone-like meaning, on top of picomatch:
 *
 * - a pattern without `/` matches the base name at any depth (`*.tmp`, `.git`);
 * - a pattern with `/` is anchored at the walk root (a leading `/` is optional):
 *   `build/**`, `/docs/*.md`;
 * - a trailing `/` matches directories only (`cache/`);
 * - `*` matches dotfiles too (as in rsync and rclone);
 * - excludes win over includes; with includes given, a file must match one;
 * - an excluded directory is pruned (never listed), and `dir/**` prunes `dir`;
 *   includes never prune directories, since a deeper file may match.
 *
 * picomatch (npm, CommonJS: it brings Node's module layer) is imported only
 * when there are globs (sync/glob_engine.ts): `loadGlobs()` before
 * {@link makeFilter} or {@link globProblem} meet one. The jobs, `listTree` and
 * the workflow loader do that themselves, a `Walk` of globs at its start; the
 * library's entry points (mod.ts, sync.ts) import sync/globs.ts, which loads it
 * at once.
 * @module
 */
import { FerryError } from "../util/errors.ts";
import { engine } from "./glob_engine.ts";

/** What the walker asks of a filter. */
export interface FilterRules {
  /** Globs a path must match one of to be taken (all when empty). */
  include?: string[];
  /** Globs that leave a path out (and a directory's whole subtree). */
  exclude?: string[];
  /** Smallest file size in bytes to take. */
  minSize?: number;
  /** Largest file size in bytes to take. */
  maxSize?: number;
}

/** A compiled filter. */
export interface Filter {
  /** Whether a directory (path relative to the walk root) is pruned. */
  excludesDir(path: string): boolean;
  /** Whether a file or symlink with this size is taken. */
  takesFile(path: string, size: number): boolean;
}

/** A glob that cannot be compiled (unbalanced brackets, empty...). */
export class GlobError extends FerryError {
  /** The glob as written. */
  readonly pattern: string;
  /** Makes the error for `pattern`, saying `reason`. */
  constructor(pattern: string, reason: string) {
    super(`bad glob ${JSON.stringify(pattern)}: ${reason}`, { code: "EGLOB" });
    this.pattern = pattern;
  }
}

type Matcher = (path: string, isDir: boolean) => boolean;

/**
 * Checks a glob without compiling a filter; returns the reason it is bad, or
 * undefined when it is fine. The workflow validator reports these.
 *
 * @example
 * ```ts
 * globProblem("*.txt"); // undefined
 * globProblem("a[");    // "Missing closing: \"]\" ..."
 * ```
 */
export function globProblem(pattern: string): string | undefined {
  if (typeof pattern !== "string" || pattern.trim() === "" || pattern === "/") {
    return "empty pattern";
  }
  const pm = engine(); // outside the try: a caller's mistake is no verdict on the glob
  try {
    pm.makeRe(pattern, { strictBrackets: true });
    return undefined;
  } catch (error) {
    return error instanceof Error ? error.message : String(error);
  }
}

/**
 * Compiles include/exclude globs and size limits into a {@link Filter}.
 * Throws {@link GlobError} for a bad pattern.
 *
 * @example
 * ```ts
 * const f = makeFilter({ exclude: ["*.tmp", "build/"], maxSize: 1 << 20 });
 * f.takesFile("a/b/x.tmp", 10); // false: base name matches at any depth
 * f.excludesDir("src/build");   // true: pruned at any depth, never listed
 * f.takesFile("build", 10);     // true: "build/" names directories only
 * ```
 */
export function makeFilter(rules: FilterRules = {}): Filter {
  const include = (rules.include ?? []).map(compile);
  const exclude = (rules.exclude ?? []).map(compile);
  const { minSize = 0, maxSize = Number.POSITIVE_INFINITY } = rules;
  return {
    excludesDir: (path) => exclude.some((m) => m(path, true)),
    takesFile: (path, size) =>
      size >= minSize && size <= maxSize &&
      !exclude.some((m) => m(path, false)) &&
      (include.length === 0 || include.some((m) => m(path, false))),
  };
}

function compile(pattern: string): Matcher {
  const problem = globProblem(pattern);
  if (problem) throw new GlobError(pattern, problem);
  let p = pattern;
  const dirOnly = p.endsWith("/");
  if (dirOnly) p = p.replace(/\/+$/, "");
  const anchored = p.includes("/");
  p = p.replace(/^\/+/, "");
  const isMatch = engine()(p, { dot: true });
  return (path, isDir) => {
    if (dirOnly && !isDir) return false;
    // Unanchored patterns name an entry, wherever it sits: test the base name.
    const subject = anchored ? path : path.slice(path.lastIndexOf("/") + 1);
    return isMatch(subject);
  };
}
