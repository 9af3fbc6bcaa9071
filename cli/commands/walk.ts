/**
 * `ferry walk URL`: list a tree (tree on a terminal, NDJSON otherwise, or --format; a file
 * given with -o gets the format its extension suggests).
 * @module
 */
import { type Command, Option } from "../../deps/commander.ts";
import { formatListing, type ListingEntry } from "../../workflow/jobs/listing.ts";
import { runAction } from "../action.ts";
import type { CliContext } from "../context.ts";
import { runOneOff } from "../lazy.ts";
import {
  filtersFromOptions,
  withAuthOptions,
  withConnectionOptions,
  withFilterOptions,
  withGlobalOptions,
  withJobOptions,
} from "../options.ts";

/**
 * Adds `walk` to the program.
 *
 * @example
 * ```ts
 * registerWalk(program, cli);
 * ```
 */
export function registerWalk(program: Command, cli: CliContext): void {
  const cmd = program.command("walk")
    .description("list a tree: type, size, mtime and its precision")
    .argument("<url>", "URL or local path")
    .addOption(
      new Option(
        "-f, --format <format>",
        "tree (default on a terminal), ndjson (default otherwise), json, csv; " +
          "with -o, the default follows the file's extension",
      )
        .choices(["json", "ndjson", "csv", "tree"] as const),
    )
    .option("-o, --output <file>", "write the listing to this file")
    .option("--totals", "add file, directory and byte totals");
  withGlobalOptions(withJobOptions(withFilterOptions(withConnectionOptions(withAuthOptions(cmd)))))
    .action((url, opts) =>
      runAction(cli, program.opts(), opts, async () => {
        // For stdout: a tree on a terminal, else NDJSON. A file (-o) without -f takes the
        // format its name suggests, as the walk job's `output:` does (formatFromName).
        const format = opts.format ?? (Deno.stdout.isTerminal() ? "tree" : "ndjson");
        const report = await runOneOff(cli, {
          command: "walk",
          kind: "walk",
          locations: { at: url },
          targets: { at: "at" },
          options: {
            ...filtersFromOptions(opts),
            ...(opts.output ? { output: opts.output } : {}),
            ...(opts.output && opts.format ? { format: opts.format } : {}),
            ...(opts.totals ? { totals: true } : {}),
          },
          flags: { ...opts, dryRun: false },
        });
        const job = report.jobs[0];
        const details = job.details as { entries?: ListingEntry[]; root?: string } | undefined;
        if (cli.globals.json || job.status !== "ok") cli.report(report);
        else {
          if (details?.entries) {
            const text = formatListing(details.entries, format, { root: url, totals: opts.totals });
            cli.out(text.replace(/\n$/, ""));
          }
          cli.exitCode = Math.max(cli.exitCode, 0);
          // The listing replaces the summary, not the run's end record (--log-format json, --log-file).
          cli.recordRunEnd(report);
        }
      })
    );
}
