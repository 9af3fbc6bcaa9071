/**
 * `ferry sync A B`: two-way sync with a state database (the command-line
 * wiring; what it runs is in sync_run.ts, which cli/quick.ts runs too).
 * @module
 */
import { type Command, Option } from "../../deps/commander.ts";
import { runAction } from "../action.ts";
import type { CliContext } from "../context.ts";
import {
  withAuthOptions,
  withCompareOptions,
  withConnectionOptions,
  withFilterOptions,
  withGlobalOptions,
  withJobOptions,
} from "../options.ts";
import { QUEUE_HELP } from "./worker.ts";
import { runSync } from "./sync_run.ts";
import { CONFLICT_POLICIES } from "../../sync/conflict_policies.ts";

/**
 * Adds `sync` to the program.
 *
 * @example
 * ```ts
 * registerSync(program, cli);
 * ```
 */
export function registerSync(program: Command, cli: CliContext): void {
  const cmd = program.command("sync")
    .description("two-way sync of A and B: changes and deletions on either side carried over")
    .argument("<a>", "one side: URL or local path")
    .argument("<b>", "the other side: URL or local path")
    .addOption(
      new Option(
        "--conflict <policy>",
        "when both changed (default keep-both: the older moves aside as name.sync-conflict-DATE-TIME-SIDE.ext)",
      ).choices(CONFLICT_POLICIES),
    )
    .option("--conflict-suffix <word>", "word in a kept version's name (default sync-conflict)")
    .option("--force", "pass the deletion guards (default: at most 50% of a side's files)")
    .option("--state-dir <dir>", "where the state database lives (default .ferry)")
    .option("--queue <url>", QUEUE_HELP);
  withGlobalOptions(
    withJobOptions(
      withCompareOptions(withFilterOptions(withConnectionOptions(withAuthOptions(cmd)))),
    ),
  )
    .action((a, b, opts) => runAction(cli, program.opts(), opts, () => runSync(cli, a, b, opts)));
}
