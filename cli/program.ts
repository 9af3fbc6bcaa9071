/**
 * The command tree: ferry's own commands, each a small module in commands/,
 * and the commands plugins contribute.
 * @module
 */
import { Command } from "../deps/commander.ts";
import type { PluginCommand } from "../workflow/plugin.ts";
import { runAction } from "./action.ts";
import type { CliContext } from "./context.ts";
import { withGlobalOptions } from "./options.ts";
import { EndpointPool, openUrl } from "../workflow/endpoints.ts";
import { endpointFromOptions } from "./options.ts";
import { splitEndpointFlags, type SplitFlags } from "./plugin_flags.ts";
import { registerDemo } from "./commands/demo.ts";
import { registerGetPut } from "./commands/get_put.ts";
import { registerIfNewer } from "./commands/if_newer.ts";
import { registerLs } from "./commands/ls.ts";
import { registerMirror } from "./commands/mirror.ts";
import { registerRmtree } from "./commands/rmtree.ts";
import { registerRun } from "./commands/run.ts";
import { registerSchedule } from "./commands/schedule.ts";
import { registerSchema } from "./commands/schema.ts";
import { registerSync } from "./commands/sync.ts";
import { registerTimeShift } from "./commands/time_shift.ts";
import { registerValidate } from "./commands/validate.ts";
import { registerWalk } from "./commands/walk.ts";
import { registerWorker } from "./commands/worker.ts";

/** The version printed by `ferry --version`. */
export const VERSION = "0.1.0";

/** Registers one group of commands. */
export type Registrar = (program: Command, cli: CliContext) => void;

/** ferry's own commands, in help order. */
export const COMMANDS: Registrar[] = [
  registerRun,
  registerValidate,
  registerSchema,
  registerSchedule,
  registerWorker,
  registerMirror,
  registerSync,
  registerWalk,
  registerRmtree,
  registerIfNewer,
  registerLs,
  registerGetPut,
  registerTimeShift,
  registerDemo,
];

/**
 * Builds the program for a context (whose registry already holds the plugins).
 *
 * @example
 * ```ts
 * const program = buildProgram(cli);
 * await program.parseAsync(args, { from: "user" });
 * ```
 */
export function buildProgram(cli: CliContext, registrars: Registrar[] = COMMANDS): Command {
  const program = withGlobalOptions(
    new Command()
      .name("ferry")
      .description("keep file trees in step across FTP, FTPS, UFTP and local disks")
      .version(VERSION)
      .enablePositionalOptions()
      .showHelpAfterError("(ferry --help lists the commands)")
      .exitOverride(),
  ) as unknown as Command;
  for (const register of registrars) register(program, cli);
  for (const { item } of cli.registry.commands.values()) addPluginCommand(program, cli, item);
  return program;
}

/** A plugin command takes its raw arguments (its own --help included). */
function addPluginCommand(program: Command, cli: CliContext, command: PluginCommand): void {
  program.command(command.name)
    .description(command.description)
    .usage(command.usage ?? "[arguments]")
    .argument("[args...]")
    .allowUnknownOption()
    .allowExcessArguments()
    .helpOption(false)
    .passThroughOptions()
    .action((args: string[]) => {
      let split: SplitFlags = { flags: {}, rest: args };
      let problem: unknown;
      try {
        if (command.endpointFlags) split = splitEndpointFlags(args);
      } catch (error) {
        problem = error;
      }
      const { flags, rest } = split;
      return runAction(cli, program.opts(), flags, () => {
        if (problem) throw problem;
        return command.run(rest, {
          signal: cli.signal,
          secrets: cli.secrets,
          openEndpoint: (url, options) =>
            command.endpointFlags
              ? openWithFlags(cli, url, flags)
              : openUrl(cli.registry, url, options),
          enableDebug: () => cli.enableDebug(),
          authorizer: (name) => cli.registry.authorizers.get(name)?.item,
        });
      });
    });
}

/**
 * A URL opened as `ferry mirror` opens its endpoints: the flags make its
 * endpoint entry (auth method, TLS, connections), the pool resolves the
 * credentials (netrc by default) and opens it. The caller closes it.
 */
async function openWithFlags(cli: CliContext, url: string, flags: Record<string, unknown>) {
  const pool = new EndpointPool({ target: endpointFromOptions(url, flags) }, {
    registry: cli.registry,
    secrets: cli.secrets,
    env: (name) => Deno.env.get(name),
    interactive: Deno.stdin.isTerminal(),
    baseDir: Deno.cwd(),
    signal: cli.signal,
  });
  return await pool.get("target");
}
