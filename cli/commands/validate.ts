/**
 * `ferry validate FILE...`: every problem as file:line:col, exit 2; runs nothing.
 * @module
 */
import type { Command } from "../../deps/commander.ts";
import { formatProblem, WorkflowInvalidError } from "../../workflow/errors.ts";
import { loadWorkflow } from "../lazy.ts";
import { runAction } from "../action.ts";
import type { CliContext } from "../context.ts";
import { Exit } from "../exit.ts";
import { withGlobalOptions } from "../options.ts";

/**
 * Adds `validate` to the program.
 *
 * @example
 * ```ts
 * registerValidate(program, cli);
 * ```
 */
export function registerValidate(program: Command, cli: CliContext): void {
  withGlobalOptions(
    program.command("validate")
      .description(
        "check workflow files; print every problem as file:line:col (exit 2); run nothing",
      )
      .argument("<files...>", "workflow YAML files")
      .option(
        "--no-env",
        "do not require the variables that ${env:...} and auth's passwordEnv name to be set",
      ),
  ).action((files, opts) =>
    runAction(cli, program.opts(), opts, async () => {
      const results: { file: string; ok: boolean; jobs?: number; problems?: unknown[] }[] = [];
      let code: number = Exit.ok;
      for (const file of files) {
        try {
          const wf = await loadWorkflow(file, {
            registry: cli.registry,
            secrets: cli.secrets,
            allowMissingEnv: opts.env === false,
            checkAuthEnv: opts.env !== false,
          });
          results.push({ file, ok: true, jobs: wf.jobs.length });
          if (!cli.globals.json && !cli.globals.quiet) {
            cli.out(`${file}: ok (${wf.name}: ${wf.jobs.length} job(s))`);
          }
        } catch (e) {
          if (!(e instanceof WorkflowInvalidError)) throw e;
          code = Exit.usage;
          results.push({ file, ok: false, problems: e.problems });
          if (!cli.globals.json) { for (const p of e.problems) cli.out(formatProblem(p)); }
        }
      }
      if (cli.globals.json) cli.out(JSON.stringify(cli.secrets.redactDeep(results), null, 2));
      return code;
    })
  );
}
