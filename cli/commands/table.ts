/**
 * ferry's own commands by name, usage and description, in help order; a
 * command's module is imported only when that command runs (or shows its
 * help), so `ferry --version` and `ferry ls` do not load the sync engine or the
 * workflow loader. A test checks every row against its module.
 * @module
 */
import type { Command } from "../../deps/commander.ts";
import type { CliContext } from "../context.ts";
import { late } from "../late.ts";

/** Registers one group of commands. */
export type Registrar = (program: Command, cli: CliContext) => void;

/** One row of the command table. */
export interface CommandEntry {
  name: string;
  /** What `ferry --help` shows after the name, e.g. `"[options] <from> <to>"`. */
  usage: string;
  description: string;
  /** Commands registered together by one registrar share a group (get and put). */
  group?: string;
  /** Imports the module and returns its registrar (which adds its whole group). */
  load: () => Promise<Registrar>;
}

/**
 * ferry's own commands, in help order.
 *
 * @example
 * ```ts
 * COMMAND_TABLE.find((c) => c.name === "ls")?.description;
 * ```
 */
export const COMMAND_TABLE: readonly CommandEntry[] = [
  {
    name: "run",
    usage: "[options] <file>",
    description: "run a workflow file once",
    load: async () =>
      (await late<typeof import("./run.ts")>(import.meta.url, "./run.ts")).registerRun,
  },
  {
    name: "validate",
    usage: "[options] <files...>",
    description: "check workflow files; print every problem as file:line:col (exit 2); run nothing",
    load: async () =>
      (await late<typeof import("./validate.ts")>(import.meta.url, "./validate.ts"))
        .registerValidate,
  },
  {
    name: "schema",
    usage: "[options]",
    description: "print the JSON Schema of workflow files (for editors)",
    load: async () =>
      (await late<typeof import("./schema.ts")>(import.meta.url, "./schema.ts")).registerSchema,
  },
  {
    name: "schedule",
    usage: "[options] [files...]",
    description: "run workflows on their schedule: (cron) in the foreground until Ctrl-C",
    load: async () =>
      (await late<typeof import("./schedule.ts")>(import.meta.url, "./schedule.ts"))
        .registerSchedule,
  },
  {
    name: "worker",
    usage: "[options]",
    description: "take transfer tasks from a queue (ferry run --queue) until SIGTERM",
    load: async () =>
      (await late<typeof import("./worker.ts")>(import.meta.url, "./worker.ts")).registerWorker,
  },
  {
    name: "mirror",
    usage: "[options] <from> <to>",
    description: "make TO look like FROM (new and changed files; --delete for extras)",
    load: async () =>
      (await late<typeof import("./mirror.ts")>(import.meta.url, "./mirror.ts")).registerMirror,
  },
  {
    name: "sync",
    usage: "[options] <a> <b>",
    description: "two-way sync of A and B: changes and deletions on either side carried over",
    load: async () =>
      (await late<typeof import("./sync.ts")>(import.meta.url, "./sync.ts")).registerSync,
  },
  {
    name: "walk",
    usage: "[options] <url>",
    description: "list a tree: type, size, mtime and its precision",
    load: async () =>
      (await late<typeof import("./walk.ts")>(import.meta.url, "./walk.ts")).registerWalk,
  },
  {
    name: "rmtree",
    usage: "[options] <url>",
    description: "remove a directory tree (or a file)",
    load: async () =>
      (await late<typeof import("./rmtree.ts")>(import.meta.url, "./rmtree.ts")).registerRmtree,
  },
  {
    name: "upload-if-newer",
    group: "if_newer",
    usage: "[options] <local> <url>",
    description: "upload a file or tree where the local copy is newer (ftputil's rule)",
    load: async () =>
      (await late<typeof import("./if_newer.ts")>(import.meta.url, "./if_newer.ts"))
        .registerIfNewer,
  },
  {
    name: "download-if-newer",
    group: "if_newer",
    usage: "[options] <url> <local>",
    description: "download a file or tree where the server's copy is newer (ftputil's rule)",
    load: async () =>
      (await late<typeof import("./if_newer.ts")>(import.meta.url, "./if_newer.ts"))
        .registerIfNewer,
  },
  {
    name: "ls",
    usage: "[options] <url>",
    description: "list a directory of any endpoint (FTP: MLSD when offered, else LIST)",
    load: async () => (await late<typeof import("./ls.ts")>(import.meta.url, "./ls.ts")).registerLs,
  },
  {
    name: "get",
    group: "get_put",
    usage: "[options] <url> [local]",
    description: "download one file",
    load: async () =>
      (await late<typeof import("./get_put.ts")>(import.meta.url, "./get_put.ts")).registerGetPut,
  },
  {
    name: "put",
    group: "get_put",
    usage: "[options] <local> <url>",
    description: "upload one file (to a temporary name, renamed when complete)",
    load: async () =>
      (await late<typeof import("./get_put.ts")>(import.meta.url, "./get_put.ts")).registerGetPut,
  },
  {
    name: "time-shift",
    usage: "[options] <url>",
    description: "measure an FTP server's time shift with a probe file in the URL's directory",
    load: async () =>
      (await late<typeof import("./time_shift.ts")>(import.meta.url, "./time_shift.ts"))
        .registerTimeShift,
  },
  {
    name: "demo",
    usage: "[options]",
    description: "run the demo: ferry's FTP server on loopback, a sample tree, workflows/demo.yaml",
    load: async () =>
      (await late<typeof import("./demo.ts")>(import.meta.url, "./demo.ts")).registerDemo,
  },
];

/** Global options that take a value (so their value is not taken for the command name). */
const VALUED = new Set(["--log-format", "--log-file", "--plugin"]);

/**
 * The command an argument list names: the first argument that is neither an
 * option nor a global option's value; `help X` names X.
 *
 * @example
 * ```ts
 * commandName(["-v", "--log-file", "x.log", "mirror", "a", "b"]); // "mirror"
 * commandName(["help", "ls"]); // "ls"
 * commandName(["--version"]); // undefined
 * ```
 */
export function commandName(args: readonly string[]): string | undefined {
  for (let i = 0; i < args.length; i++) {
    const a = args[i];
    if (a === "--") return args[i + 1];
    if (VALUED.has(a)) {
      i++;
      continue;
    }
    if (a.startsWith("-")) continue;
    return a === "help" && args[i + 1] !== undefined ? args[i + 1] : a;
  }
  return undefined;
}
