/**
 * `ferry demo`: starts ferry's own FTP server (plugins/server) on loopback over
 * a generated sample tree and runs workflows/demo.yaml against it (mirror,
 * upload-if-newer, walk, rmtree, a two-way sync), then prints the report.
 * Needs nothing but Deno.
 * @module
 */
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import type { Command } from "../../deps/commander.ts";
import { LocalEndpoint } from "../../mod.ts";
import { ALL_PERMS, startFtpServer, VirtualAuthorizer } from "../../server.ts";
import { loadWorkflow } from "../lazy.ts";
import { runWorkflow } from "../lazy.ts";
import { runAction } from "../action.ts";
import type { CliContext } from "../context.ts";
import { eventsFor } from "../progress.ts";
import { writeSampleTree } from "../demo_tree.ts";
import { positiveInt, withGlobalOptions } from "../options.ts";

/** The demo workflow shipped with ferry. */
export const DEMO_WORKFLOW = new URL("../../workflows/demo.yaml", import.meta.url);

/**
 * Reads a workflow shipped beside the code, from disk or over HTTP (when ferry
 * itself was imported by URL).
 *
 * @example
 * ```ts
 * const { file, source } = await shippedWorkflow(DEMO_WORKFLOW);
 * ```
 */
export async function shippedWorkflow(url: URL): Promise<{ file: string; source: string }> {
  if (url.protocol === "file:") {
    const file = fileURLToPath(url);
    return { file, source: await Deno.readTextFile(file) };
  }
  const response = await fetch(url);
  if (!response.ok) throw new Error(`cannot fetch ${url}: ${response.status}`);
  return { file: url.pathname.split("/").pop() ?? "demo.yaml", source: await response.text() };
}

/**
 * Adds `demo` to the program.
 *
 * @example
 * ```ts
 * registerDemo(program, cli);
 * ```
 */
export function registerDemo(program: Command, cli: CliContext): void {
  withGlobalOptions(
    program.command("demo")
      .description(
        "run the demo: ferry's FTP server on loopback, a sample tree, workflows/demo.yaml",
      )
      .option("--dir <dir>", "work in this directory (kept) instead of a temporary one")
      .option("--keep", "keep the temporary directory to look at afterwards")
      .option("--port <port>", "server port (default: any free one)", positiveInt)
      .option("-n, --dry-run", "plan only")
      .option("--workflow <file>", "run this workflow instead of workflows/demo.yaml"),
  ).action((opts) => {
    // The in-process server's session log is noise here (-v shows it).
    cli.quietCategories.push(["ferry", "server"]);
    return runAction(cli, program.opts(), opts, async () => {
      const dir = opts.dir ?? await Deno.makeTempDir({ prefix: "ferry-demo-" });
      const count = await writeSampleTree(dir);
      const password = crypto.randomUUID();
      cli.secrets.add(password);
      const authorizer = new VirtualAuthorizer().addUser("demo", { password, perm: ALL_PERMS });
      const server = await startFtpServer({
        endpoint: new LocalEndpoint(join(dir, "server")),
        authorizer,
        host: "127.0.0.1",
        port: opts.port ?? 0,
        authFailedDelayMs: 0,
      });
      try {
        const url = `ftp://demo@127.0.0.1:${server.port}/`;
        if (!cli.globals.quiet && !cli.globals.json) {
          cli.err(`ferry demo: ${count} sample files in ${dir}`);
          cli.err(`ferry demo: ferry's FTP server on ${url} serving ${join(dir, "server")}`);
        }
        const overlay: Record<string, string> = {
          FERRY_DEMO_URL: url,
          FERRY_DEMO_PASSWORD: password,
          FERRY_DEMO_DIR: dir,
        };
        const env = (name: string) => overlay[name] ?? Deno.env.get(name);
        const shipped = opts.workflow
          ? { file: opts.workflow, source: undefined }
          : await shippedWorkflow(DEMO_WORKFLOW);
        const wf = await loadWorkflow(shipped.file, {
          registry: cli.registry,
          secrets: cli.secrets,
          env,
          source: shipped.source,
        });
        const report = await runWorkflow(wf, {
          env,
          dryRun: opts.dryRun,
          signal: cli.signal,
          onEvent: eventsFor(cli.display),
          interactive: false,
        });
        await cli.prepareReport();
        cli.report(report);
        if (!cli.globals.quiet && !cli.globals.json) {
          cli.out("");
          cli.out(`mirrored tree:  ${join(dir, "mirror", "pub")}`);
          cli.out(`listing:        ${join(dir, "listing.json")}`);
          cli.out(`server files:   ${join(dir, "server")}  (www/ uploaded, pub/old/ removed)`);
          cli.out(`synced peer:    ${join(dir, "peer")}  <->  ${join(dir, "server", "shared")}`);
          if (!opts.dir && !opts.keep) {
            cli.out("(temporary: removed now; --keep or --dir to look at it)");
          }
        }
      } finally {
        await server.close();
        if (!opts.dir && !opts.keep) await Deno.remove(dir, { recursive: true }).catch(() => {});
      }
    });
  });
}
