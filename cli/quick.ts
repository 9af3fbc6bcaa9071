/**
 * `ferry get` and `ferry put` without commander, for argument lists that hold
 * nothing but the command, its positionals and a few flags (a `-q` before
 * the command, `--ca FILE`, and the boolean flags below): commander and
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
  /** The program's options (a `-q` before the command), as `program.opts()` gives them. */
  globals: Record<string, unknown>;
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

/** The program's flags taken before the command name. */
const GLOBAL_FLAGS: Record<string, [string, boolean]> = {
  "-q": ["quiet", true],
  "--quiet": ["quiet", true],
};

/**
 * The valued flags taken by hand (`--ca FILE` or `--ca=FILE`): the CA file
 * changes which certificates are trusted, nothing commander would parse
 * differently. A value that looks like a flag is left to commander.
 */
const VALUED: Record<string, string> = { "--ca": "ca" };

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
 * //   opts: { mlsd: true, atomic: true, quiet: true }, globals: {} }
 * quickCommand(["-q", "get", "--ca", "ca.pem", "uftp://h:9000/rest/auth/T:/d/a"]);
 * // { name: "get", positionals: ["uftp://h:9000/rest/auth/T:/d/a"],
 * //   opts: { mlsd: true, ca: "ca.pem" }, globals: { quiet: true } }
 * quickCommand(["put", "--help"]); // undefined
 * ```
 */
export function quickCommand(args: readonly string[]): QuickCommand | undefined {
  const globals: Record<string, unknown> = {};
  let at = 0;
  for (; at < args.length && Object.hasOwn(GLOBAL_FLAGS, args[at]); at++) {
    const [key, value] = GLOBAL_FLAGS[args[at]];
    globals[key] = value;
  }
  const name = args[at];
  if (name !== "get" && name !== "put") return undefined;
  const opts: Record<string, unknown> = { ...DEFAULTS[name] };
  const positionals: string[] = [];
  for (let i = at + 1; i < args.length; i++) {
    const arg = args[i];
    const eq = arg.startsWith("--") ? arg.indexOf("=") : -1;
    const flag = eq > 0 ? arg.slice(0, eq) : arg;
    if (!arg.startsWith("-")) positionals.push(arg);
    else if (Object.hasOwn(VALUED, flag)) {
      const value = eq > 0 ? arg.slice(eq + 1) : args[++i];
      if (value === undefined || value === "" || value.startsWith("-")) return undefined;
      opts[VALUED[flag]] = value;
    } else if (Object.hasOwn(FLAGS[name], arg)) {
      const [key, value] = FLAGS[name][arg];
      opts[key] = value;
    } else return undefined;
  }
  const count = positionals.length;
  if (name === "get" ? count < 1 || count > 2 : count !== 2) return undefined;
  return { name, positionals, opts, globals };
}

/**
 * The modules {@link runQuick} runs a command with (a UFTP head start loads
 * them early: cli/head_start.ts).
 *
 * @example
 * ```ts
 * const [{ CliContext }, { runAction }, { runGet }] = await loadQuickModules();
 * ```
 */
export function loadQuickModules(): Promise<
  [
    typeof import("./context.ts"),
    typeof import("./action.ts"),
    typeof import("./commands/get_put_run.ts"),
  ]
> {
  return Promise.all([
    late<typeof import("./context.ts")>(import.meta.url, "./context.ts"),
    late<typeof import("./action.ts")>(import.meta.url, "./action.ts"),
    late<typeof import("./commands/get_put_run.ts")>(import.meta.url, "./commands/get_put_run.ts"),
  ]);
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
  const [{ CliContext }, { runAction }, { runGet, runPut }] = await loadQuickModules();
  const cli = CliContext.lazy();
  cli.headStart = headStart;
  const { name, positionals: [first, second], opts, globals } = command;
  await runAction(
    cli,
    globals,
    opts,
    () => name === "get" ? runGet(cli, first, second, opts) : runPut(cli, first, second, opts),
  );
  return cli.finalExitCode;
}
