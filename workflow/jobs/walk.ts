/**
 * The `walk` job kind: list a tree (sync/'s walker) and write the listing.
 * @module
 */
import { dirname, resolve } from "../../util/paths.ts";
import { addWalkProblems } from "../../sync/job_report.ts";
import { finishReport, newReport } from "../../sync/report.ts";
import { listTree } from "../../sync/walk.ts";
import type { JobKind } from "../plugin.ts";
import { filterRules, optionsSchema, outcomeFromReport, retryOptions } from "./common.ts";
import { formatListing, listingEntries, listingTotals } from "./listing.ts";
import type { WalkOptions } from "./options.ts";

/**
 * `walk: { at, output, format, totals, include, exclude }`. Without `output`,
 * the entries go into the job's report.
 *
 * @example
 * ```ts
 * registry.add(definePlugin({ name: "core", jobKinds: [walkJob] }));
 * ```
 */
export const walkJob: JobKind<WalkOptions> = {
  name: "walk",
  description: "list a tree (type, size, mtime, precision) into a file or the report",
  loadSchema: optionsSchema("WalkOptions"),
  targets: ["at"],
  async run(options, ctx) {
    const at = await ctx.target(options.at);
    const report = newReport("walk", { dryRun: ctx.dryRun });
    const tree = await listTree(at.endpoint, at.path, {
      ...filterRules(options),
      symlinks: options.symlinks,
      concurrency: ctx.parallel,
      retry: retryOptions(ctx),
      signal: ctx.signal,
    });
    addWalkProblems(report, tree, "walk");
    const entries = listingEntries(tree.entries);
    const totals = listingTotals(entries);
    let output: string | undefined;
    if (options.output !== undefined && !ctx.dryRun) {
      output = resolve(ctx.baseDir, options.output);
      const format = options.format ?? formatFromName(output);
      await Deno.mkdir(dirname(output), { recursive: true });
      await Deno.writeTextFile(
        output,
        formatListing(entries, format, { root: at.path, totals: options.totals }),
      );
      ctx.log.info("wrote {count} entries to {output}", { count: entries.length, output });
    }
    const outcome = outcomeFromReport(finishReport(report));
    outcome.details = {
      ...(outcome.details as object),
      root: `${at.name}:/${at.path}`,
      totals,
      ...(output ? { output } : { entries }),
    };
    return outcome;
  },
};

/**
 * The listing format a file name suggests (`.ndjson`, `.csv`, `.txt` → tree), else JSON.
 *
 * @example
 * ```ts
 * formatFromName("listing.csv"); // "csv"
 * ```
 */
export function formatFromName(name: string): "json" | "ndjson" | "csv" | "tree" {
  if (/\.(ndjson|jsonl)$/i.test(name)) return "ndjson";
  if (/\.csv$/i.test(name)) return "csv";
  if (/\.txt$/i.test(name)) return "tree";
  return "json";
}
