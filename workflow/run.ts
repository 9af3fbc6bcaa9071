/**
 * Running a loaded workflow: the `needs` DAG with independent jobs in parallel
 * (bounded), job-level retries with back-off on temporary failures, dry runs,
 * timeouts, and a clean stop when the signal is aborted (Ctrl-C). Every job's
 * result lands in one {@link WorkflowReport}, with secrets redacted.
 * @module
 */
import { backoffDelay, isTemporary } from "../sync/retry.ts";
import type { PlanExecutor } from "../sync/execute.ts";
import { StateDirError, StateStore } from "../sync/state.ts";
import type { Endpoint } from "../endpoint/types.ts";
import { logger } from "../util/log.ts";
import { selectJobs } from "./dag.ts";
import { firstMissing, type UpstreamTarget, upstreamTargets } from "./dry_run.ts";
import { EndpointPool } from "./endpoints.ts";
import { JobRunningError, UsageError } from "./errors.ts";
import { tryLockFile } from "../util/lock.ts";
import type { LoadedWorkflow } from "./load.ts";
import type { JobContext, JobKind } from "./plugin.ts";
import {
  addCounts,
  emptyCounts,
  type JobOutcome,
  type JobResult,
  type RunEvent,
  type WorkflowReport,
} from "./report.ts";
import { splitTarget } from "./target.ts";
import type { JobSpec } from "./types.ts";
import { parseDuration } from "../util/units.ts";
import { resolve } from "../util/paths.ts";

const log = logger("workflow", "run");

/** Defaults for options a job and `defaults:` leave out. */
export const JOB_DEFAULTS = { retries: 3, retryDelayMs: 1000, parallel: 4 } as const;

/** Options of {@link runWorkflow}. */
export interface RunOptions {
  /** Dry run for every job (a job's own `dryRun: true` also makes it one). */
  dryRun?: boolean;
  /** Run only these jobs (and what they need); default all. */
  jobs?: string[];
  /** Jobs running at once (default 2). */
  concurrency?: number;
  /** Abort to stop: running jobs stop cleanly, the rest are skipped. */
  signal?: AbortSignal;
  /** Hears every event (progress displays, NDJSON logs). Must not throw. */
  onEvent?: (event: RunEvent) => void;
  /** Whether auth methods may prompt (default: stdin is a terminal). */
  interactive?: boolean;
  /** Reads an environment variable (default `Deno.env.get`). */
  env?: (name: string) => string | undefined;
  /** Override `parallel` for every job. */
  parallel?: number;
  /** Override `segments` for every job. */
  segments?: number;
  /**
   * One run of each job at a time across processes (`ferry run FILE`, where
   * cron runs may overlap): a job whose lock (`<state>/<workflow>.<job>-<tag
   * of its resolved options and endpoint URLs>.lock`, an OS lock freed when
   * its process dies) another run holds fails at once, naming that run, and
   * leaves the trees to it. The same file run with other `${env:...}` values
   * is another job. Dry runs take no lock.
   */
  exclusive?: boolean;
  /** Waits between retries (tests pass a fake). */
  sleep?: (ms: number, signal: AbortSignal) => Promise<void>;
  /**
   * Where each job's plans are carried out (default: in this process). Given
   * the job and the run's endpoint names (by opened endpoint), it returns an
   * executor, e.g. a queue of workers (workflow/queue).
   */
  executor?: ExecutorFactory;
}

/** Makes the plan executor of one job of a run (see {@link RunOptions.executor}). */
export type ExecutorFactory = (
  job: JobSpec,
  endpointName: (endpoint: Endpoint) => string | undefined,
) => PlanExecutor | undefined;

/**
 * Runs a workflow and returns its report; never throws for job failures (they
 * are in the report), only for usage errors such as an unknown job name.
 *
 * @example
 * ```ts
 * const wf = await loadWorkflow("nightly.yaml", { registry });
 * const report = await runWorkflow(wf, { dryRun: true });
 * Deno.exit(exitCodeFor(report));
 * ```
 */
export async function runWorkflow(
  wf: LoadedWorkflow,
  options: RunOptions = {},
): Promise<WorkflowReport> {
  const started = new Date();
  const outer = options.signal ?? new AbortController().signal;
  const emit = (event: RunEvent) => {
    try {
      options.onEvent?.(wf.secrets.redactDeep(event));
    } catch (e) {
      log.debug("event listener failed: {error}", { error: String(e) });
    }
  };
  const byName = new Map(wf.jobs.map((j) => [j.name, j]));
  for (const name of options.jobs ?? []) {
    if (!byName.has(name)) {
      throw new UsageError(
        `unknown job ${JSON.stringify(name)} (jobs: ${[...byName.keys()].join(", ")})`,
      );
    }
  }
  const needs = new Map(wf.jobs.map((j) => [j.name, j.needs]));
  const kindKeys = (kind: string) => wf.registry.jobKinds.get(kind)?.item;
  const selected = selectJobs(needs, options.jobs).map((n) => byName.get(n)!);
  const dryRunOf = (job: JobSpec) =>
    options.dryRun === true || job.config.dryRun === true ||
    (job.config.dryRun === undefined && wf.config.defaults?.dryRun === true);
  const wet = endpointsOf(wf, selected.filter((j) => !dryRunOf(j)));

  const pool = new EndpointPool(wf.config.endpoints ?? {}, {
    registry: wf.registry,
    secrets: wf.secrets,
    env: options.env ?? ((n) => Deno.env.get(n)),
    interactive: options.interactive ?? Deno.stdin.isTerminal(),
    baseDir: wf.baseDir,
    signal: outer,
    create: endpointsOf(wf, selected.filter((j) => !dryRunOf(j)), "writes"),
    dryOnly: new Set([...endpointsOf(wf, selected)].filter((name) => !wet.has(name))),
    stateDir: resolve(wf.baseDir, wf.config.state ?? ".ferry"),
  });
  try {
    await pool.promptFirst(endpointsOf(wf, selected));
  } catch (e) {
    await pool.closeAll();
    throw e;
  }
  emit({
    type: "run-start",
    workflow: wf.name,
    jobs: selected.map((j) => j.name),
    dryRun: options.dryRun ?? false,
  });
  log.info("workflow {name}: {count} job(s){dry}", {
    name: wf.name,
    count: selected.length,
    dry: options.dryRun ? " (dry run)" : "",
  });

  const states = new StatePool();
  const results = new Map<string, JobResult>();
  const running = new Map<string, Promise<void>>();
  const limit = Math.max(1, options.concurrency ?? 2);
  try {
    while (results.size < selected.length) {
      for (const job of selected) {
        if (results.has(job.name) || running.has(job.name)) continue;
        if (outer.aborted) {
          const result = skipped(job, "the run was interrupted");
          results.set(job.name, result);
          emit({ type: "job-end", job: job.name, result });
          continue;
        }
        const blocked = job.needs.map((n) => results.get(n)).find((r) => r && r.status !== "ok");
        if (blocked) {
          const result = skipped(
            job,
            `needs ${blocked.job}, which ${
              blocked.status === "skipped" ? "was skipped" : blocked.status
            }`,
          );
          results.set(job.name, result);
          emit({ type: "job-end", job: job.name, result });
          continue;
        }
        const ready = job.needs.every((n) => results.get(n)?.status === "ok" || !byName.has(n));
        if (!ready || running.size >= limit) continue;
        const dry = dryRunOf(job);
        const upstream = dry
          ? upstreamTargets(job, byName, kindKeys, (n) => dryRunOf(byName.get(n)!))
          : [];
        const run = () =>
          runJob(wf, job, { ...options, dryRun: dry, signal: outer, upstream }, pool, states, emit);
        running.set(
          job.name,
          (options.exclusive && !dry ? exclusively(wf, job, run) : run())
            .then((result) => {
              results.set(job.name, result);
              running.delete(job.name);
              emit({ type: "job-end", job: job.name, result });
            }),
        );
      }
      if (results.size >= selected.length) break;
      if (running.size === 0) {
        // Nothing runs and nothing can start: only possible with a cycle, which
        // validation rules out; do not spin.
        for (const job of selected) {
          if (!results.has(job.name)) {
            results.set(job.name, skipped(job, "its needs can never be met"));
          }
        }
        break;
      }
      await Promise.race(running.values());
    }
  } finally {
    await Promise.allSettled(running.values());
    await pool.closeAll();
    states.closeAll();
  }

  const jobs = selected.map((j) => results.get(j.name)!);
  const finished = new Date();
  const report: WorkflowReport = wf.secrets.redactDeep({
    workflow: wf.name,
    file: wf.file,
    dryRun: selected.length > 0 && selected.every(dryRunOf),
    status: outer.aborted || jobs.some((j) => j.status === "interrupted")
      ? "interrupted"
      : jobs.every((j) => j.status === "ok")
      ? "ok"
      : "failed",
    startedAt: started.toISOString(),
    finishedAt: finished.toISOString(),
    durationMs: finished.getTime() - started.getTime(),
    totals: jobs.reduce((t, j) => addCounts(t, j.counts), emptyCounts()),
    jobs,
  });
  emit({ type: "run-end", report });
  return report;
}

/** Runs a job holding its lock (see {@link RunOptions.exclusive}), or fails it when taken. */
async function exclusively(
  wf: LoadedWorkflow,
  job: JobSpec,
  run: () => Promise<JobResult>,
): Promise<JobResult> {
  const safe = (s: string) => s.replace(/[^A-Za-z0-9_.-]/g, "_");
  // What the job touches, as resolved from the environment: one file run with other values
  // (`${env:...}` in its targets or URLs) is another job and runs beside it. URLs without any
  // password; only a short hash of them names the file.
  const urls = Object.entries(wf.config.endpoints ?? {}).map((
    [name, e],
  ) => [
    name,
    String((e as { url?: unknown }).url ?? "").replace(/\/\/([^/@:]*):[^/@]*@/, "//$1@"),
  ]);
  const what = tagOf(JSON.stringify([wf.baseDir, job.kind, job.options, urls]));
  const stateDir = resolve(wf.baseDir, wf.config.state ?? ".ferry");
  const file = resolve(stateDir, `${safe(wf.name)}.${safe(job.name)}-${what}.lock`);
  let got;
  try {
    got = tryLockFile(file);
  } catch (error) {
    // The state directory's path holds a file: named (Deno's own says "File exists ... mkdir").
    throw error instanceof Deno.errors.AlreadyExists ? new StateDirError(stateDir, error) : error;
  }
  if ("holder" in got) {
    const message = new JobRunningError(wf.name, job.name, file, got.holder).message;
    logger("job", job.name).error("{message}", { message });
    return {
      job: job.name,
      kind: job.kind,
      status: "failed",
      startedAt: new Date().toISOString(),
      durationMs: 0,
      attempts: 0,
      counts: emptyCounts(),
      errors: [message],
    };
  }
  try {
    return await run();
  } finally {
    got.release();
  }
}

/** FNV-1a, 32 bits, as 8 hex digits: a short file-name-safe tag. */
function tagOf(text: string): string {
  let h = 0x811c9dc5;
  for (const byte of new TextEncoder().encode(text)) {
    h ^= byte;
    h = Math.imul(h, 0x01000193) >>> 0;
  }
  return h.toString(16).padStart(8, "0");
}

function skipped(job: JobSpec, reason: string): JobResult {
  return {
    job: job.name,
    kind: job.kind,
    status: "skipped",
    reason,
    durationMs: 0,
    attempts: 0,
    counts: emptyCounts(),
    errors: [],
  };
}

/**
 * Endpoint names the jobs use (`targets`), or write to (`writes`: their local
 * roots may be created).
 */
function endpointsOf(
  wf: LoadedWorkflow,
  jobs: JobSpec[],
  which: "targets" | "writes" = "targets",
): Set<string> {
  const out = new Set<string>();
  for (const job of jobs) {
    const kind = wf.registry.jobKinds.get(job.kind)?.item;
    const options = (job.options ?? {}) as Record<string, unknown>;
    for (const key of kind?.[which] ?? []) {
      const ref = options[key];
      if (typeof ref === "string") out.add(splitTarget(ref).endpoint);
    }
  }
  return out;
}

async function runJob(
  wf: LoadedWorkflow,
  job: JobSpec,
  options: RunOptions & {
    dryRun: boolean;
    signal: AbortSignal;
    /** A dry run's reads that a dry job it needs would write (see workflow/dry_run.ts). */
    upstream: UpstreamTarget[];
  },
  pool: EndpointPool,
  states: StatePool,
  emit: (event: RunEvent) => void,
): Promise<JobResult> {
  // deno-lint-ignore no-explicit-any
  const kind = wf.registry.jobKinds.get(job.kind)?.item as JobKind<any>;
  const defaults = wf.config.defaults ?? {};
  const retries = job.config.retries ?? defaults.retries ?? JOB_DEFAULTS.retries;
  const retryDelay = job.config.retryDelay ?? defaults.retryDelay;
  const baseDelayMs = retryDelay === undefined
    ? JOB_DEFAULTS.retryDelayMs
    : parseDuration(retryDelay);
  const timeout = job.config.timeout ?? defaults.timeout;
  const chosenParallel = options.parallel ?? job.config.parallel ?? defaults.parallel;
  const parallel = chosenParallel ?? JOB_DEFAULTS.parallel;
  const segments = options.segments ?? job.config.segments ?? defaults.segments;
  const jobLog = logger("job", job.name);
  const started = new Date();
  const result: JobResult = {
    job: job.name,
    kind: job.kind,
    status: "ok",
    startedAt: started.toISOString(),
    durationMs: 0,
    attempts: 0,
    counts: emptyCounts(),
    errors: [],
  };
  const timeoutSignal = timeout === undefined
    ? undefined
    : AbortSignal.timeout(parseDuration(timeout));
  const signal = timeoutSignal ? AbortSignal.any([options.signal, timeoutSignal]) : options.signal;
  const sleep = options.sleep ?? abortableSleep;
  const stateDir = resolve(wf.baseDir, wf.config.state ?? ".ferry");
  const ctx: JobContext = {
    job: job.name,
    kind: job.kind,
    dryRun: options.dryRun,
    parallel,
    parallelSet: chosenParallel !== undefined,
    segments,
    retries,
    retryDelayMs: baseDelayMs,
    signal,
    log: jobLog,
    endpoint: (name) => pool.get(name),
    target: async (ref) => {
      const t = splitTarget(ref);
      return { name: t.endpoint, path: t.path, endpoint: await pool.get(t.endpoint) };
    },
    stateDir,
    state: (path) => states.get(path === ":memory:" ? path : resolve(stateDir, path ?? "state.db")),
    baseDir: wf.baseDir,
    emit,
    secrets: wf.secrets,
    executor: options.executor?.(job, (ep) => pool.nameOf(ep)),
  };

  for (let attempt = 1;; attempt++) {
    result.attempts = attempt;
    emit({ type: "job-start", job: job.name, kind: job.kind, attempt, dryRun: options.dryRun });
    jobLog.info("{kind} starting{dry}{attempt}", {
      kind: job.kind,
      dry: options.dryRun ? " (dry run)" : "",
      attempt: attempt > 1 ? ` (attempt ${attempt})` : "",
    });
    try {
      signal.throwIfAborted();
      const missing = await firstMissing(options.upstream, (name) => pool.get(name));
      if (missing) {
        // Nothing to plan yet: the dry run did not make what this job reads.
        result.reason = `${missing.ref} does not exist yet: ${missing.writer} would create it`;
        jobLog.info("{reason} (dry run)", { reason: result.reason });
        break;
      }
      const outcome: JobOutcome = await kind.run(job.options, ctx);
      result.counts = addCounts(emptyCounts(), outcome.counts);
      result.errors = outcome.errors ?? [];
      if (outcome.details !== undefined) result.details = outcome.details;
      if (outcome.plan !== undefined) result.plan = outcome.plan;
      if (options.signal.aborted) {
        // The kind stopped early and cleanly; what it did is in the counts.
        result.status = "interrupted";
        result.reason = "interrupted";
      } else if (timeoutSignal?.aborted) {
        result.status = "failed";
        result.reason = `timed out after ${timeout}${typeof timeout === "number" ? "s" : ""}`;
      } else if (result.errors.length > 0 || result.counts.filesFailed > 0) {
        result.status = "failed";
        result.reason = `${result.errors.length || result.counts.filesFailed} error(s)`;
      }
      break;
    } catch (error) {
      const message = wf.secrets.redact(error instanceof Error ? error.message : String(error));
      if (options.signal.aborted) {
        result.status = "interrupted";
        result.reason = "interrupted";
        break;
      }
      if (timeoutSignal?.aborted) {
        result.status = "failed";
        result.reason = `timed out after ${timeout}${typeof timeout === "number" ? "s" : ""}`;
        result.errors = [result.reason];
        break;
      }
      if (attempt <= retries && isTemporary(error)) {
        const delayMs = backoffDelay(attempt, { baseDelayMs });
        emit({ type: "job-retry", job: job.name, attempt: attempt + 1, delayMs, error: message });
        jobLog.warn("temporary failure, retrying in {delayMs} ms: {message}", { delayMs, message });
        try {
          await sleep(delayMs, signal);
          continue;
        } catch {
          result.status = "interrupted";
          result.reason = "interrupted";
          break;
        }
      }
      result.status = "failed";
      result.reason = message;
      result.errors = [message];
      jobLog.error("failed: {message}", { message });
      break;
    }
  }
  result.durationMs = Date.now() - started.getTime();
  jobLog.info("{status} in {ms} ms", { status: result.status, ms: result.durationMs });
  return wf.secrets.redactDeep(result);
}

/** State databases of one run, by absolute path. */
class StatePool {
  readonly #open = new Map<string, StateStore>();
  get(path: string): StateStore {
    let store = this.#open.get(path);
    if (!store) {
      store = StateStore.open(path);
      this.#open.set(path, store);
    }
    return store;
  }
  closeAll(): void {
    for (const store of this.#open.values()) {
      try {
        store.close();
      } catch (e) {
        log.debug("closing state {error}", { error: String(e) });
      }
    }
    this.#open.clear();
  }
}

function abortableSleep(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal.aborted) return reject(signal.reason);
    const timer = setTimeout(() => {
      signal.removeEventListener("abort", onAbort);
      resolve();
    }, ms);
    const onAbort = () => {
      clearTimeout(timer);
      reject(signal.reason);
    };
    signal.addEventListener("abort", onAbort, { once: true });
  });
}
