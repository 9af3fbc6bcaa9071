/**
 * `ferry schedule FILE...`: run the workflows' cron schedules in the foreground
 * until SIGINT/SIGTERM.
 * @module
 */
import type { Command } from "../../deps/commander.ts";
import { scheduleWorkflows } from "../../workflow/schedule.ts";
import { runAction } from "../action.ts";
import type { CliContext } from "../context.ts";
import { positiveInt, withGlobalOptions } from "../options.ts";
import { summarize } from "../summary.ts";

/**
 * Adds `schedule` to the program.
 *
 * @example
 * ```ts
 * registerSchedule(program, cli);
 * ```
 */
export function registerSchedule(program: Command, cli: CliContext): void {
  withGlobalOptions(
    program.command("schedule")
      .description("run workflows on their schedule: (cron) in the foreground until Ctrl-C")
      .argument("<files...>", "workflow YAML files with a schedule:")
      .option("--concurrency <n>", "jobs running at once per run (default 2)", positiveInt),
  ).action((files, opts) =>
    runAction(cli, program.opts(), opts, async () => {
      await scheduleWorkflows(files, {
        load: { registry: cli.registry, secrets: cli.secrets },
        run: { concurrency: opts.concurrency, onEvent: (e) => cli.display.onEvent(e) },
        signal: cli.signal,
        onReport: (_file, report) => {
          cli.recordRunEnd(report);
          if (cli.globals.json) cli.out(JSON.stringify(cli.secrets.redactDeep(report)));
          else if (!cli.globals.quiet || report.status !== "ok") {
            for (const line of summarize(report)) cli.out(line);
          }
        },
      });
      // Ctrl-C / SIGTERM is how a schedule ends: a clean stop is a success.
      return 0;
    })
  );
}
