/**
 * `ferry worker --queue redis://HOST:PORT[/DB]`: carry out the transfer tasks
 * that `ferry run --queue` coordinators put on the queue, until SIGTERM/Ctrl-C.
 * bullmq is loaded only here and with `--queue` (workflow/queue).
 * @module
 */
import type { Command } from "../../deps/commander.ts";
import { UsageError } from "../../workflow/errors.ts";
import { runAction } from "../action.ts";
import type { CliContext } from "../context.ts";
import { positiveInt, withGlobalOptions } from "../options.ts";
import { late } from "../late.ts";
import { queueFrom } from "../flags.ts";

/** The `--queue` option text, shared by every command that can use a queue. */
export const QUEUE_HELP = "carry transfers out on the workers of this queue " +
  "(redis://HOST:PORT[/DB]; default $FERRY_QUEUE)";

/** How long a worker may take to hand its tasks back after SIGTERM. */
export const WORKER_STOP_DEADLINE_MS = 10_000;

/**
 * Adds `worker` to the program.
 *
 * @example
 * ```ts
 * registerWorker(program, cli);
 * ```
 */
export function registerWorker(program: Command, cli: CliContext): void {
  withGlobalOptions(
    program.command("worker")
      .description("take transfer tasks from a queue (ferry run --queue) until SIGTERM")
      .option("--queue <url>", "the queue: redis://HOST:PORT[/DB] (default $FERRY_QUEUE)")
      .option("--concurrency <n>", "tasks carried out at once (default 4)", positiveInt),
  ).action((opts) =>
    runAction(cli, program.opts(), opts, async () => {
      const url = queueFrom(opts);
      if (!url) throw new UsageError("worker: no queue (--queue redis://HOST:PORT or FERRY_QUEUE)");
      const { parseQueueUrl } = await late<typeof import("../../workflow/queue/connection.ts")>(
        import.meta.url,
        "../../workflow/queue/connection.ts",
      );
      const { runWorker } = await late<typeof import("../../workflow/queue/worker.ts")>(
        import.meta.url,
        "../../workflow/queue/worker.ts",
      );
      const target = parseQueueUrl(url);
      if (target.password) cli.secrets.add(target.password);
      const lock = Number(Deno.env.get("FERRY_QUEUE_LOCK_MS") ?? "");
      // Tasks in hand stop and go back to the queue first (one Redis round trip
      // each); a second SIGTERM still exits at once.
      cli.stopDeadlineMs = WORKER_STOP_DEADLINE_MS;
      await runWorker({
        target,
        concurrency: opts.concurrency,
        registry: cli.registry,
        signal: cli.signal,
        ...(lock > 0 ? { lockMs: lock } : {}),
        onTask: (e) => {
          if (e.type !== "end" && !cli.globals.quiet) {
            cli.out(`${e.type === "start" ? "task" : "handed back"} ${e.id} (${e.job})`);
          }
        },
      });
      // SIGTERM is how a worker ends: a clean stop is a success.
      return 0;
    })
  );
}
