/**
 * `ferry schedule --queue`: the workflows' cron schedules as BullMQ job
 * schedulers on the `runs` queue, so any number of `ferry schedule --queue`
 * processes run each scheduled workflow once per tick, and the schedule goes
 * on while any one of them is left.
 *
 * - Once per tick: the scheduler lives in Redis under the workflow's name
 *   (`<name>#<n>`, one per cron expression); every process upserts the same
 *   ids and BullMQ makes one job per tick (`repeat:<id>:<tick ms>`), which
 *   one process takes. BullMQ may offer a tick's job twice (see
 *   {@link claimTick}): the first taker claims the tick in Redis, a later
 *   copy is dropped.
 * - No overlap: a tick whose workflow is still running (anywhere) is skipped
 *   and logged, as the local `ferry schedule` does and as cron users expect
 *   of `flock -n` or a Kubernetes CronJob's `concurrencyPolicy: Forbid`. A
 *   lock in Redis, renewed while the run goes on, says who runs it.
 * - A process that dies mid-run: its lock expires (lock time), its tick is not
 *   run again (BullMQ offers the stalled job again; it is dropped, logged: a
 *   late copy of a past tick is not what a schedule means, and cron does not
 *   re-run a tick its machine missed either), its transfer tasks go on on the
 *   workers, and the next tick's run finds the run record and finishes it
 *   (see coordinator.ts).
 *
 * The run job carries the workflow file's path and text as written (no
 * secret: checked, as tasks are), so the process that takes it needs no copy
 * of the file; credentials are resolved there and on the workers.
 * @module
 */
import { resolve } from "node:path";
import { Queue, type QueueJob, QueueWorker } from "../../deps/bullmq.ts";
import { yaml } from "../../deps/yaml.ts";
import { logger } from "../../util/log.ts";
import { UsageError, WorkflowInvalidError } from "../errors.ts";
import { type LoadOptions, loadWorkflow } from "../load.ts";
import type { WorkflowReport } from "../report.ts";
import type { RunOptions } from "../run.ts";
import { normalizeSchedule } from "../schedule.ts";
import { QUEUE_PREFIX, QueueSecretError, type QueueTarget, RUNS_QUEUE } from "./connection.ts";
import { runOnQueue } from "./run.ts";
import { idsOf } from "./schedulers.ts";
import { connectionOf, probeLogin } from "./worker.ts";

const log = logger("queue", "schedule");

/** What a scheduled tick's job carries. */
export interface RunJobData {
  v: 1;
  /** The workflow's name: its schedulers' and its lock's key. */
  name: string;
  /** Absolute path of the file (its directory is the workflow's base). */
  file: string;
  /** The file's text as written (no value interpolated). */
  text: string;
  /** The schedule's `jobs:` (all when absent). */
  jobs?: string[];
}

/** Options of {@link scheduleOnQueue}. */
export interface QueueScheduleOptions {
  target: QueueTarget;
  /** The queue URL as given (the runs' transfers go to its `tasks` queue). */
  url: string;
  /** How each workflow is loaded (here and when a tick is run). */
  load: LoadOptions;
  /** Passed to each run (its signal is the schedule's). */
  run?: Omit<RunOptions, "signal" | "jobs" | "executor">;
  /** Stops this process's part; the schedulers stay in Redis for the others. */
  signal: AbortSignal;
  /** Hears each finished run this process coordinated. */
  onReport?: (file: string, report: WorkflowReport) => void;
  /**
   * Hears each tick this process took (run, or skipped for overlap), and
   * each copy of a tick's job it dropped because the tick was taken already.
   */
  onTick?: (event: { type: "run" | "skip" | "drop"; name: string; tick: number }) => void;
  /** Hears that the schedules are on the queue and this process takes ticks. */
  onStarted?: () => void;
  /** Lock time of a run (default 30 s; FERRY_QUEUE_LOCK_MS in tests). */
  lockMs?: number;
  /** Scheduled runs this process coordinates at once (default 4). */
  concurrency?: number;
}

/**
 * The tick a scheduler's job stands for (ms since the epoch), from its id
 * `repeat:<scheduler>:<ms>`; else when the job was made.
 *
 * @example
 * ```ts
 * tickOf({ id: "repeat:nightly#0:1764900000000", timestamp: 1 }); // 1764900000000
 * ```
 */
export function tickOf(job: { id?: string; timestamp: number }): number {
  const last = Number(job.id?.split(":").pop());
  return Number.isFinite(last) && last > 0 ? last : job.timestamp;
}

interface Scheduled {
  data: RunJobData;
  crons: string[];
  timezone?: string;
}

/**
 * Puts every file's schedule on the queue and coordinates the ticks this
 * process takes until the signal is aborted. Throws
 * {@link WorkflowInvalidError} for an invalid file, {@link UsageError} for one
 * without a schedule or two with one name, {@link QueueSecretError} for a file
 * that holds a secret literally.
 *
 * @example
 * ```ts
 * await scheduleOnQueue(["nightly.yaml"], { target, url, load: { registry }, signal });
 * ```
 */
export async function scheduleOnQueue(
  files: string[],
  options: QueueScheduleOptions,
): Promise<void> {
  const scheduled = await readSchedules(files, options.load);
  if (options.signal.aborted) return;
  await probeLogin(options.target);
  const lockMs = options.lockMs ?? 30_000;
  const common = { connection: connectionOf(options.target), prefix: QUEUE_PREFIX };
  const queue = new Queue<RunJobData>(RUNS_QUEUE, common);
  queue.on("error", (e) => log.debug("queue: {error}", { error: String(e) }));
  const worker = new QueueWorker<RunJobData>(
    RUNS_QUEUE,
    (job: QueueJob<RunJobData>) => takeTick(job, queue, lockMs, options),
    {
      ...common,
      concurrency: Math.max(1, options.concurrency ?? 4),
      lockDuration: lockMs,
      stalledInterval: Math.max(1000, Math.floor(lockMs / 2)),
      maxStalledCount: 1,
      autorun: false,
    },
  );
  worker.on("error", (e) => log.warn("queue: {error}", { error: String(e) }));
  try {
    for (const s of scheduled) await upsert(queue, s);
    await watchForLoss(queue, scheduled, options.target.display);
    const running = worker.run();
    options.onStarted?.();
    log.info("schedule on {queue}: {n} workflow(s)", {
      queue: options.target.display,
      n: scheduled.length,
    });
    await new Promise<void>((done) => {
      if (options.signal.aborted) return done();
      options.signal.addEventListener("abort", () => done(), { once: true });
    });
    await worker.close();
    await running;
  } finally {
    await Promise.allSettled([worker.close(), queue.close()]);
  }
  log.info("schedule stopped (its schedulers stay on the queue for the others)");
}

async function readSchedules(files: string[], load: LoadOptions): Promise<Scheduled[]> {
  const out: Scheduled[] = [];
  const invalid: WorkflowInvalidError[] = [];
  const names = new Map<string, string>();
  for (const file of files) {
    try {
      const text = await Deno.readTextFile(file).catch(() => "");
      const wf = await loadWorkflow(file, { ...load, source: text || undefined });
      const schedule = normalizeSchedule(wf.config);
      if (!schedule) {
        throw new UsageError(
          `${file}: the workflow has no schedule: (add e.g. schedule: "15 3 * * *")`,
        );
      }
      const other = names.get(wf.name);
      if (other) {
        throw new UsageError(
          `${file}: the workflow is named ${JSON.stringify(wf.name)} as ${other} is; on a ` +
            "queue the name identifies the schedule: give one of them another name:",
        );
      }
      names.set(wf.name, file);
      if (wf.secrets.redact(text) !== text) throw new QueueSecretError(`${file}`);
      out.push({
        data: {
          v: 1,
          name: wf.name,
          file: resolve(file),
          text,
          ...(schedule.jobs ? { jobs: schedule.jobs } : {}),
        },
        crons: schedule.crons,
        timezone: schedule.timezone,
      });
    } catch (e) {
      if (e instanceof WorkflowInvalidError) invalid.push(e);
      else throw e;
    }
  }
  if (invalid.length > 0) throw new WorkflowInvalidError(invalid.flatMap((e) => e.problems));
  return out;
}

/** Set once per Redis dataset: gone means Redis lost its data (and every schedule with it). */
const EPOCH_KEY = `${QUEUE_PREFIX}:schedule:epoch`;

/**
 * Puts this process's schedules back whenever Redis answers again without
 * them: restarted without persistence or flushed, it lost every scheduler,
 * and the schedule would stop for good while every process looks alive. A
 * key set once per dataset tells that loss from a `--remove` (which leaves
 * it): only a dataset this process has not seen yet gets the schedules again.
 */
async function watchForLoss(
  queue: Queue<RunJobData>,
  scheduled: Scheduled[],
  display: string,
): Promise<void> {
  const client = await queue.waitUntilReady() as unknown as RedisCall & {
    on(event: "ready", listener: () => void): unknown;
  };
  const epoch = async () => {
    await client.call("SET", EPOCH_KEY, crypto.randomUUID(), "NX");
    return String(await client.call("GET", EPOCH_KEY));
  };
  let seen = await epoch();
  let restoring = Promise.resolve();
  client.on("ready", () => {
    restoring = restoring.then(async () => {
      const now = await client.call("GET", EPOCH_KEY);
      if (now !== null && String(now) === seen) return;
      seen = await epoch();
      log.warn(
        "the queue at {queue} came back without its schedules (Redis restarted without " +
          "persistence, or flushed): putting {n} workflow(s) back",
        { queue: display, n: scheduled.length },
      );
      // The runs going on here hold their locks again before any tick can come.
      for (const lock of RunLock.live) await lock.retake();
      for (const s of scheduled) await upsert(queue, s);
    }).catch((e) => log.warn("queue: putting the schedules back: {error}", { error: String(e) }));
  });
}

/** One scheduler per cron expression; ones left from a longer list are removed. */
async function upsert(queue: Queue<RunJobData>, s: Scheduled): Promise<void> {
  const ids = s.crons.map((_, i) => `${s.data.name}#${i}`);
  for (const [i, cron] of s.crons.entries()) {
    await upsertOne(queue, ids[i], cron, s);
  }
  const all = (await queue.getJobSchedulers()).map((old) => old.key ?? old.id ?? "");
  // Not another workflow's whose name starts the same (`night` and `night#ly`).
  for (const old of idsOf(all, s.data.name)) {
    if (!ids.includes(old)) await queue.removeJobScheduler(old);
  }
  const next = await queue.getJobScheduler(ids[0]);
  log.info("{name}: on the queue, next tick at {next}", {
    name: s.data.name,
    next: next?.next ? new Date(next.next).toISOString() : "?",
  });
}

/**
 * Creates or updates one scheduler. Two processes upserting the same one at
 * once may find the tick's job made by the other (BullMQ refuses to make it
 * twice): that is the point, the scheduler is there.
 */
async function upsertOne(queue: Queue<RunJobData>, id: string, cron: string, s: Scheduled) {
  try {
    await queue.upsertJobScheduler(
      id,
      { pattern: cron, ...(s.timezone ? { tz: s.timezone } : {}) },
      {
        name: s.data.name,
        data: s.data,
        opts: {
          removeOnComplete: { age: 24 * 3600, count: 1000 },
          removeOnFail: { age: 7 * 24 * 3600, count: 1000 },
        },
      },
    );
  } catch (e) {
    const made = /job ID already exists/.test(String(e)) && await queue.getJobScheduler(id);
    if (!made) throw e;
    log.debug("{id}: its tick was made by another scheduler", { id });
  }
}

/** A tick taken: run the workflow unless it is still running somewhere. */
async function takeTick(
  job: QueueJob<RunJobData>,
  queue: Queue<RunJobData>,
  lockMs: number,
  options: QueueScheduleOptions,
): Promise<{ status: string }> {
  const data = job.data;
  const tick = tickOf(job);
  const at = new Date(tick).toISOString();
  // Which copy of a tick's job this is, should a tick ever be taken twice.
  log.debug("{name}: job {id} taken (tick {at}, made {made}, started {n} time(s), stalled {s})", {
    name: data.name,
    id: job.id ?? "?",
    at,
    made: new Date(job.timestamp).toISOString(),
    n: job.attemptsStarted,
    s: job.stalledCounter,
  });
  if (job.stalledCounter > 0) {
    // BullMQ offers a scheduler's job again when its lock lapsed: the process
    // that took it died, or its event loop stood still past the lock time, or
    // a second copy of the job (see claimTick) finished and took the lock
    // with it. The tick was taken once: a live taker runs it, a dead one's
    // run is finished by the next tick's. Not claimed here, so a live taker
    // that has not claimed it yet still can.
    log.warn(
      "{name}: the tick at {at} is offered again (the scheduler that took it stopped or " +
        "stalled); not run again",
      { name: data.name, at },
    );
    return { status: "lost" };
  }
  const holder = await claimTick(queue, data.name, tick);
  if (holder !== undefined) {
    log.info(
      "{name}: the tick at {at} was taken already ({holder}); this copy of its job is dropped",
      {
        name: data.name,
        at,
        holder,
      },
    );
    options.onTick?.({ type: "drop", name: data.name, tick });
    return { status: "duplicate" };
  }
  const lock = await RunLock.take(queue, data.name, lockMs);
  if (!lock) {
    log.warn("{name}: previous run still going; the tick at {at} is skipped", {
      name: data.name,
      at,
    });
    options.onTick?.({ type: "skip", name: data.name, tick });
    return { status: "skipped" };
  }
  try {
    options.onTick?.({ type: "run", name: data.name, tick });
    const wf = await loadWorkflow(data.file, { ...options.load, source: data.text });
    log.info("{name}: run starting (tick {at})", { name: data.name, at });
    const report = await runOnQueue(
      wf,
      { ...options.run, signal: options.signal, jobs: data.jobs },
      { queue: options.url, source: yaml.parse(data.text) },
    );
    log.info("{name}: run {status} in {ms} ms (tick {at})", {
      name: data.name,
      status: report.status,
      ms: report.durationMs,
      at,
    });
    options.onReport?.(data.file, report);
    return { status: report.status };
  } finally {
    await lock.release();
  }
}

type RedisCall = { call(command: string, ...args: (string | number)[]): Promise<unknown> };

/** The queue's Redis connection and workflow `name`'s key `ferry:schedule:<kind>:<name>`. */
async function scheduleKey(
  queue: Queue<RunJobData>,
  kind: "ticks" | "running",
  name: string,
): Promise<[RedisCall, string]> {
  const client = await queue.client as unknown as RedisCall;
  return [client, `${QUEUE_PREFIX}:schedule:${kind}:${name}`];
}

/** Ticks remembered per workflow (the last ones; an older tick counts as taken). */
const TICKS_KEPT = 1000;
/** A workflow whose ticks stop (no scheduler has it) loses its record after this. */
const TICKS_TTL_MS = 30 * 24 * 3600_000;

/**
 * Takes a tick: its ms as a member `<ms> <holder>` of the workflow's sorted
 * set, scored by the ms. Nil when taken now, else who took it before (or why
 * it counts as taken: older than every tick kept).
 */
const CLAIM = `
local had = redis.call('zrangebyscore', KEYS[1], ARGV[1], ARGV[1], 'limit', 0, 1)
if #had > 0 then return had[1] end
local keep = tonumber(ARGV[3])
if redis.call('zcard', KEYS[1]) >= keep then
  local oldest = redis.call('zrange', KEYS[1], 0, 0, 'withscores')
  if tonumber(ARGV[1]) <= tonumber(oldest[2]) then
    return 'older than the ' .. keep .. ' ticks kept'
  end
end
redis.call('zadd', KEYS[1], ARGV[1], ARGV[1] .. ' ' .. ARGV[2])
redis.call('zremrangebyrank', KEYS[1], 0, -keep - 1)
redis.call('pexpire', KEYS[1], ARGV[4])
return false`;

let self: string | undefined;
/** This process, as a tick's holder is named: `host pid N`. */
function holderName(): string {
  if (self === undefined) {
    let host = "?";
    try {
      host = Deno.hostname();
    } catch { /* no --allow-sys: the pid alone */ }
    self = `${host} pid ${Deno.pid}`;
  }
  return self;
}

/**
 * Claims a workflow's tick for this process; who had it when another did.
 *
 * BullMQ may offer one tick's job twice: a scheduler upserted with a next
 * tick its client computed before the call, landing after another process
 * took that very tick, removes the scheduler's next job and makes the taken
 * tick's job again (addJobScheduler replaces an existing job id when it
 * removed the previous one). A stalled job is offered again too. The run
 * lock stops overlap, not a second run after the first ended: this claim,
 * taken before it in one atomic step, makes a tick run at most once
 * whatever BullMQ offers. Per workflow (not per cron expression): two
 * expressions that fall on one instant are one tick.
 */
async function claimTick(
  queue: Queue<RunJobData>,
  name: string,
  tick: number,
): Promise<string | undefined> {
  const [client, key] = await scheduleKey(queue, "ticks", name);
  const had = await client.call(
    "EVAL",
    CLAIM,
    1,
    key,
    String(tick),
    holderName(),
    TICKS_KEPT,
    TICKS_TTL_MS,
  );
  if (had === null || had === undefined) return undefined;
  const text = String(had);
  // A member is `<ms> <holder>`: say the holder.
  return text.startsWith(`${tick} `) ? `by ${text.slice(String(tick).length + 1)}` : text;
}

const RENEW = "if redis.call('get', KEYS[1]) == ARGV[1] then " +
  "return redis.call('pexpire', KEYS[1], ARGV[2]) else return 0 end";
const RELEASE = "if redis.call('get', KEYS[1]) == ARGV[1] then " +
  "return redis.call('del', KEYS[1]) else return 0 end";

/** Who runs a workflow now: a Redis key that expires unless its holder renews it. */
class RunLock {
  /** The locks this process holds now (taken again when Redis lost its data). */
  static readonly live = new Set<RunLock>();
  #timer?: ReturnType<typeof setInterval>;
  private constructor(
    readonly client: RedisCall,
    readonly key: string,
    readonly token: string,
    readonly lockMs: number,
  ) {
    RunLock.live.add(this);
    this.#timer = setInterval(() => {
      client.call("EVAL", RENEW, 1, key, token, lockMs).catch((e) =>
        log.warn("lock {key}: {error}", { key, error: String(e) })
      );
    }, Math.max(200, Math.floor(lockMs / 3)));
  }

  static async take(
    queue: Queue<RunJobData>,
    name: string,
    lockMs: number,
  ): Promise<RunLock | undefined> {
    const [client, key] = await scheduleKey(queue, "running", name);
    const token = crypto.randomUUID();
    const ok = await client.call("SET", key, token, "NX", "PX", lockMs);
    return ok === "OK" ? new RunLock(client, key, token, lockMs) : undefined;
  }

  /** Takes the lock again after Redis lost it (nobody else can have it yet). */
  async retake(): Promise<void> {
    await this.client.call("SET", this.key, this.token, "NX", "PX", this.lockMs);
  }

  async release(): Promise<void> {
    RunLock.live.delete(this);
    clearInterval(this.#timer);
    await this.client.call("EVAL", RELEASE, 1, this.key, this.token).catch((e) =>
      log.warn("lock {key}: {error}", { key: this.key, error: String(e) })
    );
  }
}
