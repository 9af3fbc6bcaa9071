/**
 * What `ferry sync A B` does once its arguments are parsed: a one-job
 * workflow run by the engine (cli/oneoff.ts). The command-line wiring is in
 * sync.ts (commander) and cli/quick.ts (by hand); this module loads neither.
 * @module
 */
import type { CliContext } from "../context.ts";
import { compareFromOptions, filtersFromOptions, queueFrom } from "../flags.ts";
import { runOneOff } from "../lazy.ts";
import type { OneOff } from "../oneoff.ts";
import { UsageError } from "../../workflow/errors.ts";

/**
 * Runs `ferry sync` with the options as commander gives them to the action,
 * and reports the run (`cli.report`).
 *
 * @example
 * ```ts
 * await runSync(cli, "./a", "ftp://h/b", { mlsd: true, parallel: 8 });
 * ```
 */
export async function runSync(
  cli: CliContext,
  a: string,
  b: string,
  // deno-lint-ignore no-explicit-any
  opts: Record<string, any>,
): Promise<void> {
  cli.report(await runOneOff(cli, syncOneOff(a, b, opts)));
}

/**
 * The one-off job `ferry sync A B` runs, from the options as commander gives
 * them to the action.
 *
 * @example
 * ```ts
 * oneOffWorkflow(syncOneOff("./a", "ftp://h/b", { mlsd: true, force: true }));
 * ```
 */
// deno-lint-ignore no-explicit-any
export function syncOneOff(a: string, b: string, opts: Record<string, any>): OneOff {
  if (opts.stateDir !== undefined) stateDirCheck(String(opts.stateDir));
  return {
    command: "sync",
    kind: "sync",
    locations: { a, b },
    targets: { a: "a", b: "b" },
    options: {
      ...filtersFromOptions(opts),
      ...(opts.conflict ? { conflict: opts.conflict } : {}),
      ...(opts.conflictSuffix ? { conflictSuffix: opts.conflictSuffix } : {}),
      ...(opts.force ? { force: true } : {}),
      ...compareFromOptions(opts),
    },
    state: opts.stateDir,
    flags: opts,
    queue: queueFrom(opts),
  };
}

/**
 * `--state-dir` names a directory (made when missing): a path that is there as
 * something else is a usage error naming it (it was Deno's bare "File exists"
 * from the mkdir, exit 1).
 */
function stateDirCheck(path: string): void {
  let info: Deno.FileInfo;
  try {
    info = Deno.statSync(path);
  } catch {
    return; // Missing: made by the run; another problem is the run's to tell.
  }
  if (!info.isDirectory) {
    throw new UsageError(
      `--state-dir ${path}: not a directory (a ${
        info.isFile ? "file" : "special file"
      } is there); ` +
        "it must be a directory, where the state database lives, or a path not there yet",
    );
  }
}
