/**
 * `ferry run FILE`: load, validate, run the workflow, print the report.
 * @module
 */
import type { Command } from "../../deps/commander.ts";
import { loadWorkflow } from "../lazy.ts";
import { eventsFor } from "../progress.ts";
import { runWorkflow } from "../lazy.ts";
import { runAction } from "../action.ts";
import type { CliContext } from "../context.ts";
import { collect, positiveInt, SEGMENTS_HELP, withGlobalOptions } from "../options.ts";
import { QUEUE_HELP } from "./worker.ts";
import { queueFrom } from "../flags.ts";
import { late } from "../late.ts";

/**
 * Adds `run` to the program.
 *
 * @example
 * ```ts
 * registerRun(program, cli);
 * ```
 */
export function registerRun(program: Command, cli: CliContext): void {
  withGlobalOptions(
    program.command("run")
      .description("run a workflow file once")
      .argument("<file>", "workflow YAML file")
      .option("-j, --job <name>", "run only this job (and what it needs); repeatable", collect)
      .option("-n, --dry-run", "every job prints its plan and changes nothing")
      .option("--concurrency <n>", "jobs running at once (default 2)", positiveInt)
      .option("-P, --parallel <n>", "parallel transfers per job (overrides the file)", positiveInt)
      .option("--segments <n>", SEGMENTS_HELP + " (overrides the file)", positiveInt)
      .option("--queue <url>", QUEUE_HELP),
  ).action((file, opts) =>
    runAction(cli, program.opts(), opts, async () => {
      const wf = await loadWorkflow(file, { registry: cli.registry, secrets: cli.secrets });
      const options = {
        dryRun: opts.dryRun,
        jobs: opts.job,
        concurrency: opts.concurrency,
        parallel: opts.parallel,
        segments: opts.segments,
        signal: cli.signal,
        onEvent: eventsFor(cli.display),
        // Cron runs of one file that overlap: each job runs in one of them only.
        exclusive: true,
      };
      const queue = queueFrom(opts);
      // bullmq is loaded only for a queue.
      const report = queue
        ? await (await late<typeof import("../../workflow/queue/run.ts")>(
          import.meta.url,
          "../../workflow/queue/run.ts",
        )).runOnQueue(wf, options, { queue })
        : await runWorkflow(wf, options);
      await cli.prepareReport();
      cli.report(report);
    })
  );
}
