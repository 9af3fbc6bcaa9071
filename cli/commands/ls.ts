/**
 * `ferry ls URL`: a directory listing straight from the wire client.
 * @module
 */
import type { Command } from "../../deps.ts";
import type { ListEntry } from "../../ftp/listing/types.ts";
import { runAction } from "../action.ts";
import type { CliContext } from "../context.ts";
import { connectFtp } from "../ftp.ts";
import { table } from "../format.ts";
import { withAuthOptions, withConnectionOptions, withGlobalOptions } from "../options.ts";

/**
 * Lines of a listing: type, size, mtime (UTC), name.
 *
 * @example
 * ```ts
 * lsLines([{ name: "a", type: "file", size: 3, precision: 1000, raw: "" }]); // ["-  3  -  a"]
 * ```
 */
export function lsLines(entries: ListEntry[]): string[] {
  const rows = entries
    .filter((e) => e.type !== "cdir" && e.type !== "pdir")
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
    .description("list an FTP directory (MLSD when offered, else LIST)")
    .argument("<url>", "ftp://, ftpes:// or ftps:// URL")
    .option("-l, --long", "type, size and time (default: names only)")
    .option("--raw", "print the server's own LIST lines");
  withGlobalOptions(withConnectionOptions(withAuthOptions(cmd))).action((url, opts) =>
    runAction(cli, program.opts(), opts, async () => {
      const { client, path } = await connectFtp(cli, url, opts);
      try {
        if (opts.raw) {
          for (const line of await client.listLines(path)) cli.out(line);
          return;
        }
        const features = await client.features().catch(() => new Map<string, string>());
        const entries = features.has("MLST") ? await client.mlsd(path) : await client.list(path);
        // `.` and `..` (MLSD cdir/pdir, or LIST -a lines) are not content, as in ftputil's listdir.
        const shown = entries.filter((e) =>
          e.type !== "cdir" && e.type !== "pdir" && e.name !== "." && e.name !== ".."
        );
        if (cli.globals.json) {
          cli.out(JSON.stringify(shown.map(({ raw: _, facts: __, ...e }) => e), null, 2));
        } else if (opts.long) { for (const line of lsLines(shown)) cli.out(line); }
        else for (const e of shown) cli.out(e.name);
      } finally {
        await client.quit().catch(() => client.close());
      }
    })
  );
}
