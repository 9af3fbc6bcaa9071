/**
 * The wrapper every command's action runs in: global options merged from
 * before and after the command name, logging and display set up, `--plugin`
 * modules loaded, errors turned into messages and exit codes, cleanup always.
 * @module
 */
import type { CliContext, GlobalOptions } from "./context.ts";

/** Global option keys, for picking them out of a command's options. */
const GLOBAL_KEYS = [
  "verbose",
  "debug",
  "quiet",
  "json",
  "logFormat",
  "logFile",
  "plugin",
] as const;

/**
 * Global options from the program's and the command's parsed options (the
 * command's win; `--plugin` lists are joined).
 *
 * @example
 * ```ts
 * mergeGlobals({ debug: true }, { json: true }); // { debug: true, json: true }
 * ```
 */
export function mergeGlobals(
  program: Record<string, unknown>,
  command: Record<string, unknown>,
): GlobalOptions {
  const out: Record<string, unknown> = {};
  for (const k of GLOBAL_KEYS) {
    const v = command[k] ?? program[k];
    if (v !== undefined) out[k] = v;
  }
  const plugins = [
    ...((program.plugin as string[] | undefined) ?? []),
    ...((command.plugin as string[] | undefined) ?? []),
  ];
  if (plugins.length) out.plugin = [...new Set(plugins)];
  return out as GlobalOptions;
}

/**
 * Runs a command body inside the CLI context; the body returns an exit code
 * (or nothing for 0, or leaves `cli.exitCode` set by `cli.report`).
 *
 * @example
 * ```ts
 * .action((file, opts) => runAction(cli, program.opts(), opts, () => runCommand(cli, file, opts)))
 * ```
 */
export async function runAction(
  cli: CliContext,
  programOptions: Record<string, unknown>,
  commandOptions: Record<string, unknown>,
  body: () => Promise<number | void>,
): Promise<void> {
  try {
    await cli.start(mergeGlobals(programOptions, commandOptions));
    await cli.ready();
    for (const spec of cli.globals.plugin ?? []) await cli.loadPlugin(spec);
    const code = await body();
    if (typeof code === "number") cli.exitCode = Math.max(cli.exitCode, code);
  } catch (error) {
    cli.fail(error);
  } finally {
    await cli.finish();
  }
}
