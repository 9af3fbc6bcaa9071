/**
 * `ferry get`, `ferry put` and `ferry mirror` without commander, for argument
 * lists that hold nothing but the command, its positionals and a few flags (a
 * `-q` before the command, `--ca FILE`, the boolean flags below, and for
 * mirror the login and count flags of a plain mirror): commander and the
 * command table cost a whole-process transfer ~10-20 ms of start-up
 * (docs/BENCHMARKS.md), and a mirror more (commander is the one CommonJS
 * package it loaded, and with it Node's module layer and node:fs: ~0.05 s of
 * CPU of a 0.3 s no-change re-run, with the other changes of session 13);
 * these lists have one meaning commander would give them too
 * (cli/quick_test.ts compares the two). Anything else (help, other flags, a
 * wrong count of arguments, `--`) goes through commander, so its messages and
 * help stay the only ones.
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

/** A `mirror FROM TO` parsed by hand: the options as commander gives them to the action. */
export interface QuickMirror {
  name: "mirror";
  /** FROM, TO. */
  positionals: [string, string];
  /** The options as commander gives them to the action. */
  opts: Record<string, unknown>;
  /** The program's options (a `-q` before the command), as `program.opts()` gives them. */
  globals: Record<string, unknown>;
}

type Name = QuickCommand["name"] | QuickMirror["name"];

/** The flags taken by hand, each as the option it sets. */
const FLAGS: Record<Name, Record<string, [string, boolean]>> = {
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
  mirror: {
    "-q": ["quiet", true],
    "--quiet": ["quiet", true],
    "--delete": ["delete", true],
    "--no-netrc": ["netrc", false],
  },
};

/** The program's flags taken before the command name. */
const GLOBAL_FLAGS: Record<string, [string, boolean]> = {
  "-q": ["quiet", true],
  "--quiet": ["quiet", true],
};

/**
 * The valued flags taken by hand (`--ca FILE` or `--ca=FILE`), each as the
 * option it sets and what its value is: `text` as given (the CA file changes
 * which certificates are trusted, the user and the password's variable who
 * logs in: nothing commander would parse differently), `count` a positive
 * integer written plainly (`8`: commander's positiveInt gives the same number;
 * `08`, `+8`, `8.0` or `1e1` are left to it). A value that looks like a flag
 * (or is empty) is left to commander.
 */
const VALUED: Record<Name, Record<string, [string, "text" | "count"]>> = {
  get: { "--ca": ["ca", "text"] },
  put: { "--ca": ["ca", "text"] },
  mirror: {
    "--ca": ["ca", "text"],
    "-u": ["user", "text"],
    "--user": ["user", "text"],
    "--password-env": ["passwordEnv", "text"],
    "-P": ["parallel", "count"],
    "--parallel": ["parallel", "count"],
    "--connections": ["connections", "count"],
  },
};

/**
 * What commander sets before parsing: the defaults of the `--no-X` options
 * (not netrc's: `--netrc [file]` comes first, which leaves it unset).
 */
const DEFAULTS: Record<Name, Record<string, unknown>> = {
  get: { mlsd: true },
  put: { mlsd: true, atomic: true },
  mirror: { mlsd: true },
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
  const parsed = parseQuick(args);
  if (!parsed || parsed.name === "mirror") return undefined;
  const count = parsed.positionals.length;
  if (parsed.name === "get" ? count < 1 || count > 2 : count !== 2) return undefined;
  return parsed as QuickCommand;
}

/**
 * The `mirror FROM TO` an argument list asks for when it needs no commander
 * (see the module notes), else undefined.
 *
 * @example
 * ```ts
 * quickMirror(["mirror", "-q", "--parallel", "8", "-u", "bob", "ftp://h/pub", "./pub"]);
 * // { name: "mirror", positionals: ["ftp://h/pub", "./pub"],
 * //   opts: { mlsd: true, quiet: true, parallel: 8, user: "bob" }, globals: {} }
 * quickMirror(["mirror", "--exclude", "*.tmp", "ftp://h/pub", "./pub"]); // undefined
 * ```
 */
export function quickMirror(args: readonly string[]): QuickMirror | undefined {
  const parsed = parseQuick(args);
  if (!parsed || parsed.name !== "mirror" || parsed.positionals.length !== 2) return undefined;
  return parsed as QuickMirror;
}

/** The command, its positionals and its options, when every argument is one taken by hand. */
function parseQuick(args: readonly string[]):
  | {
    name: Name;
    positionals: string[];
    opts: Record<string, unknown>;
    globals: Record<string, unknown>;
  }
  | undefined {
  const globals: Record<string, unknown> = {};
  let at = 0;
  for (; at < args.length && Object.hasOwn(GLOBAL_FLAGS, args[at]); at++) {
    const [key, value] = GLOBAL_FLAGS[args[at]];
    globals[key] = value;
  }
  const name = args[at];
  if (name !== "get" && name !== "put" && name !== "mirror") return undefined;
  const opts: Record<string, unknown> = { ...DEFAULTS[name] };
  const positionals: string[] = [];
  for (let i = at + 1; i < args.length; i++) {
    const arg = args[i];
    const eq = arg.startsWith("--") ? arg.indexOf("=") : -1;
    const flag = eq > 0 ? arg.slice(0, eq) : arg;
    if (!arg.startsWith("-")) positionals.push(arg);
    else if (Object.hasOwn(VALUED[name], flag)) {
      const value = eq > 0 ? arg.slice(eq + 1) : args[++i];
      if (value === undefined || value === "" || value.startsWith("-")) return undefined;
      const [key, kind] = VALUED[name][flag];
      if (kind === "count" && !/^[1-9][0-9]{0,8}$/.test(value)) return undefined;
      opts[key] = kind === "count" ? Number(value) : value;
    } else if (Object.hasOwn(FLAGS[name], arg)) {
      const [key, value] = FLAGS[name][arg];
      opts[key] = value;
    } else return undefined;
  }
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

/**
 * Runs a hand-parsed `mirror` as commander's action would (the same
 * `runAction` wrapper and command body); returns the exit code. Its FTP side's
 * head start, if any, is taken by the FTP endpoint, as through commander.
 *
 * @example
 * ```ts
 * const mirror = quickMirror(args);
 * if (mirror) return await runQuickMirror(mirror);
 * ```
 */
export async function runQuickMirror(command: QuickMirror): Promise<number> {
  const [{ CliContext }, { runAction }, { runMirror }] = await Promise.all([
    late<typeof import("./context.ts")>(import.meta.url, "./context.ts"),
    late<typeof import("./action.ts")>(import.meta.url, "./action.ts"),
    late<typeof import("./commands/mirror_run.ts")>(import.meta.url, "./commands/mirror_run.ts"),
  ]);
  const cli = CliContext.lazy();
  const { positionals: [from, to], opts, globals } = command;
  await runAction(cli, globals, opts, () => runMirror(cli, from, to, opts));
  return cli.finalExitCode;
}
