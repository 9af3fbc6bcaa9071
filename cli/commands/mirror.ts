/**
 * `ferry mirror FROM TO`: one-way mirror between any two URLs or paths.
 * @module
 */
import type { Command } from "../../deps/commander.ts";
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
import { runMirror } from "./mirror_run.ts";

/**
 * Adds `mirror` to the program.
 *
 * @example
 * ```ts
 * registerMirror(program, cli);
 * ```
 */
export function registerMirror(program: Command, cli: CliContext): void {
  const cmd = program.command("mirror")
    .description("make TO look like FROM (new and changed files; --delete for extras)")
    .argument("<from>", "source URL or local path")
    .argument("<to>", "target URL or local path")
    .option("--delete", "delete target files the source does not have")
    .option("--queue <url>", QUEUE_HELP)
    .option(
      "--backup-dir <path>",
      "move deleted and replaced files here (a local target: a local path, used as given)",
    );
  withGlobalOptions(
    withJobOptions(
      withCompareOptions(withFilterOptions(withConnectionOptions(withAuthOptions(cmd)))),
    ),
  )
    .action((from, to, opts) =>
      runAction(cli, program.opts(), opts, () => runMirror(cli, from, to, opts))
    );
}
