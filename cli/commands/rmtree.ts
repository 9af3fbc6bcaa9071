/**
 * `ferry rmtree URL`: remove a tree (never an endpoint root without --force).
 * @module
 */
import type { Command } from "../../deps/commander.ts";
import { runAction } from "../action.ts";
import type { CliContext } from "../context.ts";
import { runOneOff } from "../lazy.ts";
import { queueFrom } from "../flags.ts";
import {
  withAuthOptions,
  withConnectionOptions,
  withGlobalOptions,
  withJobOptions,
} from "../options.ts";

/**
 * Adds `rmtree` to the program.
 *
 * @example
 * ```ts
 * registerRmtree(program, cli);
 * ```
 */
export function registerRmtree(program: Command, cli: CliContext): void {
  const cmd = program.command("rmtree")
    .description("remove a directory tree (or a file)")
    .argument("<url>", "URL or local path")
    .option("--ignore-errors", "carry on past errors")
    .option("--force", "allow removing everything below an endpoint root")
    .option(
      "--queue <url>",
      "delete on the workers of this queue, after the complete listing here " +
        "(redis://HOST:PORT[/DB]; default $FERRY_QUEUE)",
    );
  withGlobalOptions(withJobOptions(withConnectionOptions(withAuthOptions(cmd))))
    .action((url, opts) =>
      runAction(cli, program.opts(), opts, async () => {
        cli.report(
          await runOneOff(cli, {
            command: "rmtree",
            kind: "rmtree",
            locations: { at: url },
            targets: { at: "at" },
            options: {
              ...(opts.ignoreErrors ? { ignoreErrors: true } : {}),
              ...(opts.force ? { force: true } : {}),
            },
            flags: opts,
            queue: queueFrom(opts),
          }),
        );
      })
    );
}
