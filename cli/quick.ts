/**
 * `ferry get`, `ferry put`, `ferry mirror` and `ferry sync` without commander,
 * for argument lists that hold nothing but the command, its positionals and a
 * few flags (a `-q` before the command, `--ca FILE`, the boolean flags below,
 * and for mirror and sync the login, count and filter flags and sync's own):
 * commander and the command table cost a whole-process transfer ~10-20 ms of
 * start-up (docs/BENCHMARKS.md), and a mirror more (commander is the one
 * CommonJS package it loaded, and with it Node's module layer and node:fs:
 * ~0.05 s of CPU of a 0.3 s no-change re-run, with the other changes of
 * session 13); these lists have one meaning commander would give them too
 * (cli/quick_test.ts compares the two). Anything else (help, other flags, a
 * wrong count of arguments, `--`) goes through commander, so its messages and
 * help stay the only ones. The same one scan of the arguments
 * ({@link scanArgs}) tells cli/head_start.ts whether a sync's or mirror's FTP
 * side may log in ahead: one table of the flags both know.
 * @module
 */
import type { HeadStart } from "./head_types.ts";
import { late } from "./late.ts";
import { CONFLICT_POLICIES } from "../sync/conflict_policies.ts";

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

/** A `sync A B` parsed by hand: the options as commander gives them to the action. */
export interface QuickSync {
  name: "sync";
  /** A, B. */
  positionals: [string, string];
  /** The options as commander gives them to the action. */
  opts: Record<string, unknown>;
  /** The program's options (a `-q` before the command), as `program.opts()` gives them. */
  globals: Record<string, unknown>;
}

type Name = QuickCommand["name"] | QuickMirror["name"] | QuickSync["name"];

/**
 * A flag the scan knows: the option it sets as commander's key and how, and
 * who may go ahead with it. `takes`: `true`/`false` a boolean flag's value;
 * `text` a value as given (the CA file changes which certificates are trusted,
 * the user and the password's variable who logs in: nothing commander would
 * parse differently); `count` a positive integer written plainly (`8`:
 * commander's positiveInt gives the same number; `08`, `+8`, `8.0` or `1e1`
 * are left to it); `list` a value added to the list so far (commander's
 * `collect`: `-x a -x b` gives `["a", "b"]`). A value that looks like a flag
 * (or is empty) is left to commander.
 */
interface Flag {
  /** The option commander sets (the quick path's flags). */
  key?: string;
  takes: boolean | "text" | "count" | "list";
  /** The values commander allows (any other is left to it, which refuses it). */
  choices?: readonly string[];
  /** cli/quick.ts runs the command without commander. */
  quick?: true;
  /**
   * It changes neither the connection nor the login (nor the logging before
   * the head start): a sync's or mirror's FTP side logs in ahead
   * (cli/head_start.ts `ftpSideHeadPlan`).
   */
  head?: true;
}

const quiet: Flag = { key: "quiet", takes: true, quick: true, head: true };
const noNetrc: Flag = { key: "netrc", takes: false, quick: true };
const ca: Flag = { key: "ca", takes: "text", quick: true };
const user: Flag = { key: "user", takes: "text", quick: true, head: true };
const passwordEnv: Flag = { key: "passwordEnv", takes: "text", quick: true, head: true };
const parallel: Flag = { key: "parallel", takes: "count", quick: true, head: true };
const connections: Flag = { key: "connections", takes: "count", quick: true, head: true };
const include: Flag = { key: "include", takes: "list", quick: true, head: true };
const exclude: Flag = { key: "exclude", takes: "list", quick: true, head: true };
/** A flag the head start passes over (`value`: with its value). */
const harmless = (value: boolean): Flag => ({ takes: value ? "text" : true, head: true });

/** The flags of `sync` and `mirror` the head start passes over. */
const TREE_FLAGS: Record<string, Flag> = {
  "-q": quiet,
  "--quiet": quiet,
  "-u": user,
  "--user": user,
  "--password-env": passwordEnv,
  "-P": parallel,
  "--parallel": parallel,
  "--connections": connections,
  "--debug": harmless(false),
  "-v": harmless(false),
  "--verbose": harmless(false),
  "--json": harmless(false),
  "-n": harmless(false),
  "--dry-run": harmless(false),
  "--log-file": harmless(true),
  "-i": include,
  "--include": include,
  "-x": exclude,
  "--exclude": exclude,
  "--min-size": harmless(true),
  "--max-size": harmless(true),
  "--retries": harmless(true),
  "--retry-delay": harmless(true),
  "--timeout": harmless(true),
};

/**
 * Per command, every flag the scan knows: the quick path's (get, put, mirror)
 * and the head start's (sync, mirror). Anything else leaves both to commander.
 */
const COMMANDS: Record<string, Record<string, Flag>> = {
  get: {
    "-q": quiet,
    "--quiet": quiet,
    "-c": { key: "continue", takes: true, quick: true },
    "--continue": { key: "continue", takes: true, quick: true },
    "--no-netrc": noNetrc,
    "--ca": ca,
  },
  put: {
    "-q": quiet,
    "--quiet": quiet,
    "--no-atomic": { key: "atomic", takes: false, quick: true },
    "--no-netrc": noNetrc,
    "--ca": ca,
  },
  mirror: {
    ...TREE_FLAGS,
    "--delete": { key: "delete", takes: true, quick: true, head: true },
    "--no-netrc": noNetrc,
    "--ca": ca,
    "--max-delete": harmless(true),
    "--compare": harmless(true),
    "--segments": harmless(true),
  },
  sync: {
    ...TREE_FLAGS,
    "--no-netrc": noNetrc,
    "--ca": ca,
    "--force": { key: "force", takes: true, quick: true, head: true },
    "--state-dir": { key: "stateDir", takes: "text", quick: true, head: true },
    "--conflict": {
      key: "conflict",
      takes: "text",
      choices: CONFLICT_POLICIES,
      quick: true,
      head: true,
    },
    "--conflict-suffix": { key: "conflictSuffix", takes: "text", quick: true },
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
  sync: { mlsd: true },
};

/** What one scan of the arguments found (see {@link scanArgs}). */
export interface ArgScan {
  /** The command runs without commander (cli/quick.ts). */
  quick?: QuickCommand | QuickMirror | QuickSync;
  /**
   * A `sync` or `mirror` with two positionals and only flags that change
   * neither the connection nor the login: its positionals and the user and
   * password variable given (cli/head_start.ts `ftpSideHeadPlan`).
   */
  side?: { positionals: string[]; user?: string; passwordEnv?: string };
}

/**
 * The one scan of the arguments before anything loads: what the quick path
 * (`get`, `put`, `mirror` without commander) and the head starts
 * (cli/head_start.ts) need of them.
 *
 * @example
 * ```ts
 * scanArgs(["mirror", "-q", "-P", "8", "-u", "bob", "ftp://h/pub", "./pub"]);
 * // { quick: { name: "mirror", positionals: ["ftp://h/pub", "./pub"],
 * //            opts: { mlsd: true, quiet: true, parallel: 8, user: "bob" }, globals: {} },
 * //   side: { positionals: ["ftp://h/pub", "./pub"], user: "bob", passwordEnv: undefined } }
 * scanArgs(["mirror", "--dry-run", "ftp://h/pub", "./pub"]).quick; // undefined
 * ```
 */
export function scanArgs(args: readonly string[]): ArgScan {
  const globals: Record<string, unknown> = {};
  let at = 0;
  for (; args[at] === "-q" || args[at] === "--quiet"; at++) globals.quiet = true;
  const name = args[at];
  const flags = Object.hasOwn(COMMANDS, name) ? COMMANDS[name] : undefined;
  if (!flags) return {};
  let quick = true;
  // The head start's list as it has always been: the command first, `--flag value` only.
  let head = (name === "sync" || name === "mirror") && at === 0;
  const opts: Record<string, unknown> = { ...DEFAULTS[name as Name] };
  const positionals: string[] = [];
  for (let i = at + 1; i < args.length && (quick || head); i++) {
    const arg = args[i];
    if (!arg.startsWith("-")) {
      positionals.push(arg);
      continue;
    }
    const eq = arg.startsWith("--") ? arg.indexOf("=") : -1;
    const key = eq > 0 ? arg.slice(0, eq) : arg;
    const flag = Object.hasOwn(flags, key) ? flags[key] : undefined;
    if (!flag || (eq > 0 && typeof flag.takes === "boolean")) return {};
    quick &&= flag.quick === true;
    head &&= flag.head === true && eq < 0;
    if (typeof flag.takes === "boolean") {
      if (flag.key) opts[flag.key] = flag.takes;
      continue;
    }
    const value = eq > 0 ? arg.slice(eq + 1) : args[++i];
    if (value === undefined || value === "" || value.startsWith("-")) return {};
    if (flag.takes === "count" && !/^[1-9][0-9]{0,8}$/.test(value)) quick = false;
    else if (flag.choices && !flag.choices.includes(value)) quick = false;
    else if (flag.takes === "list") {
      opts[flag.key!] = [...(opts[flag.key!] as string[] | undefined ?? []), value];
    } else if (flag.key) opts[flag.key] = flag.takes === "count" ? Number(value) : value;
  }
  const count = positionals.length;
  const fits = name === "get" ? count >= 1 && count <= 2 : count === 2;
  return {
    quick: quick && fits
      ? { name: name as Name, positionals, opts, globals } as QuickCommand | QuickMirror | QuickSync
      : undefined,
    side: head && count === 2
      ? {
        positionals,
        user: opts.user as string | undefined,
        passwordEnv: opts.passwordEnv as string | undefined,
      }
      : undefined,
  };
}

/** The scan of `args` (or `args` itself, scanned already). */
export function scanOf(args: readonly string[] | ArgScan): ArgScan {
  return Array.isArray(args) ? scanArgs(args) : args as ArgScan;
}

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
export function quickCommand(args: readonly string[] | ArgScan): QuickCommand | undefined {
  const { quick } = scanOf(args);
  return quick?.name === "get" || quick?.name === "put" ? quick : undefined;
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
 * quickMirror(["mirror", "--dry-run", "ftp://h/pub", "./pub"]); // undefined
 * ```
 */
export function quickMirror(args: readonly string[] | ArgScan): QuickMirror | undefined {
  const { quick } = scanOf(args);
  return quick?.name === "mirror" ? quick : undefined;
}

/**
 * The `sync A B` an argument list asks for when it needs no commander (the
 * flags of a plain sync: login, counts, filters, `--force`, `--state-dir`,
 * `--conflict`, `--conflict-suffix`), else undefined.
 *
 * @example
 * ```ts
 * quickSync(["sync", "--force", "-u", "bob", "./a", "ftp://h/b"]);
 * // { name: "sync", positionals: ["./a", "ftp://h/b"],
 * //   opts: { mlsd: true, force: true, user: "bob" }, globals: {} }
 * ```
 */
export function quickSync(args: readonly string[] | ArgScan): QuickSync | undefined {
  const { quick } = scanOf(args);
  return quick?.name === "sync" ? quick : undefined;
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
 * Runs a hand-parsed `mirror` or `sync` as commander's action would (the
 * same `runAction` wrapper and command body); returns the exit code. Its FTP
 * side's head start, if any, is taken by the FTP endpoint, as through commander.
 *
 * @example
 * ```ts
 * const mirror = quickMirror(args);
 * if (mirror) return await runQuickMirror(mirror);
 * ```
 */
export async function runQuickMirror(command: QuickMirror | QuickSync): Promise<number> {
  const [{ CliContext }, { runAction }, run] = await Promise.all([
    late<typeof import("./context.ts")>(import.meta.url, "./context.ts"),
    late<typeof import("./action.ts")>(import.meta.url, "./action.ts"),
    command.name === "mirror"
      ? late<typeof import("./commands/mirror_run.ts")>(import.meta.url, "./commands/mirror_run.ts")
        .then((m) => m.runMirror)
      : late<typeof import("./commands/sync_run.ts")>(import.meta.url, "./commands/sync_run.ts")
        .then((m) => m.runSync),
  ]);
  const cli = CliContext.lazy();
  const { positionals: [first, second], opts, globals } = command;
  await runAction(cli, globals, opts, () => run(cli, first, second, opts));
  return cli.finalExitCode;
}
