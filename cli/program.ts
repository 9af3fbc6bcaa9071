/**
 * The command tree: ferry's own commands, each a small module in commands/,
 * and the commands plugins contribute.
 * @module
 */
import { Command, Help } from "../deps/commander.ts";
import type { PluginCommand } from "../workflow/plugin.ts";
import { BUILTIN_PLUGINS } from "../workflow/builtin_manifests.ts";
import { runAction } from "./action.ts";
import type { CliContext } from "./context.ts";
import { withGlobalOptions } from "./options.ts";
import { splitEndpointFlags, type SplitFlags } from "./plugin_flags.ts";
import { COMMAND_TABLE, type CommandEntry, type Registrar } from "./commands/table.ts";
import { VERSION } from "./version.ts";
import { late } from "./late.ts";

export { VERSION };
export type { Registrar };

/**
 * Builds the program for a context. Every command is known by name, usage and
 * description; only `selected`'s module is imported and registered with its
 * options (the others are listed, not loaded). Plugin commands come from the
 * context's registry once it is made (`--plugin`), else from the built-in
 * manifests.
 *
 * @example
 * ```ts
 * const program = await buildProgram(cli, commandName(args));
 * await program.parseAsync(args, { from: "user" });
 * ```
 */
export async function buildProgram(
  cli: CliContext,
  selected?: string,
  table: readonly CommandEntry[] = COMMAND_TABLE,
): Promise<Command> {
  const terms = new Map(table.map((c) => [c.name, `${c.name} ${c.usage}`]));
  const help = new Help();
  const program = withGlobalOptions(
    new Command()
      .name("ferry")
      .description("keep file trees in step across FTP, FTPS, UFTP, S3 and local disks")
      .version(VERSION)
      .enablePositionalOptions()
      .showHelpAfterError("(ferry --help lists the commands)")
      .configureHelp({ subcommandTerm: (cmd) => terms.get(cmd.name()) ?? help.subcommandTerm(cmd) })
      .exitOverride(),
  ) as unknown as Command;
  const chosen = table.find((c) => c.name === selected);
  const register = await chosen?.load();
  const known = () => new Set(program.commands.map((c) => c.name()));
  for (const entry of table) {
    if (known().has(entry.name)) continue; // added with its group
    const mine = entry === chosen || (entry.group !== undefined && entry.group === chosen?.group);
    if (mine) register!(program, cli);
    else program.command(entry.name).description(entry.description);
  }
  const plugins = cli.registryIfReady?.commands.values() ??
    BUILTIN_PLUGINS.flatMap((p) => (p.manifest.commands ?? []).map((item) => ({ item })));
  for (const { item } of plugins) addPluginCommand(program, cli, item);
  return program;
}

/** Registers the whole table (tests: every command with its options). */
export async function loadAllCommands(): Promise<Registrar[]> {
  return await Promise.all(COMMAND_TABLE.map((c) => c.load()));
}

/** A plugin command takes its raw arguments (its own --help included). */
function addPluginCommand(
  program: Command,
  cli: CliContext,
  command: Omit<PluginCommand, "run">,
): void {
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
        const found = cli.registry.commands.get(command.name)?.item;
        if (!found) throw new Error(`internal: command ${command.name} is not in the registry`);
        return found.run(rest, {
          signal: cli.signal,
          secrets: cli.secrets,
          openEndpoint: (url, options) =>
            command.endpointFlags
              ? late<typeof import("./endpoint.ts")>(import.meta.url, "./endpoint.ts").then((m) =>
                m.openCliEndpoint(cli, url, flags)
              )
              : late<typeof import("../workflow/endpoints.ts")>(
                import.meta.url,
                "../workflow/endpoints.ts",
              ).then((m) => m.openUrl(cli.registry, url, options)),
          enableDebug: () => cli.enableDebug(),
          authorizer: (name) => cli.registry.authorizers.get(name)?.item,
        });
      });
    });
}
