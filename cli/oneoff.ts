/**
 * One-off job commands (`ferry mirror A B`, ...) are one-job workflows built
 * from the arguments and run by the same engine, so they validate, report and
 * behave exactly like a job in a file.
 * @module
 */
import { relative, resolve, sep } from "../util/paths.ts";
import { loadWorkflowObject } from "../workflow/load.ts";
import type { WorkflowReport } from "../workflow/report.ts";
import { eventsFor } from "./progress.ts";
import { runWorkflow } from "../workflow/run.ts";
import type { CliContext } from "./context.ts";
import { splitLocation } from "./location.ts";
import { urlScheme } from "../workflow/validate.ts";
import { endpointFromOptions, jobCommonFromOptions } from "./flags.ts";
import { isFtpUrl } from "./endpoint.ts";
import type { EndpointConfig } from "../workflow/types.ts";
import { late } from "./late.ts";

export { type Location, splitLocation } from "./location.ts";

/** The deepest directory holding every one of `paths` (absolute). */
function commonDir(paths: string[]): string {
  const parts = paths.map((p) => p.split(sep).filter(Boolean));
  const out: string[] = [];
  for (let i = 0; parts.every((x) => i < x.length && x[i] === parts[0][i]); i++) {
    out.push(parts[0][i]);
  }
  return sep + out.join(sep);
}

/**
 * An FTP endpoint of `--time-shift auto` with its probe in the directory the
 * command names (`location`), not its endpoint's root, which is that
 * directory's parent (see splitLocation): a chrooted vsftpd's login root is
 * not writable. Relative to the login directory, as the URL's path is.
 */
function withProbeDir(ep: EndpointConfig, location: string): EndpointConfig {
  if (ep.timeShift !== "auto" || !isFtpUrl(location)) return ep;
  const probeDir = decodeURIComponent(new URL(location).pathname.slice(1));
  return { ...ep, options: { ...ep.options, probeDir } };
}

/** What one one-off command asks for. */
export interface OneOff {
  /** Job and workflow name (the command's name). */
  command: string;
  /** Job kind. */
  kind: string;
  /** Endpoint name -> URL or path, as typed. */
  locations: Record<string, string>;
  /** Kind options; target values are endpoint names, turned into `name:path`. */
  options: Record<string, unknown>;
  /** Option keys of `options` that name an endpoint from `locations`. */
  targets: Record<string, string>;
  /** All parsed flags (auth, connection, job). */
  flags: Record<string, unknown>;
  /** Sync state directory (default .ferry in the working directory). */
  state?: string;
  /**
   * Option keys whose value is a path on an endpoint's disk when that endpoint
   * is a local path (`--backup-dir`): used as typed (absolute as given,
   * relative from the working directory), the endpoint's root widened to hold it.
   */
  localPaths?: Record<string, string>;
  /** Carry the transfers out on this queue's workers (`--queue`). */
  queue?: string;
}

/**
 * Builds the one-job workflow of a one-off command.
 *
 * @example
 * ```ts
 * oneOffWorkflow({ command: "mirror", kind: "mirror", locations: { from: "ftp://h/pub", to: "./pub" },
 *   targets: { from: "from", to: "to" }, options: { delete: true }, flags: {} });
 * ```
 */
export function oneOffWorkflow(spec: OneOff): Record<string, unknown> {
  const endpoints: Record<string, unknown> = {};
  const options: Record<string, unknown> = { ...spec.options };
  for (const [name, location] of Object.entries(spec.locations)) {
    const local = Object.entries(spec.localPaths ?? {})
      .filter(([key, endpoint]) => endpoint === name && typeof options[key] === "string")
      .map(([key]) => key);
    let { root, path } = splitLocation(location);
    if (local.length > 0 && urlScheme(location) === undefined) {
      const full = resolve(location);
      root = commonDir([root, ...local.map((key) => resolve(options[key] as string))]);
      path = relative(root, full).split(sep).join("/");
      for (const key of local) {
        options[key] = "/" + relative(root, resolve(options[key] as string)).split(sep).join("/");
      }
    }
    endpoints[name] = withProbeDir(endpointFromOptions(root, spec.flags), location);
    for (const [key, endpoint] of Object.entries(spec.targets)) {
      if (endpoint === name) options[key] = `${name}:/${path}`;
    }
  }
  return {
    version: 1,
    name: spec.command,
    ...(spec.state ? { state: spec.state } : {}),
    endpoints,
    jobs: { [spec.command]: { ...jobCommonFromOptions(spec.flags), [spec.kind]: options } },
  };
}

/**
 * Validates and runs a one-off command's workflow.
 *
 * @example
 * ```ts
 * const report = await runOneOff(cli, spec);
 * cli.report(report);
 * ```
 */
export async function runOneOff(cli: CliContext, spec: OneOff): Promise<WorkflowReport> {
  const source = oneOffWorkflow(spec);
  const wf = await loadWorkflowObject(source, {
    registry: cli.registry,
    secrets: cli.secrets,
    file: `ferry ${spec.command}`,
  });
  const options = { signal: cli.signal, onEvent: eventsFor(cli.display) };
  if (spec.queue) {
    // bullmq is loaded only for a queue.
    const { runOnQueue } = await late<typeof import("../workflow/queue/run.ts")>(
      import.meta.url,
      "../workflow/queue/run.ts",
    );
    return await runOnQueue(wf, options, { queue: spec.queue, source });
  }
  return await runWorkflow(wf, options);
}
