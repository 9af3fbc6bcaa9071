/**
 * The heavy parts of commands (the job engine, the workflow loader, the wire
 * client), imported when a command runs rather than when it is registered, so
 * `ferry <cmd> --help` loads no more than the command's options.
 * @module
 */
import type { OneOff } from "./oneoff.ts";
import type { CliContext } from "./context.ts";
import type { ConnectOptions, FtpTarget } from "./ftp.ts";
import type { LoadedWorkflow, LoadOptions } from "../workflow/load.ts";
import type { RunOptions } from "../workflow/run.ts";
import type { WorkflowReport } from "../workflow/report.ts";
import { late } from "./late.ts";

/**
 * {@link import("./oneoff.ts").runOneOff}, imported on first call.
 *
 * @example
 * ```ts
 * cli.report(await runOneOff(cli, spec));
 * ```
 */
export async function runOneOff(cli: CliContext, spec: OneOff): Promise<WorkflowReport> {
  // The summary printer, when cli.report will print one: always without -q and
  // --json (loaded first, as before), with -q only for a run that did not end ok.
  const { quiet, json } = cli.globals;
  if (!quiet && !json) await cli.prepareReport();
  const report = await (await late<typeof import("./oneoff.ts")>(import.meta.url, "./oneoff.ts"))
    .runOneOff(cli, spec);
  if (!json && report.status !== "ok") await cli.prepareReport();
  return report;
}

/**
 * {@link import("./ftp.ts").connectFtp}, imported on first call.
 *
 * @example
 * ```ts
 * const { host } = await connectFtp(cli, "ftp://h/pub", opts);
 * ```
 */
export async function connectFtp(
  cli: CliContext,
  url: string,
  flags: Record<string, unknown>,
  options: ConnectOptions = {},
): Promise<FtpTarget> {
  return await (await late<typeof import("./ftp.ts")>(import.meta.url, "./ftp.ts")).connectFtp(
    cli,
    url,
    flags,
    options,
  );
}

/**
 * {@link import("../workflow/load.ts").loadWorkflow}, imported on first call.
 *
 * @example
 * ```ts
 * const wf = await loadWorkflow("nightly.yaml", { registry: cli.registry, secrets: cli.secrets });
 * ```
 */
export async function loadWorkflow(file: string, options: LoadOptions): Promise<LoadedWorkflow> {
  return await (await late<typeof import("../workflow/load.ts")>(
    import.meta.url,
    "../workflow/load.ts",
  )).loadWorkflow(file, options);
}

/**
 * {@link import("../workflow/run.ts").runWorkflow}, imported on first call.
 *
 * @example
 * ```ts
 * cli.report(await runWorkflow(wf, { signal: cli.signal }));
 * ```
 */
export async function runWorkflow(
  wf: LoadedWorkflow,
  options: RunOptions = {},
): Promise<WorkflowReport> {
  return await (await late<typeof import("../workflow/run.ts")>(
    import.meta.url,
    "../workflow/run.ts",
  )).runWorkflow(wf, options);
}
