/**
 * `ferry get` and `put` as commander commands: their options and help. What
 * they do is in get_put_run.ts (argument lists without surprises skip
 * commander: cli/quick.ts).
 * @module
 */
import type { Command } from "../../deps/commander.ts";
import { runAction } from "../action.ts";
import type { CliContext } from "../context.ts";
import {
  positiveInt,
  withAuthOptions,
  withConnectionOptions,
  withGlobalOptions,
} from "../options.ts";
import { LONG_LINK_MS } from "./get_ftp.ts";
import { runGet, runPut } from "./get_put_run.ts";

/**
 * Adds `get` and `put` to the program.
 *
 * @example
 * ```ts
 * registerGetPut(program, cli);
 * ```
 */
export function registerGetPut(program: Command, cli: CliContext): void {
  const get = program.command("get")
    .description("download one file")
    .argument("<url>", "URL of the file (ftp, ftpes, ftps, uftp, file, memory, a plugin's)")
    .argument(
      "[local]",
      "local file or directory (default: the file's name here); - writes to standard output",
    )
    .option(
      "-c, --continue",
      "resume a partial download (REST, or the scheme's offset read); a local copy of the " +
        "server's size and time is left alone, a larger one is an error",
    )
    .option(
      "--segments <n>",
      "connections for a large file, in REST ranges like lftp's pget -n (default 8 when the " +
        `server is ${LONG_LINK_MS} ms or more away, files from 64 MiB; 1: off)`,
      positiveInt,
    );
  withGlobalOptions(withConnectionOptions(withAuthOptions(get))).action((url, local, opts) =>
    runAction(cli, program.opts(), opts, () => runGet(cli, url, local, opts))
  );

  const put = program.command("put")
    .description("upload one file (to a temporary name, renamed when complete)")
    .argument("<local>", "local file; - reads standard input (the URL then names the file)")
    .argument("<url>", "target URL (ending in / to keep the local name)")
    .option("--no-atomic", "write the target name directly");
  withGlobalOptions(withConnectionOptions(withAuthOptions(put))).action((local, url, opts) =>
    runAction(cli, program.opts(), opts, () => runPut(cli, local, url, opts))
  );
}
