/**
 * `ferry schema`: the JSON Schema of the workflow format, from the same zod
 * definitions the validator uses (plugins loaded with --plugin included).
 * @module
 */
import type { Command } from "../../deps/commander.ts";
import { workflowJsonSchema } from "../../workflow/schema.ts";
import { runAction } from "../action.ts";
import type { CliContext } from "../context.ts";
import { withGlobalOptions } from "../options.ts";

/**
 * Adds `schema` to the program.
 *
 * @example
 * ```ts
 * registerSchema(program, cli);
 * ```
 */
export function registerSchema(program: Command, cli: CliContext): void {
  withGlobalOptions(
    program.command("schema")
      .description("print the JSON Schema of workflow files (for editors)")
      .option("-o, --output <file>", "write it to this file instead of stdout"),
  ).action((opts) =>
    runAction(cli, program.opts(), opts, async () => {
      await cli.registry.loadAll();
      const text = JSON.stringify(workflowJsonSchema(await cli.registry.schemaParts()), null, 2);
      if (opts.output) await Deno.writeTextFile(opts.output, text + "\n");
      else cli.out(text);
    })
  );
}
