/**
 * What `ferry mirror FROM TO` does once its arguments are parsed: a one-job
 * workflow run by the engine (cli/oneoff.ts). The command-line wiring is in
 * mirror.ts (commander) and cli/quick.ts (by hand); this module loads neither.
 * @module
 */
import type { CliContext } from "../context.ts";
import { compareFromOptions, filtersFromOptions, queueFrom } from "../flags.ts";
import { runOneOff } from "../lazy.ts";
import type { OneOff } from "../oneoff.ts";

/**
 * Runs `ferry mirror` with the options as commander gives them to the action,
 * and reports the run (`cli.report`).
 *
 * @example
 * ```ts
 * await runMirror(cli, "ftp://h/pub", "./pub", { mlsd: true, parallel: 8 });
 * ```
 */
export async function runMirror(
  cli: CliContext,
  from: string,
  to: string,
  // deno-lint-ignore no-explicit-any
  opts: Record<string, any>,
): Promise<void> {
  cli.report(await runOneOff(cli, mirrorOneOff(from, to, opts)));
}

/**
 * The one-off job `ferry mirror FROM TO` runs, from the options as commander
 * gives them to the action.
 *
 * @example
 * ```ts
 * oneOffWorkflow(mirrorOneOff("ftp://h/pub", "./pub", { mlsd: true, delete: true }));
 * ```
 */
// deno-lint-ignore no-explicit-any
export function mirrorOneOff(from: string, to: string, opts: Record<string, any>): OneOff {
  return {
    command: "mirror",
    kind: "mirror",
    locations: { from, to },
    targets: { from: "from", to: "to" },
    options: {
      ...filtersFromOptions(opts),
      ...(opts.delete ? { delete: true } : {}),
      ...(opts.backupDir ? { backupDir: opts.backupDir } : {}),
      ...compareFromOptions(opts),
    },
    localPaths: { backupDir: "to" },
    flags: opts,
    queue: queueFrom(opts),
  };
}
