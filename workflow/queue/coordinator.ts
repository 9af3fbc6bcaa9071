/**
 * The coordinator side of `--queue`: a plan executor (sync/'s contract) that
 * hands a job's plan to workers as BullMQ tasks and merges what they report
 * into the job's report, so `ferry run --queue` reports and exits as a local
 * run does.
 *
 * Per job and stage: one flow, the copies as children (batched by directory
 * and bytes) and the deletions after them as the parent, which BullMQ starts
 * only when every child is done; the parent holds deletions back when any
 * copy failed. Jobs follow `needs` in the workflow runner: a job's plan is
 * made from a walk after its needs ran.
 *
 * Task ids are derived from the run record kept in Redis under the run's key
 * (workflow file, its text and the jobs asked for): a coordinator started
 * again after being killed finds the run, takes the plans it had sent instead
 * of planning anew, re-adds nothing already there and reports the outcome.
 * @module
 */
import { type FlowJob, FlowProducer, Queue, QueueEvents, QueueJob } from "../../deps/bullmq.ts";
import type { ActionOutcome, ExecuteOptions, Lanes } from "../../sync/execute.ts";
import type { Action } from "../../sync/plan.ts";
import type { SegmentState } from "../../sync/segments.ts";
import { ProgressTracker } from "../../sync/progress.ts";
import type { JobReport } from "../../sync/report.ts";
import { logger } from "../../util/log.ts";
import type { ExecutorFactory } from "../run.ts";
import type { Secrets } from "../secrets.ts";
import type { JobSpec } from "../types.ts";
import {
  QUEUE_PREFIX,
  QueueDataLostError,
  QueueSecretError,
  type QueueTarget,
  QueueTaskError,
  QueueUnavailableError,
  TASKS_QUEUE,
} from "./connection.ts";
import {
  type BatchLimits,
  type LaneRefs,
  laneRefs,
  mergeReport,
  planStages,
  type TaskData,
  type TaskResult,
  type WorkflowRef,
} from "./tasks.ts";
import { connectionOf, probeLogin } from "./worker.ts";
import { confirmedOf, segmentedFiles, startSegmented } from "./segment_tasks.ts";

const log = logger("queue", "coordinator");

/** Options of {@link QueueCoordinator.open}. */
export interface CoordinatorOptions {
  target: QueueTarget;
  workflow: WorkflowRef;
  /** Identifies the run across coordinator restarts (see {@link runKey}). */
  key: string;
  /** Every value sent to Redis is checked against these first. */
  secrets: Secrets;
  batch?: BatchLimits;
  /** Give up when Redis does not answer for this long (default 15 s). */
  unavailableMs?: number;
  /** Attempts of one task (BullMQ retries with exponential back-off; default 3). */
  attempts?: number;
  /** First back-off delay of a task's retry (default 1 s). */
  backoffMs?: number;
  /**
   * Smallest file cut into segment tasks, bytes (default: the job's, else
   * sync/segments.ts' 64 MiB; FERRY_QUEUE_SEGMENT_THRESHOLD).
   */
  segmentThreshold?: number;
}

/** A job's plan as sent, kept in the run record. */
interface SentJob {
  actions: Action[];
  lanes: LaneRefs;
  report: JobReport;
  options: ExecuteOptions & { onProgress?: undefined; signal?: undefined };
  /** Files by segment: their segment counts by action index (see segment_tasks.ts). */
  segmentCounts?: Record<string, number>;
  /** Their segment plans, made when their stage is sent. */
  segmented?: Record<string, SegmentState>;
}

/**
 * The key of a run: the same workflow file, text and job selection find the
 * same run record (the coordinator started again picks it up).
 *
 * @example
 * ```ts
 * await runKey({ file: "/srv/nightly.yaml", source, jobs: [] }); // "6f1c..."
 * ```
 */
export async function runKey(parts: unknown): Promise<string> {
  const bytes = new TextEncoder().encode(JSON.stringify(parts));
  const hash = await crypto.subtle.digest("SHA-256", bytes);
  return [...new Uint8Array(hash)].map((b) => b.toString(16).padStart(2, "0")).join("").slice(
    0,
    32,
  );
}

/**
 * Hands plans to the workers of one queue for one run of a workflow.
 *
 * @example
 * ```ts
 * const queue = await QueueCoordinator.open({ target, workflow, key, secrets: wf.secrets });
 * try {
 *   report = await runWorkflow(wf, { executor: queue.executors() });
 *   await queue.done();
 * } finally {
 *   await queue.close();
 * }
 * ```
 */
export class QueueCoordinator {
  readonly #options: CoordinatorOptions;
  readonly #queue: Queue;
  readonly #events: QueueEvents;
  readonly #flows: FlowProducer;
  readonly #progress = new Map<string, (events: unknown) => void>();
  readonly #lost: Promise<never>;
  /** Ends the run with `error` (Redis gone for good, or back without the run). */
  #fail: (error: Error) => void = () => {};
  #watch?: ReturnType<typeof setInterval>;
  #client?: RedisClient;
  /** Whether the connection was lost since the last "ready" (said once per loss). */
  #away = false;
  /** When a connection attempt first failed since the client was last ready. */
  #failedAt?: number;
  #run = "";
  #warned = false;

  private constructor(
    options: CoordinatorOptions,
    parts: {
      queue: Queue;
      events: QueueEvents;
      flows: FlowProducer;
    },
  ) {
    this.#options = options;
    this.#queue = parts.queue;
    this.#events = parts.events;
    this.#flows = parts.flows;
    this.#events.on("progress", ({ jobId, data }) => this.#progress.get(jobId)?.(data));
    let notReadySince: number | undefined;
    const limit = options.unavailableMs ?? 15_000;
    // Before the first "ready", only a failed connection attempt starts the
    // clock: a slow start on a loaded machine is not an unreachable Redis.
    this.#queue.on("error", () => {
      if (this.#client?.status !== "ready") this.#failedAt ??= Date.now();
    });
    this.#lost = new Promise<never>((_, reject) => {
      this.#fail = (error) => {
        clearInterval(this.#watch);
        reject(error);
      };
      this.#watch = setInterval(() => {
        // The client itself, not `queue.client`: that one waits for a reconnect.
        if (this.#client?.status === "ready") {
          notReadySince = undefined;
          this.#failedAt = undefined;
          return;
        }
        if (!this.#client && this.#failedAt === undefined) return;
        notReadySince ??= this.#failedAt ?? Date.now();
        if (Date.now() - notReadySince >= limit) {
          this.#fail(new QueueUnavailableError(options.target.display, limit));
        }
      }, 250);
    });
    this.#lost.catch(() => {});
  }

  /**
   * Connects (within `unavailableMs`) and finds or starts the run record.
   *
   * @example
   * ```ts
   * const queue = await QueueCoordinator.open({ target, workflow, key, secrets });
   * ```
   */
  static async open(options: CoordinatorOptions): Promise<QueueCoordinator> {
    await probeLogin(options.target);
    const connection = connectionOf(options.target);
    const common = { connection, prefix: QUEUE_PREFIX };
    const queue = new Queue(TASKS_QUEUE, common);
    const events = new QueueEvents(TASKS_QUEUE, common);
    const flows = new FlowProducer(common);
    const quiet = (e: Error) => log.debug("queue: {error}", { error: String(e) });
    queue.on("error", quiet);
    events.on("error", quiet);
    flows.on("error", quiet);
    const coordinator = new QueueCoordinator(options, { queue, events, flows });
    const starting = (async () => {
      coordinator.#client = await queue.waitUntilReady() as unknown as RedisClient;
      await events.waitUntilReady();
      await coordinator.#startRecord();
      coordinator.#client.on("close", () => coordinator.#gone());
      coordinator.#client.on("ready", () => coordinator.#reconnected());
    })();
    // Lost the race (Redis refused or gone): its own failure is not news.
    starting.catch(() => {});
    try {
      await Promise.race([starting, coordinator.#lost]);
    } catch (e) {
      await coordinator.close();
      throw e;
    }
    return coordinator;
  }

  /** The connection closed: said once, with where and for how long it is tried again. */
  #gone(): void {
    if (this.#away) return;
    this.#away = true;
    log.warn("lost the queue at {queue}; reconnecting (gives up after {s} s)", {
      queue: this.#options.target.display,
      s: Math.round((this.#options.unavailableMs ?? 15_000) / 1000),
    });
  }

  /**
   * Connected again: the run goes on when Redis kept its data; when the run's
   * record is gone, so are its tasks, and waiting for them would never end.
   */
  async #reconnected(): Promise<void> {
    if (this.#away) {
      this.#away = false;
      log.info("the queue at {queue} answers again", { queue: this.#options.target.display });
    }
    try {
      if (Number(await this.#redis("EXISTS", this.#recordKey)) === 0) {
        this.#fail(new QueueDataLostError(this.#options.target.display));
      }
    } catch (e) {
      log.debug("queue: {error}", { error: String(e) });
    }
  }

  get #recordKey(): string {
    return `${QUEUE_PREFIX}:run:${this.#options.key}`;
  }

  /** Plain Redis commands on the queue's connection. */
  async #redis(...args: (string | number)[]): Promise<unknown> {
    const client = await this.#queue.client as unknown as {
      call(command: string, ...args: (string | number)[]): Promise<unknown>;
    };
    return await client.call(String(args[0]), ...args.slice(1));
  }

  async #startRecord(): Promise<void> {
    await this.#redis("HSETNX", this.#recordKey, "id", crypto.randomUUID().slice(0, 13));
    await this.#redis("EXPIRE", this.#recordKey, 7 * 24 * 3600);
    this.#run = String(await this.#redis("HGET", this.#recordKey, "id"));
  }

  /** The run's id (the same after a restart). */
  get run(): string {
    return this.#run;
  }

  /**
   * An executor factory for {@link runWorkflow}'s `executor` option.
   *
   * @example
   * ```ts
   * await runWorkflow(wf, { executor: queue.executors() });
   * ```
   */
  executors(): ExecutorFactory {
    return (job, nameOf) => (actions, lanes, report, options) =>
      this.#execute(job, nameOf, actions, lanes, report, options);
  }

  /**
   * The run ended and was reported: forget its record (a later run starts afresh).
   *
   * @example
   * ```ts
   * await queue.done();
   * ```
   */
  async done(): Promise<void> {
    await this.#guard(this.#redis("DEL", this.#recordKey));
  }

  /**
   * Lets go of Redis.
   *
   * @example
   * ```ts
   * await queue.close();
   * ```
   */
  async close(): Promise<void> {
    clearInterval(this.#watch);
    const closing = [this.#events.close(), this.#flows.close(), this.#queue.close()];
    // A Redis that went away would keep close() waiting for its reconnects.
    await Promise.race([
      Promise.allSettled(closing),
      new Promise((r) => setTimeout(r, 2000)),
    ]);
  }

  async #execute(
    job: JobSpec,
    nameOf: (ep: Parameters<Parameters<ExecutorFactory>[1]>[0]) => string | undefined,
    given: Action[],
    lanes: Lanes,
    report: JobReport,
    options: ExecuteOptions,
  ): Promise<ActionOutcome[]> {
    const field = `job:${job.name}`;
    const kept = await this.#guard(this.#redis("HGET", this.#recordKey, field)) as string | null;
    let sent: SentJob;
    if (kept) {
      // Started again: the plan already handed out is the one that counts.
      sent = JSON.parse(kept) as SentJob;
      for (const k of Object.keys(report) as (keyof JobReport)[]) delete report[k];
      Object.assign(report, sent.report);
      log.info("job {job}: found its tasks from an earlier start, waiting for them", {
        job: job.name,
      });
    } else {
      const { onProgress: _p, signal: _s, ...plain } = options;
      const threshold = this.#options.segmentThreshold;
      const counts = segmentedFiles(given, lanes, {
        ...options.segments,
        ...(threshold !== undefined ? { threshold } : {}),
      });
      sent = {
        actions: given,
        lanes: laneRefs(lanes, nameOf),
        report: structuredClone(report),
        options: plain,
        segmentCounts: Object.fromEntries(counts),
      };
      const text = JSON.stringify(sent);
      this.#checkSecrets(text, `job ${job.name}'s plan`);
      this.#checkSecrets(JSON.stringify(this.#options.workflow), "the workflow");
      await this.#guard(this.#redis("HSET", this.#recordKey, field, text));
    }
    const actions = sent.actions;
    const outcomes: ActionOutcome[] = actions.map((action, i) => ({
      action: kept ? action : given[i],
      ok: false,
      error: "not run",
    }));
    const progress = new ProgressTracker(options.onProgress);
    const copies = actions.filter((a) => a.op === "transfer" || a.op === "symlink");
    progress.plan(
      copies.length,
      copies.reduce((n, a) => n + (a.op === "transfer" ? a.size : 0), 0),
      actions.filter((a) => a.op === "delete").length,
    );
    actions.forEach((a, i) => {
      if (a.op !== "skip") return;
      report.files.skipped++;
      report.bytes.skipped += a.size ?? 0;
      outcomes[i].ok = true;
      delete outcomes[i].error;
    });

    let failedCopies = 0;
    const stages = planStages(actions, this.#options.batch);
    const counts = sent.segmentCounts ?? {};
    const segmented = sent.segmented ??= {};
    const byFile = new Map<number, FileProgress>();
    const safeJob = job.name.replace(/[^A-Za-z0-9_.-]/g, "_");
    for (const [s, stage] of stages.entries()) {
      if (options.signal?.aborted) break;
      const task = (indexes: number[]): TaskData => ({
        v: 1,
        run: this.#run,
        job: job.name,
        workflow: this.#options.workflow,
        lanes: sent.lanes,
        actions: indexes.map((i) => actions[i]),
        indexes,
        options: { ...sent.options, failedBefore: failedCopies },
      });
      const opts = (id: string) => ({
        jobId: `${this.#run}.${safeJob}.${s}.${id}`,
        attempts: this.#options.attempts ?? 3,
        backoff: { type: "exponential", delay: this.#options.backoffMs ?? 1000 },
        removeOnComplete: { age: 24 * 3600 },
        removeOnFail: { age: 7 * 24 * 3600 },
      });
      const batches = stage.children.map((b) => b.filter((i) => !counts[i]))
        .filter((b) => b.length > 0);
      const files = stage.children.flat().filter((i) => counts[i]);
      const fresh = new Map(files.filter((i) => !segmented[i]).map((i) => [i, counts[i]]));
      if (fresh.size > 0) {
        // Once the stages before made their directories, and before any of its tasks: each
        // file's record is on its target before its partial's first byte.
        Object.assign(
          segmented,
          await this.#guard(startSegmented(actions, lanes, fresh), options.signal),
        );
        await this.#guard(this.#redis("HSET", this.#recordKey, field, JSON.stringify(sent)));
      }
      const children: FlowJob[] = batches.map((indexes, k) => ({
        name: `${job.name} copy`,
        queueName: TASKS_QUEUE,
        data: task(indexes),
        opts: { ...opts(`c${k}`), ignoreDependencyOnFailure: true },
      }));
      const pieces = new Map<string, number[]>(
        children.map((c, k) => [c.opts!.jobId!, batches[k]] as [string, number[]]),
      );
      // A file by segment: its final task (verify, rename) is the parent of its segment tasks.
      for (const i of files) {
        const state = segmented[i];
        const file = new FileProgress(progress, actions[i].path, state);
        byFile.set(i, file);
        const segmentTasks: FlowJob[] = [];
        state.segments.forEach((seg, j) => {
          if (seg.done >= seg.end - seg.start) return;
          const id = opts(`f${i}s${j}`).jobId;
          this.#progress.set(id, (data) => file.confirmed(j, data));
          segmentTasks.push({
            name: `${job.name} segment`,
            queueName: TASKS_QUEUE,
            data: { ...task([i]), segment: { index: j, ...seg } },
            opts: { ...opts(`f${i}s${j}`), ignoreDependencyOnFailure: true },
          });
        });
        const final: FlowJob = {
          name: `${job.name} file`,
          queueName: TASKS_QUEUE,
          data: { ...task([i]), finish: { state } },
          opts: { ...opts(`f${i}`), ignoreDependencyOnFailure: true },
          children: segmentTasks,
        };
        children.push(final);
        pieces.set(final.opts!.jobId!, [i]);
      }
      const parentIndexes = stage.parent;
      const ids = [...pieces.keys()];
      const parentId = opts("p").jobId;
      const parent: FlowJob = {
        name: parentIndexes.length > 0 ? `${job.name} finish` : `${job.name} stage`,
        queueName: TASKS_QUEUE,
        data: task(parentIndexes),
        opts: opts("p"),
        children,
      };
      this.#checkSecrets(JSON.stringify(parent), `job ${job.name}'s tasks`);
      pieces.set(parentId, parentIndexes);
      for (const id of pieces.keys()) this.#progress.set(id, (data) => replay(progress, data));
      try {
        await this.#guard(this.#flows.add(parent), options.signal);
        await this.#warnWithoutWorkers();
        const settle = async (id: string) => {
          const handle = await QueueJob.fromId(this.#queue, id);
          if (!handle) throw new QueueTaskError(`task ${id} vanished from the queue`);
          return await handle.waitUntilFinished(this.#events) as TaskResult;
        };
        const results = await this.#guard(
          Promise.allSettled([...ids, parentId].map(settle)),
          options.signal,
        );
        for (const [k, id] of [...ids, parentId].entries()) {
          const r = results[k];
          const indexes = pieces.get(id)!;
          if (indexes.length === 1) {
            byFile.get(indexes[0])?.end(
              r.status === "fulfilled" ? r.value.outcomes[0]?.error : String(r.reason),
            );
          }
          if (r.status === "fulfilled") {
            mergeReport(report, r.value.report);
            failedCopies += r.value.failedCopies;
            for (const o of r.value.outcomes) {
              const at = outcomes[o.i];
              at.ok = o.ok;
              if (o.error === undefined) delete at.error;
              else at.error = o.error;
              if (o.transfer) at.transfer = o.transfer;
              if (o.dstStat) {
                at.dstStat = {
                  name: at.action.path.split("/").pop() ?? "",
                  type: o.dstStat.type as "file",
                  size: o.dstStat.size,
                  precision: 0,
                  ...(o.dstStat.mtime ? { mtime: new Date(o.dstStat.mtime) } : {}),
                };
              }
            }
          } else {
            const message = `task failed on the workers: ${
              r.reason instanceof Error ? r.reason.message : String(r.reason)
            }`;
            failedCopies += failTask(report, indexes.map((i) => actions[i]), message, failedCopies);
            for (const i of indexes) outcomes[i].error = message;
          }
        }
      } finally {
        for (const id of [...this.#progress.keys()]) {
          if (id.startsWith(`${this.#run}.${safeJob}.${s}.`)) this.#progress.delete(id);
        }
      }
    }
    if (options.signal?.aborted) {
      report.errors.push({ path: "", message: "interrupted", code: "EINTR" });
    }
    return outcomes;
  }

  /** Says so, once per run, when no worker takes tasks (they would wait silently). */
  async #warnWithoutWorkers(): Promise<void> {
    if (this.#warned) return;
    this.#warned = true;
    const count = await this.#guard(this.#queue.getWorkersCount()).catch(() => undefined);
    if (count === 0) {
      log.warn(
        "no worker takes tasks from {queue}: they wait there until one starts " +
          "(ferry worker --queue {queue})",
        { queue: this.#options.target.display },
      );
    }
  }

  /** Waits for `p`, unless Redis is lost or the run is interrupted first. */
  async #guard<T>(p: Promise<T>, signal?: AbortSignal): Promise<T> {
    const aborted = new Promise<never>((_, reject) => {
      if (!signal) return;
      if (signal.aborted) reject(signal.reason);
      signal.addEventListener("abort", () => reject(signal.reason), { once: true });
    });
    aborted.catch(() => {});
    return await Promise.race([p, this.#lost, aborted]);
  }

  #checkSecrets(text: string, where: string): void {
    if (this.#options.secrets.redact(text) !== text) throw new QueueSecretError(where);
  }
}

/** The part of an ioredis client the coordinator watches. */
interface RedisClient {
  status: string;
  on(event: "ready" | "close", listener: () => void): unknown;
}

/** Counts a task that never gave a result as failed, the way a local run would. */
function failTask(report: JobReport, actions: Action[], message: string, before: number): number {
  let copies = 0;
  for (const a of actions) {
    if (a.op === "delete" && before + copies > 0) {
      report.deletesBlocked ??= `${before + copies} transfer(s) failed`;
      report.files.skipped++;
      continue;
    }
    if (a.op === "transfer" || a.op === "symlink") copies++;
    if (a.op !== "mkdir" && a.op !== "rename") report.files.failed++;
    report.errors.push({ path: a.path, message, code: "EQUEUETASK" });
  }
  return copies;
}

/** A file by segment on the job's tracker: the sum of what its segment tasks confirmed. */
class FileProgress {
  readonly #done: number[];
  #started = false;
  constructor(
    readonly progress: ProgressTracker,
    readonly path: string,
    readonly state: SegmentState,
  ) {
    this.#done = state.segments.map((s) => s.done);
  }

  confirmed(index: number, data: unknown): void {
    const done = confirmedOf(data);
    if (done <= (this.#done[index] ?? 0)) return;
    this.#start();
    this.#done[index] = done;
    this.progress.bytes(this.path, this.#done.reduce((a, b) => a + b, 0), this.state.size);
  }

  end(error?: string): void {
    this.#start();
    this.progress.end(this.path, "transfer", error);
  }

  #start(): void {
    if (this.#started) return;
    this.#started = true;
    this.progress.start(this.path, this.state.size, "transfer");
  }
}

/** Replays a worker's progress events into the job's tracker. */
function replay(progress: ProgressTracker, data: unknown): void {
  const events = (data as { events?: unknown[] } | null)?.events;
  if (!Array.isArray(events)) return;
  for (const e of events as import("../../sync/progress.ts").ProgressEvent[]) {
    if (e.type === "file-start") progress.start(e.path, e.size, e.action);
    else if (e.type === "file-progress") progress.bytes(e.path, e.bytes, e.size);
    else if (e.type === "file-end") progress.end(e.path, e.action, e.error);
    else if (e.type === "retry") progress.retry(e.path, e.attempt, e.delayMs, e.error);
  }
}
