/**
 * Job targets: `origin:/releases` names endpoint `origin` and the path
 * `releases` inside it (a leading `/` is the endpoint root, not the host's).
 * @module
 */
import { normalizePath } from "../endpoint/path.ts";

/** A target split into its endpoint name and its normalized path. */
export interface TargetRef {
  endpoint: string;
  path: string;
}

/**
 * Splits `name:path`; the path is normalized by the endpoint contract's rules
 * (throws `InvalidPathError` when it would leave the root).
 *
 * @example
 * ```ts
 * splitTarget("origin:/releases/"); // { endpoint: "origin", path: "releases" }
 * splitTarget("here:");             // { endpoint: "here", path: "" }
 * ```
 */
export function splitTarget(ref: string): TargetRef {
  const colon = ref.indexOf(":");
  if (colon <= 0) throw new RangeError(`not a target (endpoint:/path): ${JSON.stringify(ref)}`);
  return { endpoint: ref.slice(0, colon), path: normalizePath(ref.slice(colon + 1)) };
}
