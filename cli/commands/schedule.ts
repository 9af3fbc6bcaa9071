/**
 * `ferry schedule FILE...`: run the workflows' cron schedules in the foreground
 * until SIGINT/SIGTERM. With `--queue`, the schedules become job schedulers on
 * the queue (any number of `schedule --queue` processes share them, each tick
 * runs once) and the runs' transfers go to `ferry worker`s (workflow/queue,
 * loaded only then).
 * @module
 */
import type { Command } from "../../deps/commander.ts";
import type { RunEvent, WorkflowReport } from "../../workflow/report.ts";
import { scheduleWorkflows } from "../../workflow/schedule.ts";
import { runAction } from "../action.ts";
import type { CliContext } from "../context.ts";
import { positiveInt, withGlobalOptions } from "../options.ts";
import { summarize } from "../summary.ts";
import { queueFrom, WORKER_STOP_DEADLINE_MS } from "./worker.ts";

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
      .option("--concurrency <n>", "jobs running at once per run (default 2)", positiveInt)
      .option(
        "--queue <url>",
        "share the schedules with other schedulers on this queue, transfers on its workers " +
          "(redis://HOST:PORT[/DB]; default $FERRY_QUEUE)",
      ),
  ).action((files, opts) =>
    runAction(cli, program.opts(), opts, async () => {
      const onReport = (_file: string, report: WorkflowReport) => {
        cli.recordRunEnd(report);
        if (cli.globals.json) cli.out(JSON.stringify(cli.secrets.redactDeep(report)));
        else if (!cli.globals.quiet || report.status !== "ok") {
          for (const line of summarize(report)) cli.out(line);
        }
      };
      const load = { registry: cli.registry, secrets: cli.secrets };
      const run = {
        concurrency: opts.concurrency,
        onEvent: (e: RunEvent) => cli.display.onEvent(e),
      };
      const url = queueFrom(opts);
      if (url) {
        const { parseQueueUrl } = await import("../../workflow/queue/connection.ts");
        const { scheduleOnQueue } = await import("../../workflow/queue/schedule.ts");
        const target = parseQueueUrl(url);
        if (target.password) cli.secrets.add(target.password);
        // A run stopped by SIGTERM closes its queue connections first.
        cli.stopDeadlineMs = WORKER_STOP_DEADLINE_MS;
        const lock = Number(Deno.env.get("FERRY_QUEUE_LOCK_MS") ?? "");
        await scheduleOnQueue(files, {
          target,
          url,
          load,
          run,
          signal: cli.signal,
          onReport,
          ...(lock > 0 ? { lockMs: lock } : {}),
        });
        return 0;
      }
      await scheduleWorkflows(files, { load, run, signal: cli.signal, onReport });
      // Ctrl-C / SIGTERM is how a schedule ends: a clean stop is a success.
      return 0;
    })
  );
}
