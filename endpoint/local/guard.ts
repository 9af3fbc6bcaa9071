/**
 * The root of a {@link LocalEndpoint} and the guard that keeps every path
 * inside it: the root resolved (and created) once, then each path's deepest
 * existing ancestor, and with `follow` the path itself, resolved with
 * `realPath` and refused when it leads out. The answers are trusted for a
 * moment (see {@link RootGuard}); the endpoint drops them when it moves,
 * removes or links anything that is not a plain file.
 *
 * Synchronous once the root is known: every call after the first.
 * @module
 */
import { sep } from "../../util/paths.ts";
import { NotADirectoryError, NotFoundError, PermissionDeniedError } from "../errors.ts";
import { dirname } from "../path.ts";

/** How long a path checked inside the root is trusted (see `RootGuard`). */
const guardTtlMs = 1000;
const guardCacheSize = 4096;

/** What a guard found of the path itself (with `follow`): see {@link RootGuard.guard}. */
export type Guarded = { info?: Deno.FileInfo } | undefined;

/**
 * A local endpoint's root and the check that a path stays inside it.
 *
 * @example
 * ```ts
 * const guard = new RootGuard("/srv/mirror", false);
 * await guard.guard("pub/a.txt", true); // throws PermissionDeniedError when a link leads out
 * ```
 */
export class RootGuard {
  /** The absolute root directory as given (not resolved through links). */
  readonly root: string;
  readonly #create: boolean;
  #realRoot?: Promise<string>;
  /** What {@link real} resolved to, once it did: later guards need not wait for it. */
  #rootKnown?: string;
  /**
   * Paths whose real location was checked inside the root, until when (ms,
   * performance.now()). A transfer guards the same directory three times in a
   * few milliseconds (write, rename, mtime), and resolving it costs a readlink
   * per path component: the answer is trusted for {@link guardTtlMs}, and
   * dropped at once when the endpoint moves, removes or links anything that
   * is not a plain file. The window is of the same kind as the one between any
   * check and the open that follows it.
   */
  readonly #verified = new Map<string, number>();
  /**
   * Every directory above a path in {@link #verified}: whether a rename
   * touches a checked path is then two lookups, not a walk over the checked
   * paths per rename (a mirror renames every file it copies).
   */
  readonly #aboveVerified = new Set<string>();

  /** Guards `root` (absolute); `create` makes it (and its parents) when missing. */
  constructor(root: string, create: boolean) {
    this.root = root;
    this.#create = create;
  }

  /** The real root, once {@link real} has resolved it. */
  get known(): string | undefined {
    return this.#rootKnown;
  }

  /** The host path of an endpoint path (already normalized). */
  abs(path: string): string {
    return path === "" ? this.root : `${this.root}/${path}`;
  }

  /** The root resolved through links (created first with `create`); NotFoundError when missing. */
  real(): Promise<string> {
    return this.#realRoot ??= (async () => {
      try {
        if (this.#create) await Deno.mkdir(this.root, { recursive: true });
        const real = await Deno.realPath(this.root);
        if (!(await Deno.stat(real)).isDirectory) {
          throw new NotADirectoryError("", {
            message: `endpoint root is not a directory: ${this.root}`,
          });
        }
        this.#rootKnown = real;
        return real;
      } catch (e) {
        this.#realRoot = undefined; // try again next time; it may be created later
        if (e instanceof Deno.errors.NotFound) {
          throw new NotFoundError("", {
            cause: e,
            message: `endpoint root does not exist: ${this.root}`,
          });
        }
        throw e;
      }
    })();
  }

  /**
   * Refuses paths that resolve outside the root: the deepest existing ancestor
   * of `path` must be inside, and with `follow` the path itself too. With
   * `follow`, also returns the path's own lstat (`info` undefined when it is
   * missing), so that callers need not ask again.
   */
  guard(path: string, follow: boolean): Guarded | Promise<Guarded> {
    // Synchronous once the root is known (every call after the first): an
    // async guard was two more promises and hops for every file operation.
    const root = this.#rootKnown;
    if (root !== undefined) return this.guardAt(root, path, follow);
    return this.real().then((r) => this.guardAt(r, path, follow));
  }

  /** {@link guard} with the real root at hand. */
  guardAt(root: string, path: string, follow: boolean): Guarded {
    if (path === "") return undefined;
    let probe = dirname(path);
    let found: { info?: Deno.FileInfo } | undefined;
    if (follow) {
      // Only a link needs resolving itself; anything else is where its parent is.
      found = { info: lstatOrUndefined(this.abs(path)) };
      if (found.info?.isSymlink) probe = path;
    }
    for (;;) {
      const now = performance.now();
      if ((this.#verified.get(probe) ?? 0) > now) return found;
      try {
        const real = Deno.realPathSync(this.abs(probe));
        if (real !== root && !real.startsWith(root.endsWith(sep) ? root : root + sep)) {
          throw new PermissionDeniedError(path, {
            message: `a symlink leads out of the endpoint root: ${path}`,
          });
        }
        if (this.#verified.size >= guardCacheSize) this.forget();
        if (!this.#verified.has(probe)) {
          for (let up = probe; up !== "";) this.#aboveVerified.add(up = dirname(up));
        }
        this.#verified.set(probe, now + guardTtlMs);
        return found;
      } catch (e) {
        if (!(e instanceof Deno.errors.NotFound) || probe === "") throw e;
        // A dangling link must not be written through: it could create a file anywhere.
        if (probe === path) throw new NotFoundError(path, { cause: e });
        probe = dirname(probe);
      }
    }
  }

  /** Whether `path`, or anything below it, is among the paths checked recently. */
  checked(path: string): boolean {
    return this.#verified.has(path) || this.#aboveVerified.has(path);
  }

  /** Drops every checked path (see {@link #verified}). */
  forget(): void {
    this.#verified.clear();
    this.#aboveVerified.clear();
  }
}

/**
 * Runs a synchronous Deno call whose error, if any, is dropped or wrapped by
 * the caller: with no stack trace taken for it. A miss is the usual answer
 * to an upload's lstat of its target, and Deno's NotFound with its stack
 * cost ~18 us against ~2 us for an lstat that finds (half without the stack).
 */
export function withoutStack<T>(call: () => T): T {
  const limit = Error.stackTraceLimit;
  Error.stackTraceLimit = 0;
  try {
    return call();
  } finally {
    Error.stackTraceLimit = limit;
  }
}

/** lstat, or undefined when nothing is there. */
export function lstatOrUndefined(abs: string): Deno.FileInfo | undefined {
  try {
    return withoutStack(() => Deno.lstatSync(abs));
  } catch (e) {
    if (e instanceof Deno.errors.NotFound) return undefined;
    throw e;
  }
}
