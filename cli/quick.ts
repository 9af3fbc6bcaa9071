/**
 * `ferry get` and `ferry put` without commander, for argument lists that hold
 * nothing but the command, its positionals and a few flags: commander and
 * the command table cost a whole-process transfer ~10-20 ms of start-up
 * (docs/BENCHMARKS.md), and these lists have one meaning commander would
 * give them too (test/cli/quick_test.ts compares the two). Anything else
 * (help, other flags, a wrong count of arguments, `--`) goes through
 * commander, so its messages and help stay the only ones.
 * @module
 */
import type { HeadStart } from "./head_types.ts";
import { late } from "./late.ts";

/** A `get` or `put` parsed by hand. */
export interface QuickCommand {
  name: "get" | "put";
  /** get: URL [LOCAL]; put: LOCAL URL. */
  positionals: string[];
  /** The options as commander gives them to the action. */
  opts: Record<string, unknown>;
}

/** The flags taken by hand, each as the option it sets. */
const FLAGS: Record<QuickCommand["name"], Record<string, [string, boolean]>> = {
  get: {
    "-q": ["quiet", true],
    "--quiet": ["quiet", true],
    "-c": ["continue", true],
    "--continue": ["continue", true],
    "--no-netrc": ["netrc", false],
  },
  put: {
    "-q": ["quiet", true],
    "--quiet": ["quiet", true],
    "--no-atomic": ["atomic", false],
    "--no-netrc": ["netrc", false],
  },
};

/**
 * What commander sets before parsing: the defaults of the `--no-X` options
 * (not netrc's: `--netrc [file]` comes first, which leaves it unset).
 */
const DEFAULTS: Record<QuickCommand["name"], Record<string, unknown>> = {
  get: { mlsd: true },
  put: { mlsd: true, atomic: true },
};

/**
 * The `get`/`put` an argument list asks for when it needs no commander, else
 * undefined.
 *
 * @example
 * ```ts
 * quickCommand(["put", "-q", "a.bin", "ftp://h/in/"]);
 * // { name: "put", positionals: ["a.bin", "ftp://h/in/"],
 * //   opts: { mlsd: true, atomic: true, quiet: true } }
 * quickCommand(["put", "--help"]); // undefined
 * ```
 */
export function quickCommand(args: readonly string[]): QuickCommand | undefined {
  const [name, ...rest] = args;
  if (name !== "get" && name !== "put") return undefined;
  const opts: Record<string, unknown> = { ...DEFAULTS[name] };
  const positionals: string[] = [];
  for (const arg of rest) {
    if (!arg.startsWith("-")) positionals.push(arg);
    else if (Object.hasOwn(FLAGS[name], arg)) {
      const [key, value] = FLAGS[name][arg];
      opts[key] = value;
    } else return undefined;
  }
  const count = positionals.length;
  if (name === "get" ? count < 1 || count > 2 : count !== 2) return undefined;
  return { name, positionals, opts };
}

/**
 * Runs a hand-parsed `get`/`put` as commander's action would (the same
 * `runAction` wrapper and command body); returns the exit code.
 *
 * @example
 * ```ts
 * const quick = quickCommand(args);
 * if (quick) return await runQuick(quick);
 * ```
 */
export async function runQuick(command: QuickCommand, headStart?: HeadStart): Promise<number> {
  const [{ CliContext }, { runAction }, { runGet, runPut }] = await Promise.all([
    late<typeof import("./context.ts")>(import.meta.url, "./context.ts"),
    late<typeof import("./action.ts")>(import.meta.url, "./action.ts"),
    late<typeof import("./commands/get_put_run.ts")>(import.meta.url, "./commands/get_put_run.ts"),
  ]);
  const cli = CliContext.lazy();
  cli.headStart = headStart;
  const { name, positionals: [first, second], opts } = command;
  await runAction(
    cli,
    {},
    opts,
    () => name === "get" ? runGet(cli, first, second, opts) : runPut(cli, first, second, opts),
  );
  return cli.finalExitCode;
}
