/**
 * Where a one-off command works: a URL or local path split into the endpoint
 * (its parent) and the path inside it. Kept apart from oneoff.ts, which loads
 * the workflow engine, so `get`/`put` of one file do not load it.
 * @module
 */
import { basename, dirname, resolve } from "../util/paths.ts";
import { urlScheme } from "../workflow/validate.ts";
import { type Location, splitUrlLocation } from "./url_location.ts";

export type { Location } from "./url_location.ts";

/**
 * Splits a URL or local path into its parent (the endpoint) and last name (the
 * job's path), so a file and a directory are named the same way and an
 * endpoint root stays recognisable (rmtree refuses it).
 *
 * @example
 * ```ts
 * splitLocation("ftp://h/pub/a.iso"); // { root: "ftp://h/pub", path: "a.iso" }
 * splitLocation("ftp://h/");          // { root: "ftp://h/", path: "" }
 * splitLocation("/srv/out/");         // { root: "/srv", path: "out" }
 * ```
 */
export function splitLocation(location: string): Location {
  const scheme = urlScheme(location);
  if (scheme === undefined) {
    const abs = resolve(location);
    return abs === "/" ? { root: "/", path: "" } : { root: dirname(abs), path: basename(abs) };
  }
  return splitUrlLocation(location);
}
