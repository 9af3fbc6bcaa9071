/**
 * `ferry worker`: takes tasks (pieces of a job's plan) from the queue and
 * carries them out with sync/'s executor over endpoints it opens itself, from
 * the workflow as written, with credentials resolved here (its env, files,
 * netrc): nothing secret ever comes through Redis.
 *
 * A task retried after its worker died (BullMQ's stalled-job recovery) or
 * failed resumes each transfer from the partial already written when that
 * partial is younger than the source file (as a planner decides).
 * @module
 */
import { resolve } from "node:path";
import {
  type QueueJob,
  QueueWorker,
  RedisClient,
  UnrecoverableError,
  WaitingError,
} from "../../deps/bullmq.ts";
import { partialName } from "../../endpoint/atomic.ts";
import { NotFoundError } from "../../endpoint/errors.ts";
import { joinPath } from "../../endpoint/path.ts";
import type { Stat } from "../../endpoint/types.ts";
import { type ActionOutcome, executePlan, type Lanes } from "../../sync/execute.ts";
import { resumeOffset } from "../../sync/plan.ts";
import type { ProgressEvent } from "../../sync/progress.ts";
import { newReport } from "../../sync/report.ts";
import { logger } from "../../util/log.ts";
import { EndpointPool } from "../endpoints.ts";
import { loadWorkflowObject } from "../load.ts";
import type { Registry } from "../registry.ts";
import { Secrets } from "../secrets.ts";
import {
  isRedisAuthError,
  QUEUE_PREFIX,
  QueueAuthError,
  QueueEndpointMismatchError,
  type QueueTarget,
  QueueTaskFormatError,
  TASKS_QUEUE,
} from "./connection.ts";
import { PartialLostError, runFinish, runSegment, type SegmentResult } from "./segment_tasks.ts";
import {
  endpointUrls,
  reportPart,
  type TaskData,
  taskFormatProblem,
  type TaskResult,
  urlMismatches,
} from "./tasks.ts";

const log = logger("queue", "worker");

/** Options of {@link runWorker}. */
export interface WorkerOptions {
  target: QueueTarget;
  /**
   * Tasks carried out at once (default {@link DEFAULT_WORKER_CONCURRENCY}).
   * Transfers of concurrent tasks of one run share its endpoints' session
   * pools, so this does not multiply a server's connections.
   */
  concurrency?: number;
  /** Built-ins plus `--plugin` modules; a workflow's own plugins are added per run. */
  registry: Registry;
  env?: (name: string) => string | undefined;
  /** Aborted to stop: tasks in hand stop cleanly and go back to the queue. */
  signal: AbortSignal;
  /**
   * How long a task stays a worker's without a heartbeat before another takes
   * it (default 30 s; FERRY_QUEUE_LOCK_MS in tests).
   */
  lockMs?: number;
  /** Hears each task's start and end (for the worker's log). */
  onTask?: (
    event: { type: "start" | "end" | "back"; id: string; job: string; run: string },
  ) => void;
}

/**
 * Tasks a worker carries out at once unless told: with one at a time, each
 * task's Redis round trips (take, progress, finish: ~10) leave the worker
 * idle, which on a loaded machine cost a lone worker +25 % against the
 * in-process run of the 2,000-file mirror; with 4 it was at par (docs/CLUSTER.md).
 */
export const DEFAULT_WORKER_CONCURRENCY = 4;

/** A workflow's endpoints are closed after no task used them for this long. */
const RUN_IDLE_MS = 60_000;

interface RunContext {
  pool: EndpointPool;
  create: Set<string>;
  secrets: Secrets;
  active: number;
  idleSince: number;
}

/**
 * Runs a worker until `signal` aborts; resolves when it has stopped (tasks in
 * hand finished or handed back, endpoints closed).
 *
 * @example
 * ```ts
 * await runWorker({ target: parseQueueUrl("redis://127.0.0.1:6379"), registry, signal });
 * ```
 */
export async function runWorker(options: WorkerOptions): Promise<void> {
  const ownEnv = options.env ?? ((n: string) => Deno.env.get(n));
  /** Variables the workflow asked this worker for and it does not have. */
  const unset = new Set<string>();
  const env = (name: string) => {
    const value = ownEnv(name);
    if (value === undefined) unset.add(name);
    return value;
  };
  const runs = new Map<string, Promise<RunContext>>();
  const stop = new AbortController();
  const onStop = () => stop.abort(options.signal.reason);
  options.signal.addEventListener("abort", onStop, { once: true });

  // By the workflow as sent (file, text, base, URLs), not by run: the next run of the same
  // workflow (a schedule's next tick, a coordinator run again) finds its sessions logged in.
  const contextOf = (data: TaskData): Promise<RunContext> => {
    const key = JSON.stringify(data.workflow);
    let made = runs.get(key);
    if (!made) {
      made = openRun(data, options.registry, env, stop.signal);
      runs.set(key, made);
      made.catch(() => runs.delete(key));
    }
    return made;
  };

  const sweep = setInterval(async () => {
    for (const [id, made] of runs) {
      const ctx = await made.catch(() => undefined);
      if (ctx && ctx.active === 0 && Date.now() - ctx.idleSince > RUN_IDLE_MS) {
        runs.delete(id);
        await ctx.pool.closeAll();
      }
    }
  }, 10_000);

  await probeLogin(options.target);
  const lockMs = options.lockMs ?? 30_000;
  const worker = new QueueWorker<TaskData, TaskResult | SegmentResult>(
    TASKS_QUEUE,
    async (job: QueueJob<TaskData, TaskResult | SegmentResult>, token?: string) => {
      const data = job.data;
      const problem = taskFormatProblem(data);
      if (problem) {
        options.onTask?.({ type: "start", id: job.id ?? "", job: "?", run: "?" });
        // Of another version: a worker of that version may take the next attempt.
        throw problem.retry
          ? new QueueTaskFormatError(problem.message)
          : new UnrecoverableError(problem.message);
      }
      options.onTask?.({ type: "start", id: job.id ?? "", job: data.job, run: data.run });
      const ctx = await contextOf(data).catch((e) => {
        // A retry cannot help: the task fails at once, with the reason.
        throw e instanceof QueueEndpointMismatchError
          ? new UnrecoverableError(e.message)
          : unsetEnvError(e, unset) ?? e;
      });
      ctx.active++;
      try {
        let result: TaskResult | SegmentResult | undefined;
        try {
          result = await runAny(job, data, ctx, stop.signal);
        } catch (e) {
          // Stopped mid-task: handed back below; else BullMQ retries (or not: a lost partial).
          // BullMQ keeps the message and stack in Redis: this worker's secrets masked first.
          if (!stop.signal.aborted) {
            throw redactError(
              e instanceof PartialLostError
                ? new UnrecoverableError(e.message)
                : unsetEnvError(e, unset) ?? e,
              ctx.secrets,
            );
          }
        }
        if (stop.signal.aborted || result === undefined) {
          // Stopped mid-task: hand it back whole; the next worker resumes its partials.
          await job.moveToWait(token);
          options.onTask?.({ type: "back", id: job.id ?? "", job: data.job, run: data.run });
          throw new WaitingError();
        }
        options.onTask?.({ type: "end", id: job.id ?? "", job: data.job, run: data.run });
        return result;
      } finally {
        ctx.active--;
        ctx.idleSince = Date.now();
      }
    },
    {
      connection: connectionOf(options.target),
      prefix: QUEUE_PREFIX,
      concurrency: Math.max(1, options.concurrency ?? DEFAULT_WORKER_CONCURRENCY),
      lockDuration: lockMs,
      stalledInterval: Math.max(1000, Math.floor(lockMs / 2)),
      // A task whose worker died is offered again this many times.
      maxStalledCount: 5,
      autorun: false,
    },
  );
  worker.on("error", (e) => log.warn("queue: {error}", { error: String(e) }));
  worker.on(
    "failed",
    (job, e) => log.warn("task {id} failed: {error}", { id: job?.id ?? "?", error: String(e) }),
  );
  const running = worker.run();
  log.info("worker on {queue}, {n} task(s) at once", {
    queue: options.target.display,
    n: Math.max(1, options.concurrency ?? DEFAULT_WORKER_CONCURRENCY),
  });
  try {
    await new Promise<void>((resolveStop) => {
      if (stop.signal.aborted) return resolveStop();
      stop.signal.addEventListener("abort", () => resolveStop(), { once: true });
    });
    await worker.close();
    await running;
  } finally {
    clearInterval(sweep);
    options.signal.removeEventListener("abort", onStop);
    for (const made of runs.values()) {
      const ctx = await made.catch(() => undefined);
      await ctx?.pool.closeAll();
    }
  }
}

/**
 * ioredis settings for BullMQ from a queue target.
 *
 * @example
 * ```ts
 * connectionOf(parseQueueUrl("redis://127.0.0.1:6379/1")); // { host: "127.0.0.1", port: 6379, db: 1, ... }
 * ```
 */
export function connectionOf(target: QueueTarget): Record<string, unknown> {
  return {
    host: target.host,
    port: target.port,
    db: target.db,
    ...(target.username ? { username: target.username } : {}),
    ...(target.password ? { password: target.password } : {}),
    maxRetriesPerRequest: null,
  };
}

/**
 * Logs in to Redis once, without retries, before BullMQ connects: a refused
 * login (wrong password or user, ACL) throws {@link QueueAuthError} at once,
 * where BullMQ would retry it for ever (a worker) or until the unreachable
 * timeout, then called Redis unreachable (a coordinator). Any other failure
 * (Redis not up yet) is left to BullMQ's reconnects and the timeout.
 *
 * @example
 * ```ts
 * await probeLogin(parseQueueUrl("redis://:pw@127.0.0.1:6379"));
 * ```
 */
export async function probeLogin(target: QueueTarget): Promise<void> {
  let last: unknown;
  const client = new RedisClient({
    ...connectionOf(target),
    lazyConnect: true,
    retryStrategy: () => null,
    maxRetriesPerRequest: 0,
    enableOfflineQueue: false,
    connectTimeout: 5000,
  });
  client.on("error", (e: unknown) => last = e);
  try {
    await client.connect();
    // No password given to a Redis that wants one: the first command says NOAUTH.
    await client.ping();
  } catch (e) {
    last ??= e;
    if (isRedisAuthError(last)) {
      throw new QueueAuthError(target.display, String((last as Error).message));
    }
  } finally {
    client.disconnect();
  }
}

async function openRun(
  data: TaskData,
  registry: Registry,
  env: (name: string) => string | undefined,
  signal: AbortSignal,
): Promise<RunContext> {
  const secrets = new Secrets();
  let wf;
  try {
    wf = await loadWorkflowObject(data.workflow.source, {
      registry,
      secrets,
      env,
      file: data.workflow.file,
      baseDir: data.workflow.baseDir,
    });
    const differ = urlMismatches(data.workflow.urls ?? {}, endpointUrls(wf.config.endpoints));
    // Quotes this worker's URLs: its own secrets masked before it goes to Redis.
    if (differ.length > 0) throw new QueueEndpointMismatchError(differ);
  } catch (e) {
    throw redactError(e, secrets);
  }
  const create = new Set<string>();
  const pool = new EndpointPool(wf.config.endpoints ?? {}, {
    registry: wf.registry,
    secrets,
    env,
    interactive: false,
    baseDir: wf.baseDir,
    signal,
    create,
    stateDir: resolve(wf.baseDir, wf.config.state ?? ".ferry"),
  });
  return { pool, create, secrets, active: 0, idleSince: Date.now() };
}

/** A task of any kind: a segment of a large file, a file's final task, or plan actions. */
async function runAny(
  job: QueueJob<TaskData, TaskResult | SegmentResult>,
  data: TaskData,
  ctx: RunContext,
  signal: AbortSignal,
): Promise<TaskResult | SegmentResult> {
  const lanes: Lanes = {};
  for (const [side, ref] of Object.entries(data.lanes)) {
    ctx.create.add(ref.dst);
    const [src, dst] = await Promise.all([ctx.pool.get(ref.src), ctx.pool.get(ref.dst)]);
    lanes[side as keyof Lanes] = { src, srcRoot: ref.srcRoot, dst, dstRoot: ref.dstRoot };
  }
  if (data.segment) return ctx.secrets.redactDeep(await runSegment(job, data, lanes, { signal }));
  const result = data.finish
    ? await runFinish(job, data, lanes, { signal })
    : await runTask(job, data, lanes, signal, ctx.secrets);
  return ctx.secrets.redactDeep(result);
}

async function runTask(
  job: QueueJob<TaskData, TaskResult | SegmentResult>,
  data: TaskData,
  lanes: Lanes,
  signal: AbortSignal,
  secrets: Secrets,
): Promise<TaskResult> {
  let failedBefore = data.options.failedBefore ?? 0;
  if (!job.parentKey) {
    // Only a flow's parent (the deletions) has children: two round trips the copies skip.
    const children = await job.getChildrenValues<TaskResult>();
    for (const r of Object.values(children)) failedBefore += r?.failedCopies ?? 0;
    failedBefore += Object.keys(await job.getIgnoredChildrenFailures()).length;
  }

  const actions = data.actions.map((a) => ({ ...a }));
  if (job.attemptsStarted > 1) await findPartials(actions, lanes);
  // Taken up again (its worker died or handed it back): what an earlier attempt deleted is
  // gone, as planned. Not when copies failed: then no attempt deleted anything.
  const gone = job.attemptsStarted > 1 && failedBefore === 0
    ? await deletedBefore(actions, lanes)
    : new Set<number>();

  const report = newReport(data.job);
  const progress = new ProgressBuffer((events) =>
    job.updateProgress({ events: secrets.redactDeep(events) })
  );
  let ran: ActionOutcome[];
  try {
    ran = await executePlan(actions.filter((_, k) => !gone.has(k)), lanes, report, {
      ...data.options,
      failedBefore,
      signal,
      onProgress: (event) => progress.add(event),
    });
  } finally {
    await progress.close();
  }
  let next = 0;
  const outcomes = actions.map((action, k): ActionOutcome => {
    if (!gone.has(k)) return ran[next++];
    if (action.op === "delete" && action.type === "dir") report.dirsDeleted++;
    else if (action.op === "delete") {
      report.files.deleted++;
      report.bytes.deleted += action.size;
    }
    return { action, ok: true };
  });
  const result: TaskResult = {
    report: reportPart(report),
    outcomes: outcomes.map((o, k) => ({
      i: data.indexes[k],
      ok: o.ok,
      ...(o.error !== undefined ? { error: o.error } : {}),
      ...(o.transfer ? { transfer: o.transfer } : {}),
      ...(o.dstStat ? { dstStat: statJson(o.dstStat) } : {}),
    })),
    failedCopies:
      outcomes.filter((o) => !o.ok && (o.action.op === "transfer" || o.action.op === "symlink"))
        .length,
  };
  return result;
}

/**
 * A task taken up again: each transfer continues the partial its earlier
 * attempt wrote (when that one is younger than the source), not from zero.
 */
async function findPartials(actions: TaskData["actions"], lanes: Lanes): Promise<void> {
  for (const a of actions) {
    if (a.op !== "transfer" || a.resumeFrom !== undefined) continue;
    const lane = a.side ? lanes[a.side] : lanes.target;
    if (!lane || !lane.dst.capabilities().writeOffset) continue;
    const name = partialName(a.path);
    let stat: Stat | undefined;
    try {
      stat = await lane.dst.stat(joinPath(lane.dstRoot, name), { fresh: true });
    } catch {
      continue; // no partial: start from zero
    }
    const from = resumeOffset({ partials: new Map([[name, stat]]) }, a.path, {
      name: a.path,
      type: "file",
      size: a.size,
      precision: 0,
      mtime: a.mtime ? new Date(a.mtime) : undefined,
    });
    if (from !== undefined) a.resumeFrom = from;
  }
}

/**
 * A failure from a variable this worker lacks (a workflow's `passwordEnv`,
 * `${env:NAME}`, an S3 or UFTP key from the environment): no retry can make
 * it appear, so the task fails at once (BullMQ's UnrecoverableError) naming
 * it. Undefined for any other failure.
 *
 * @example
 * ```ts
 * unsetEnvError(new AuthError("environment variable PW is not set"), new Set(["PW"]));
 * // UnrecoverableError: environment variable PW is not set on this worker ...
 * ```
 */
export function unsetEnvError(e: unknown, unset: Set<string>): UnrecoverableError | undefined {
  if (unset.size === 0 || !(e instanceof Error)) return undefined;
  for (const name of unset) {
    if (e.message.includes(`environment variable ${name} is not set`)) {
      return new UnrecoverableError(
        `${e.message} on this worker: set ${name} in the worker's environment ` +
          "(a retry cannot help)",
      );
    }
  }
  return undefined;
}

/**
 * An error as BullMQ will keep it in Redis (failed reason, stack trace) and the
 * coordinator will print it: this worker's secrets masked, its class (and so
 * `UnrecoverableError`'s meaning) kept.
 */
function redactError(e: unknown, secrets: Secrets): unknown {
  if (e instanceof WaitingError) return e;
  if (e instanceof Error) {
    e.message = secrets.redact(e.message);
    if (e.stack) e.stack = secrets.redact(e.stack);
    return e;
  }
  return new Error(secrets.redact(String(e)));
}

/**
 * The deletions of a task taken up again whose entries are gone already (an
 * earlier attempt deleted them): indexes into `actions`. Only a "not found"
 * counts; any other answer leaves the deletion to be run (and to fail there).
 */
async function deletedBefore(actions: TaskData["actions"], lanes: Lanes): Promise<Set<number>> {
  const gone = new Set<number>();
  for (const [k, a] of actions.entries()) {
    if (a.op !== "delete") continue;
    const lane = a.side ? lanes[a.side] : lanes.target;
    if (!lane) continue;
    try {
      await lane.dst.lstat(joinPath(lane.dstRoot, a.path), { fresh: true });
    } catch (e) {
      if (e instanceof NotFoundError) gone.add(k);
    }
  }
  return gone;
}

function statJson(s: Stat): { type: string; size: number; mtime?: string } {
  return { type: s.type, size: s.size, ...(s.mtime ? { mtime: s.mtime.toISOString() } : {}) };
}

/** Progress events sent as job progress at most every 250 ms (a file's last bytes kept). */
class ProgressBuffer {
  #events: ProgressEvent[] = [];
  #timer?: ReturnType<typeof setTimeout>;
  #sending: Promise<unknown> = Promise.resolve();
  constructor(readonly send: (events: ProgressEvent[]) => Promise<unknown>) {}

  add(event: ProgressEvent): void {
    if (event.type === "plan") return;
    if (event.type === "file-progress") {
      const last = this.#events.findLastIndex((e) =>
        e.type === "file-progress" && e.path === event.path
      );
      if (last >= 0) this.#events.splice(last, 1);
    }
    this.#events.push({ ...event });
    this.#timer ??= setTimeout(() => this.#flush(), 250);
  }

  #flush(): void {
    this.#timer = undefined;
    const events = this.#events;
    this.#events = [];
    if (events.length === 0) return;
    this.#sending = this.#sending.then(() =>
      this.send(events).catch((e) => log.debug("progress: {error}", { error: String(e) }))
    );
  }

  async close(): Promise<void> {
    clearTimeout(this.#timer);
    this.#flush();
    await this.#sending;
  }
}
