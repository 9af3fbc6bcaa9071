/**
 * A dry run changes nothing, so a job that reads what an earlier job of the
 * same run would make (the README's `walk` of a mirror's new target) finds it
 * missing. This module names those reads, so the runner can say "job X would
 * create it" instead of failing the plan.
 * @module
 */
import { NotFoundError } from "../endpoint/errors.ts";
import type { Endpoint } from "../endpoint/types.ts";
import type { JobSpec } from "./types.ts";
import { splitTarget } from "./target.ts";

/** What a job kind says about its targets (see `JobKind.targets` / `writes`). */
export interface TargetKeys {
  /** Option keys holding `endpoint:/path` targets. */
  targets?: readonly string[];
  /** Of those, the ones the job writes to. */
  writes?: readonly string[];
}

/** A target a job reads that a dry-run job it needs would write (so it may not exist yet). */
export interface UpstreamTarget {
  /** The target as written in the job (`here:/releases`). */
  ref: string;
  /** Its endpoint name. */
  endpoint: string;
  /** Its normalized path inside the endpoint. */
  path: string;
  /** The job (among the needs, transitively) that writes it or a folder above it. */
  writer: string;
}

/**
 * The targets `job` reads (its `targets` that are not `writes`) that a dry-run
 * job among its needs (transitively) writes: the same endpoint at the same
 * path or a folder above it. A job that is not dry really writes, so it
 * is never named.
 *
 * @example
 * ```ts
 * const jobs = new Map([
 *   ["pull", { name: "pull", kind: "mirror", needs: [], options: { from: "o:/r", to: "h:/r" } }],
 *   ["report", { name: "report", kind: "walk", needs: ["pull"], options: { at: "h:/r" } }],
 * ]);
 * const keys = (kind: string) =>
 *   kind === "mirror" ? { targets: ["from", "to"], writes: ["to"] } : { targets: ["at"] };
 * upstreamTargets(jobs.get("report")!, jobs, keys, () => true);
 * // [{ ref: "h:/r", endpoint: "h", path: "r", writer: "pull" }]
 * ```
 */
export function upstreamTargets(
  job: Pick<JobSpec, "kind" | "needs" | "options">,
  jobs: ReadonlyMap<string, Pick<JobSpec, "name" | "kind" | "needs" | "options">>,
  keysOf: (kind: string) => TargetKeys | undefined,
  dry: (name: string) => boolean,
): UpstreamTarget[] {
  const reads = refsOf(job, keysOf, "reads");
  if (reads.length === 0) return [];
  const writes: { endpoint: string; path: string; writer: string }[] = [];
  const seen = new Set<string>();
  const queue = [...job.needs];
  while (queue.length > 0) {
    const name = queue.shift()!;
    const upstream = jobs.get(name);
    if (seen.has(name) || upstream === undefined) continue;
    seen.add(name);
    queue.push(...upstream.needs);
    if (!dry(name)) continue;
    for (const ref of refsOf(upstream, keysOf, "writes")) {
      writes.push({ ...splitTarget(ref), writer: name });
    }
  }
  const out: UpstreamTarget[] = [];
  for (const ref of reads) {
    const target = splitTarget(ref);
    const writer = writes.find((w) =>
      w.endpoint === target.endpoint &&
      (w.path === "" || target.path === w.path || target.path.startsWith(`${w.path}/`))
    );
    if (writer) out.push({ ref, ...target, writer: writer.writer });
  }
  return out;
}

function refsOf(
  job: Pick<JobSpec, "kind" | "options">,
  keysOf: (kind: string) => TargetKeys | undefined,
  which: "reads" | "writes",
): string[] {
  const keys = keysOf(job.kind);
  const writes = keys?.writes ?? [];
  const chosen = which === "writes"
    ? writes
    : (keys?.targets ?? []).filter((k) => !writes.includes(k));
  const options = (job.options ?? {}) as Record<string, unknown>;
  return chosen.map((key) => options[key]).filter((v): v is string => typeof v === "string");
}

/**
 * The first of `targets` that does not exist (its endpoint says not found),
 * else undefined; any other error is thrown (the job then fails as usual).
 *
 * @example
 * ```ts
 * const missing = await firstMissing(upstreamTargets(job, jobs, keys, dry), (n) => pool.get(n));
 * if (missing) console.log(`${missing.ref}: ${missing.writer} would create it`);
 * ```
 */
export async function firstMissing(
  targets: readonly UpstreamTarget[],
  open: (endpoint: string) => Promise<Pick<Endpoint, "stat">>,
): Promise<UpstreamTarget | undefined> {
  for (const target of targets) {
    try {
      await (await open(target.endpoint)).stat(target.path);
    } catch (error) {
      if (error instanceof NotFoundError) return target;
      throw error;
    }
  }
  return undefined;
}
