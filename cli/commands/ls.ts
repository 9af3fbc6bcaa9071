/**
 * `ferry ls URL`: a directory listing of any endpoint the registry knows; on
 * FTP over the wire client (MLSD when offered and not refused,
 * else LIST; times in UTC with `--time-shift` applied to LIST times), or the
 * server's own LIST lines with `--raw`.
 * @module
 */
import type { Command } from "../../deps/commander.ts";
import type { Stat } from "../../endpoint/types.ts";
import { runAction } from "../action.ts";
import type { CliContext } from "../context.ts";
import { connectFtp } from "../lazy.ts";
import { isFtpUrl, openCliEndpoint } from "../endpoint.ts";
import { UsageError } from "../../workflow/errors.ts";
import { redactUrl } from "../../util/redact.ts";
import { table } from "../format.ts";
import { withAuthOptions, withConnectionOptions, withGlobalOptions } from "../options.ts";

/**
 * Lines of a listing: type, size, mtime (UTC), name.
 *
 * @example
 * ```ts
 * lsLines([{ name: "a", type: "file", size: 3, precision: 1000 }]); // ["-  3  -  a"]
 * ```
 */
export function lsLines(entries: Stat[]): string[] {
  const rows = entries
    .map((e) => [
      e.type === "dir" ? "d" : e.type === "symlink" ? "l" : e.type === "file" ? "-" : "?",
      e.size === undefined ? "" : String(e.size),
      e.mtime ? e.mtime.toISOString().replace("T", " ").replace(/\.\d+Z$/, "Z") : "-",
      e.name + (e.target ? ` -> ${e.target}` : ""),
    ]);
  return table(rows).map((l) => l.trimEnd());
}

/**
 * Adds `ls` to the program.
 *
 * @example
 * ```ts
 * registerLs(program, cli);
 * ```
 */
export function registerLs(program: Command, cli: CliContext): void {
  const cmd = program.command("ls")
    .description("list a directory of any endpoint (FTP: MLSD when offered, else LIST)")
    .argument("<url>", "URL (ftp, ftpes, ftps, uftp, file, memory, a plugin's) or local path")
    .option("-l, --long", "type, size and time (default: names only)")
    .option("--raw", "print the server's own LIST lines (FTP only)");
  withGlobalOptions(withConnectionOptions(withAuthOptions(cmd))).action((url, opts) =>
    runAction(cli, program.opts(), opts, async () => {
      const show = (shown: Stat[]) => {
        if (cli.globals.json) cli.out(JSON.stringify(shown, null, 2));
        else if (opts.long) { for (const line of lsLines(shown)) cli.out(line); }
        else for (const e of shown) cli.out(e.name);
      };
      if (!isFtpUrl(url)) {
        if (opts.raw) throw new UsageError(`--raw: ${redactUrl(url)} is not an FTP URL`);
        const ep = await openCliEndpoint(cli, url, opts);
        try {
          return show(await ep.list(""));
        } finally {
          await ep.close();
        }
      }
      const { client, host, path, naming } = await connectFtp(cli, url, opts, { urlIsDir: true });
      try {
        if (opts.raw) {
          for (const line of await client.listLines(path)) cli.out(line);
          return;
        }
        // Without `.` and `..` (MLSD cdir/pdir, LIST -a lines), as ftputil's listdir.
        show(await host.list(path || "."));
      } catch (error) {
        throw naming(error, path);
      } finally {
        await host.close();
      }
    })
  );
}
