#!/usr/bin/env -S deno run -A
/**
 * The `ferry` command line. Exit codes: 0 ok, 1 failed, 2 usage or invalid
 * input, 130 interrupted by Ctrl-C (SIGINT), 143 by SIGTERM.
 *
 * @example
 * ```sh
 * deno run -A cli/main.ts run workflows/demo.yaml --dry-run
 * ```
 * @module
 */
import { VERSION } from "./version.ts";
import { late } from "./late.ts";
import {
  ftpSideHeadPlan,
  headStartUrl,
  startFtpSideHead,
  startHead,
  startUftpHeadStart,
  uftpHeadPlan,
} from "./head_start.ts";
import {
  quickCommand,
  quickMirror,
  quickSync,
  runQuick,
  runQuickMirror,
  scanArgs,
} from "./quick.ts";

/**
 * `--plugin X` values found anywhere in the arguments (their commands must be
 * known before the arguments are parsed).
 *
 * @example
 * ```ts
 * pluginArgs(["--plugin", "./p.ts", "x", "--plugin=./q.ts"]); // ["./p.ts", "./q.ts"]
 * ```
 */
export function pluginArgs(args: string[]): string[] {
  const out: string[] = [];
  for (let i = 0; i < args.length; i++) {
    if (args[i] === "--") break;
    if (args[i] === "--plugin" && i + 1 < args.length) out.push(args[++i]);
    else if (args[i].startsWith("--plugin=")) out.push(args[i].slice("--plugin=".length));
  }
  return out;
}

/**
 * Command spellings that stand for another command: `serve --uftp ...` is the
 * UFTP plugin's `uftp-serve ...` (a UFTPD plus its auth service), so users of
 * `ferry serve` find UFTP where they look for it.
 *
 * @example
 * ```ts
 * expandAliases(["serve", "--uftp", "./data"]); // ["uftp-serve", "./data"]
 * ```
 */
export function expandAliases(args: string[]): string[] {
  const dash = args.indexOf("--");
  const own = dash < 0 ? args : args.slice(0, dash);
  const at = own.indexOf("serve");
  if (at >= 0 && own.includes("--uftp")) {
    return [
      ...args.slice(0, at),
      "uftp-serve",
      ...args.slice(at + 1).filter((a, i) => !(a === "--uftp" && (dash < 0 || at + 1 + i < dash))),
    ];
  }
  return args;
}

/**
 * Runs the CLI with arguments (without the program name); returns the exit code.
 *
 * @example
 * ```ts
 * Deno.exit(await main(["validate", "flows/nightly.yaml"]));
 * ```
 */
export async function main(args: string[]): Promise<number> {
  // The one answer that needs nothing loaded.
  if (args.length === 1 && (args[0] === "--version" || args[0] === "-V")) {
    await Deno.stdout.write(new TextEncoder().encode(VERSION + "\n"));
    return 0;
  }
  // Plain help requests are answered from data, without commander (help/pages.ts).
  if (args.length <= 2 && args.some((a) => a === "--help" || a === "-h" || a === "help")) {
    const [pages, { helpRequest, pagesFresh, renderHelp, stdoutHelpWidth }] = await Promise.all([
      late<typeof import("./help/pages.ts")>(import.meta.url, "./help/pages.ts"),
      late<typeof import("./help/render.ts")>(import.meta.url, "./help/render.ts"),
    ]);
    const page = helpRequest(args, Object.keys(pages.HELP_PAGES).filter((name) => name !== ""));
    // Pages older than the commands (deno task help-pages not run): commander answers.
    const pagesUrl = new URL("./help/pages.ts", import.meta.url).href;
    if (
      page !== undefined && await pagesFresh(pages.HELP_SOURCES, pages.HELP_SOURCES_HASH, pagesUrl)
    ) {
      const text = renderHelp(pages.HELP_PAGES[page], stdoutHelpWidth());
      await Deno.stdout.write(new TextEncoder().encode(text));
      return 0;
    }
  }
  // The arguments are scanned once for what follows (cli/quick.ts scanArgs).
  const scan = scanArgs(args);
  // A plain get/put skips commander (cli/quick.ts); of a plain ftp:// URL, it
  // logs in first, and the server checks the password while the rest loads.
  const quick = quickCommand(scan);
  const headUrl = headStartUrl(scan);
  // Of a uftp:// URL (quick or through commander): the auth request and the
  // UFTPD login, taken by the UFTP endpoint (plugins/uftp/head.ts).
  const uftpPlan = headUrl === undefined ? uftpHeadPlan(scan) : undefined;
  // Of `sync` or `mirror` with a plain ftp:// side: its first session connects
  // and logs in while commander and the rest load (endpoint/ftp/session.ts takes it).
  const sidePlan = headUrl === undefined && !uftpPlan ? ftpSideHeadPlan(scan) : undefined;
  const headStart = headUrl !== undefined
    ? startHead(headUrl)
    : sidePlan
    ? startFtpSideHead(sidePlan)
    : uftpPlan && await startUftpHeadStart(uftpPlan);
  await headStart?.started;
  try {
    if (quick) return await runQuick(quick, headStart);
    // A plain mirror or sync skips commander too (cli/quick.ts).
    const tree = quickMirror(scan) ?? quickSync(scan);
    return tree ? await runQuickMirror(tree) : await runCommander(args);
  } finally {
    await headStart?.dispose();
  }
}

/** Any command, through commander (see {@link main}). */
async function runCommander(args: string[]): Promise<number> {
  const [{ CommanderError }, { CliContext }, { Exit }, { writeStderr }, { buildProgram }, table] =
    await Promise.all([
      late<typeof import("../deps/commander.ts")>(import.meta.url, "../deps/commander.ts"),
      late<typeof import("./context.ts")>(import.meta.url, "./context.ts"),
      late<typeof import("./exit.ts")>(import.meta.url, "./exit.ts"),
      late<typeof import("./logging.ts")>(import.meta.url, "./logging.ts"),
      late<typeof import("./program.ts")>(import.meta.url, "./program.ts"),
      late<typeof import("./commands/table.ts")>(import.meta.url, "./commands/table.ts"),
    ]);
  const cli = CliContext.lazy();
  try {
    for (const spec of pluginArgs(args)) await cli.loadPlugin(spec);
  } catch (e) {
    writeStderr(`ferry: ${e instanceof Error ? e.message : e}\n`);
    return Exit.usage;
  }
  const expanded = expandAliases(args);
  const program = await buildProgram(cli, table.commandName(expanded));
  try {
    await program.parseAsync(expanded, { from: "user" });
  } catch (e) {
    if (e instanceof CommanderError) {
      // Commander printed the message (or the help/version) already.
      return e.exitCode === 0 ? Exit.ok : Exit.usage;
    }
    cli.fail(e);
  }
  return cli.finalExitCode;
}

if (import.meta.main) Deno.exit(await main(Deno.args));
