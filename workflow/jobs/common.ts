/**
 * Glue between job options as written and sync/'s functions: filters and units
 * to what sync/ takes, the run's settings every job passes on, sync's report
 * to the runner's outcome, progress to events.
 * @module
 */
import type { ProgressListener } from "../../sync/progress.ts";
import type { JobReport } from "../../sync/report.ts";
import type { RetryOptions } from "../../sync/retry.ts";
import type { Endpoint } from "../../endpoint/types.ts";
import type { JobContext } from "../plugin.ts";
import type { JobOutcome } from "../report.ts";
import { parseSize } from "../../util/units.ts";

/** The kinds' option schemas (options.ts). */
type OptionSchemas = typeof import("./options.ts");

// By a specifier Deno does not read ahead: running a job loads no zod (~100
// files of it); only a check with the schema, or `ferry schema`, imports them.
const OPTIONS_MODULE = new URL("./options.ts", import.meta.url).href;

/**
 * A kind's `loadSchema`: imports options.ts (zod) and gives the named schema.
 *
 * @example
 * ```ts
 * const kind = { name: "mirror", loadSchema: optionsSchema("MirrorOptions"), run };
 * ```
 */
export function optionsSchema<K extends keyof OptionSchemas>(
  name: K,
): () => Promise<OptionSchemas[K]> {
  return async () => (await import(OPTIONS_MODULE) as OptionSchemas)[name];
}

/** Filters as written in a workflow (a glob or a list; sizes with units). */
export interface FilterInput {
  include?: string | string[];
  exclude?: string | string[];
  minSize?: number | string;
  maxSize?: number | string;
}

/**
 * Filters in sync/'s terms.
 *
 * @example
 * ```ts
 * filterRules({ exclude: "*.tmp", maxSize: "1MiB" }); // { include: undefined, exclude: ["*.tmp"], maxSize: 1048576, ... }
 * ```
 */
export function filterRules(input: FilterInput): {
  include?: string[];
  exclude?: string[];
  minSize?: number;
  maxSize?: number;
} {
  const list = (v: string | string[] | undefined) =>
    v === undefined ? undefined : Array.isArray(v) ? v : [v];
  return {
    include: list(input.include),
    exclude: list(input.exclude),
    minSize: input.minSize === undefined ? undefined : parseSize(input.minSize),
    maxSize: input.maxSize === undefined ? undefined : parseSize(input.maxSize),
  };
}

/**
 * A sync/ progress listener that forwards to the run's events.
 *
 * @example
 * ```ts
 * await mirror(a, "", b, "", { onProgress: progressTo(ctx) });
 * ```
 */
export function progressTo(ctx: JobContext): ProgressListener {
  return (event, totals) => ctx.emit({ type: "progress", job: ctx.job, event, totals });
}

/**
 * Per-file retries inside the job: sync/ retries each file; the runner retries
 * the whole job only for failures outside files (a dropped listing).
 *
 * @example
 * ```ts
 * await mirror(a, "", b, "", { retry: retryOptions(ctx) });
 * ```
 */
export function retryOptions(ctx: Pick<JobContext, "retries" | "retryDelayMs">): RetryOptions {
  return { retries: ctx.retries, baseDelayMs: ctx.retryDelayMs };
}

/**
 * sync/'s report as the runner's outcome (the report itself goes into `details`).
 *
 * @example
 * ```ts
 * const outcome = outcomeFromReport(await mirror(a, "", b, ""));
 * ```
 */
export function outcomeFromReport(report: JobReport): JobOutcome {
  const { plan, ...details } = report;
  return {
    counts: {
      filesTransferred: report.files.transferred,
      bytesTransferred: report.bytes.transferred,
      filesSkipped: report.files.skipped,
      filesDeleted: report.files.deleted,
      dirsCreated: report.dirsCreated,
      dirsDeleted: report.dirsDeleted,
      filesFailed: report.files.failed,
    },
    errors: report.errors
      .filter((e) => !e.ignored)
      .map((e) => (e.path ? `${e.path}: ${e.message}` : e.message)),
    details,
    plan,
  };
}

/**
 * Transfers at once for a job between `endpoints`: the `parallel` the workflow
 * or the command named; else the default, raised to the most any endpoint says
 * it serves (`Capabilities.parallel`: an S3 bucket takes 8). The endpoints'
 * `maxConnections` still cap it where the transfers run.
 *
 * @example
 * ```ts
 * transferParallel({ parallel: 4 }, local, bucket); // 8: the bucket says 8
 * transferParallel({ parallel: 2, parallelSet: true }, local, bucket); // 2
 * ```
 */
export function transferParallel(
  ctx: Pick<JobContext, "parallel" | "parallelSet">,
  ...endpoints: Endpoint[]
): number {
  if (ctx.parallelSet) return ctx.parallel;
  return Math.max(ctx.parallel, ...endpoints.map((e) => e.capabilities().parallel ?? 0));
}

/**
 * What every job passes on to its sync/ function from the run: dry run,
 * listings in flight, per-file retries, progress, the stop signal, the executor.
 *
 * @example
 * ```ts
 * await rmtree(at.endpoint, at.path, { ...runOptions(ctx), parallel: ctx.parallel });
 * ```
 */
export function runOptions(ctx: JobContext) {
  return {
    dryRun: ctx.dryRun,
    listParallel: ctx.parallel,
    retry: retryOptions(ctx),
    onProgress: progressTo(ctx),
    signal: ctx.signal,
    executor: ctx.executor,
  };
}

/**
 * {@link runOptions} for a job that copies between `from` and `to`: with the
 * transfers at once ({@link transferParallel}) and the run's segmented downloads.
 *
 * @example
 * ```ts
 * await mirror(from.endpoint, from.path, to.endpoint, to.path, transferOptions(ctx, from.endpoint, to.endpoint));
 * ```
 */
export function transferOptions(ctx: JobContext, from: Endpoint, to: Endpoint) {
  return {
    ...runOptions(ctx),
    parallel: transferParallel(ctx, from, to),
    segments: ctx.segments === undefined ? undefined : { segments: ctx.segments },
  };
}
