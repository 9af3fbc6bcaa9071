/**
 * Trees of which one lies inside the other, by location (the endpoint's URL
 * and the root below it), whether on one endpoint or on two (the CLI opens
 * `./p` and `./p/sub` as two local endpoints). A two-way sync or a
 * copy-if-newer of such trees would copy the tree into itself again on each
 * run (`p` -> `p/sub` -> `p/sub/sub` ...): they are refused before anything is
 * listed or written, as rclone refuses "overlapping remotes". A mirror leaves
 * the inner tree out of the outer one's walk instead ({@link nestedPath}).
 * Two URLs that reach one server by different names are not caught.
 * @module
 */
import type { Endpoint } from "../endpoint/types.ts";
import { normalizePath } from "../endpoint/path.ts";
import { FerryError } from "../util/errors.ts";

/** The two trees of a job overlap: one is inside the other, or they are one tree. */
export class OverlappingTreesError extends FerryError {
  /** The trees' locations, as in the message. */
  readonly trees: readonly [string, string];
  /** Makes the error for the locations `a` and `b` (`inner` inside `outer`, or equal). */
  constructor(job: string, inner: string, outer: string) {
    super(
      inner === outer
        ? `${job}: ${inner} and ${outer} are one tree: give two separate trees`
        : `${job}: ${inner} is inside ${outer}: each run would copy the tree into itself ` +
          "again; give two separate trees",
      { code: "EOVERLAP" },
    );
    this.trees = [inner, outer];
  }
}

/**
 * Where a tree is: the endpoint's URL (percent-decoded) and the canonical root
 * below it.
 *
 * @example
 * ```ts
 * treeLocation(new MemoryEndpoint({ url: "memory://m" }), "/a/b/"); // "memory://m/a/b"
 * ```
 */
export function treeLocation(ep: Endpoint, root: string): string {
  let base = ep.url.replace(/\/+$/, "");
  try {
    base = decodeURIComponent(base);
  } catch {
    // not percent-encoded as a URL would be: compared as it is
  }
  const path = normalizePath(root);
  return path === "" ? base : `${base}/${path}`;
}

/**
 * The path of the tree `inner:innerRoot` below `outer:outerRoot` when it lies
 * strictly inside it, else undefined.
 *
 * @example
 * ```ts
 * nestedPath(local, "p/sub/deep", local, "p"); // "sub/deep"
 * ```
 */
export function nestedPath(
  inner: Endpoint,
  innerRoot: string,
  outer: Endpoint,
  outerRoot: string,
): string | undefined {
  const i = treeLocation(inner, innerRoot);
  const o = treeLocation(outer, outerRoot);
  return i.startsWith(o + "/") ? i.slice(o.length + 1) : undefined;
}

/**
 * Throws {@link OverlappingTreesError} when the trees `a:aRoot` and `b:bRoot`
 * overlap.
 *
 * @example
 * ```ts
 * assertSeparateTrees("sync", local, "p", local, "p/sub"); // throws
 * ```
 */
export function assertSeparateTrees(
  job: string,
  a: Endpoint,
  aRoot: string,
  b: Endpoint,
  bRoot: string,
): void {
  const x = treeLocation(a, aRoot);
  const y = treeLocation(b, bRoot);
  if (x === y) throw new OverlappingTreesError(job, x, y);
  if (y.startsWith(x + "/")) throw new OverlappingTreesError(job, y, x);
  if (x.startsWith(y + "/")) throw new OverlappingTreesError(job, x, y);
}
