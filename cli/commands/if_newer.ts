/**
 * `ferry upload-if-newer LOCAL URL` and `ferry download-if-newer URL LOCAL`:
 * ftputil's rule, for a file or a tree.
 * @module
 */
import type { Command } from "../../deps/commander.ts";
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
import { QUEUE_HELP } from "./worker.ts";
import { queueFrom } from "../flags.ts";

function register(
  program: Command,
  cli: CliContext,
  name: "upload-if-newer" | "download-if-newer",
  description: string,
  from: [string, string],
  to: [string, string],
): void {
  const cmd = program.command(name)
    .description(description)
    .argument(...from)
    .argument(...to)
    .option("--queue <url>", QUEUE_HELP);
  withGlobalOptions(withJobOptions(withFilterOptions(withConnectionOptions(withAuthOptions(cmd)))))
    .action((src, dst, opts) =>
      runAction(cli, program.opts(), opts, async () => {
        // The helpers' options are read as a plain record (see cli/options.ts).
        const flags = opts as Record<string, unknown>;
        cli.report(
          await runOneOff(cli, {
            command: name,
            kind: name,
            locations: { from: src as string, to: dst as string },
            targets: { from: "from", to: "to" },
            options: filtersFromOptions(flags),
            flags,
            queue: queueFrom(flags as { queue?: string }),
          }),
        );
      })
    );
}

/**
 * Adds `upload-if-newer` and `download-if-newer` to the program.
 *
 * @example
 * ```ts
 * registerIfNewer(program, cli);
 * ```
 */
export function registerIfNewer(program: Command, cli: CliContext): void {
  register(
    program,
    cli,
    "upload-if-newer",
    "upload a file or tree where the local copy is newer (ftputil's rule)",
    ["<local>", "local file or directory"],
    ["<url>", "target URL"],
  );
  register(
    program,
    cli,
    "download-if-newer",
    "download a file or tree where the server's copy is newer (ftputil's rule)",
    ["<url>", "source URL"],
    ["<local>", "local file or directory"],
  );
}
