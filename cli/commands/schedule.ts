/**
 * `ferry schedule FILE...`: run the workflows' cron schedules in the foreground
 * until SIGINT/SIGTERM. With `--queue`, the schedules become job schedulers on
 * the queue (any number of `schedule --queue` processes share them, each tick
 * runs once) and the runs' transfers go to `ferry worker`s (workflow/queue,
 * loaded only then). `--list` and `--remove NAME|FILE...` show and retire the
 * schedules a queue holds (BullMQ's getJobSchedulers / removeJobScheduler).
 * @module
 */
import type { Command } from "../../deps/commander.ts";
import type { WorkflowReport } from "../../workflow/report.ts";
import { eventsFor } from "../progress.ts";
import { scheduleWorkflows } from "../../workflow/schedule.ts";
import { runAction } from "../action.ts";
import type { CliContext } from "../context.ts";
import { positiveInt, withGlobalOptions } from "../options.ts";
import { summarize } from "../summary.ts";
import { UsageError } from "../../workflow/errors.ts";
import { loadWorkflow } from "../../workflow/load.ts";
import { WORKER_STOP_DEADLINE_MS } from "./worker.ts";
import { queueFrom } from "../flags.ts";

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
      .argument(
        "[files...]",
        "workflow YAML files with a schedule: (with --remove: workflow names or files)",
      )
      .option("--concurrency <n>", "jobs running at once per run (default 2)", positiveInt)
      .option(
        "--queue <url>",
        "share the schedules with other schedulers on this queue, transfers on its workers " +
          "(redis://HOST:PORT[/DB]; default $FERRY_QUEUE)",
      )
      .option("--list", "with --queue: show the schedules on the queue, then exit")
      .option(
        "--remove",
        "with --queue: remove the schedules of the named workflows (names or files) from the " +
          "queue, with their next tick, then exit",
      ),
  ).action((files: string[], opts) =>
    runAction(cli, program.opts(), opts, async () => {
      if (opts.list || opts.remove) return await manageSchedules(cli, files, opts);
      if (files.length === 0) throw new UsageError("schedule: name at least one workflow file");
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
        onEvent: eventsFor(cli.display),
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

/** `--list` / `--remove`: the schedules on the queue, shown or retired. */
async function manageSchedules(
  cli: CliContext,
  args: string[],
  opts: { queue?: string; list?: boolean; remove?: boolean },
): Promise<number> {
  const url = queueFrom(opts);
  if (!url) {
    throw new UsageError(
      "schedule --list/--remove: they act on a queue's schedules: give --queue redis://HOST:PORT " +
        "(or FERRY_QUEUE); a local ferry schedule keeps its schedules in its own process",
    );
  }
  if (opts.list && opts.remove) throw new UsageError("schedule: --list or --remove, not both");
  const { parseQueueUrl } = await import("../../workflow/queue/connection.ts");
  const { listQueueSchedules, removeQueueSchedules } = await import(
    "../../workflow/queue/schedulers.ts"
  );
  const target = parseQueueUrl(url);
  if (target.password) cli.secrets.add(target.password);
  if (opts.list) {
    const all = await listQueueSchedules(target);
    if (cli.globals.json) cli.out(JSON.stringify(all));
    else if (all.length === 0) cli.out(`no schedules on ${target.display}`);
    for (const s of cli.globals.json ? [] : all) {
      const next = s.next ? `next ${new Date(s.next).toISOString()}` : "no next tick";
      cli.out(`${s.id}\t${s.pattern ?? "?"}${s.tz ? ` (${s.tz})` : ""}\t${next}\t${s.file ?? ""}`);
    }
    return 0;
  }
  if (args.length === 0) throw new UsageError("schedule --remove: name the workflows (or files)");
  const names: string[] = [];
  for (const arg of args) {
    // A file stands for the workflow it names; anything else is a name.
    const isFile = await Deno.stat(arg).then((st) => st.isFile, () => false);
    names.push(
      isFile
        ? (await loadWorkflow(arg, { registry: cli.registry, secrets: cli.secrets })).name
        : arg,
    );
  }
  const { removed, missing } = await removeQueueSchedules(target, names);
  if (cli.globals.json) cli.out(JSON.stringify({ removed, missing }));
  else {
    if (removed.length > 0) cli.out(`removed ${removed.join(", ")} from ${target.display}`);
    for (const name of missing) cli.err(`ferry: no schedule of ${name} on ${target.display}`);
  }
  return missing.length > 0 ? 1 : 0;
}
