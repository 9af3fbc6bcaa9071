/**
 * A workflow run whose plans go to a queue's workers: the coordinator's side
 * of `ferry run --queue` (and of `mirror`/`sync --queue`).
 * @module
 */
import { resolve } from "node:path";
import { yaml } from "../../deps/yaml.ts";
import type { LoadedWorkflow } from "../load.ts";
import type { WorkflowReport } from "../report.ts";
import { type RunOptions, runWorkflow } from "../run.ts";
import { parseQueueUrl } from "./connection.ts";
import { QueueCoordinator, runKey } from "./coordinator.ts";
import { type BatchLimits, endpointUrls } from "./tasks.ts";

/** Options of {@link runOnQueue}. */
export interface QueueRunOptions {
  /** `redis://HOST:PORT[/DB]`. */
  queue: string;
  /**
   * The workflow as written (before interpolation), for the workers; default:
   * the file `wf.file`, read again and parsed without interpolation.
   */
  source?: Record<string, unknown>;
  batch?: BatchLimits;
  /** Give up when Redis does not answer for this long (default 15 s). */
  unavailableMs?: number;
  /** Smallest file cut into segment tasks, bytes (see `CoordinatorOptions.segmentThreshold`). */
  segmentThreshold?: number;
}

/**
 * Runs a loaded workflow with its transfers carried out by the queue's workers.
 * Same report as {@link runWorkflow}; throws `QueueUnavailableError` when Redis
 * cannot be reached, `QueueSecretError` when a task would carry a secret.
 *
 * @example
 * ```ts
 * const report = await runOnQueue(wf, { dryRun: false }, { queue: "redis://127.0.0.1:6379" });
 * ```
 */
export async function runOnQueue(
  wf: LoadedWorkflow,
  run: RunOptions,
  options: QueueRunOptions,
): Promise<WorkflowReport> {
  const target = parseQueueUrl(options.queue);
  if (target.password) wf.secrets.add(target.password);
  const source = options.source ?? yaml.parse(await Deno.readTextFile(wf.file));
  const file = options.source ? wf.file : resolve(wf.file);
  const coordinator = await QueueCoordinator.open({
    target,
    workflow: { file, baseDir: wf.baseDir, source, urls: endpointUrls(wf.config.endpoints) },
    key: await runKey({ file, source, jobs: run.jobs ?? [] }),
    secrets: wf.secrets,
    batch: options.batch,
    unavailableMs: options.unavailableMs ??
      (Number(Deno.env.get("FERRY_QUEUE_UNAVAILABLE_MS") ?? "") || undefined),
    segmentThreshold: options.segmentThreshold ??
      (Number(Deno.env.get("FERRY_QUEUE_SEGMENT_THRESHOLD") ?? "") || undefined),
  });
  try {
    const report = await runWorkflow(wf, { ...run, executor: coordinator.executors() });
    // A run that lost Redis keeps its record: run again to pick it up.
    if (report.status !== "interrupted") await coordinator.done().catch(() => {});
    return report;
  } finally {
    await coordinator.close();
  }
}
