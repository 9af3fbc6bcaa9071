/**
 * `ferry mirror FROM TO`: one-way mirror between any two URLs or paths.
 * @module
 */
import { type Command, Option } from "../../deps.ts";
import { runAction } from "../action.ts";
import type { CliContext } from "../context.ts";
import { runOneOff } from "../oneoff.ts";
import {
  filtersFromOptions,
  maxDeleteOption,
  withAuthOptions,
  withConnectionOptions,
  withFilterOptions,
  withGlobalOptions,
  withJobOptions,
} from "../options.ts";

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
    .option("--max-delete <n|pct>", 'refuse to delete more than this many files, or e.g. "10%"')
    .option("--backup-dir <path>", "move deleted and replaced files here (on the target)")
    .addOption(
      new Option("--compare <mode>", "how files are judged equal")
        .choices(["size+mtime", "size", "checksum"] as const),
    );
  withGlobalOptions(withJobOptions(withFilterOptions(withConnectionOptions(withAuthOptions(cmd)))))
    .action((from, to, opts) =>
      runAction(cli, program.opts(), opts, async () => {
        const maxDelete = maxDeleteOption(opts.maxDelete);
        cli.report(
          await runOneOff(cli, {
            command: "mirror",
            kind: "mirror",
            locations: { from, to },
            targets: { from: "from", to: "to" },
            options: {
              ...filtersFromOptions(opts),
              ...(opts.delete ? { delete: true } : {}),
              ...(maxDelete !== undefined ? { maxDelete } : {}),
              ...(opts.backupDir ? { backupDir: opts.backupDir } : {}),
              ...(opts.compare ? { compare: opts.compare } : {}),
            },
            flags: opts,
          }),
        );
      })
    );
}
