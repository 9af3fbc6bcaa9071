/**
 * `ferry schedule`: runs workflows on their own cron schedules in the
 * foreground. A workflow never overlaps itself (a tick that finds the previous
 * run still going is skipped and logged); the file is re-read at every tick, so
 * edits apply without a restart (an invalid edit skips that run); next run
 * times are logged; aborting the signal stops the timers and lets running
 * runs stop cleanly.
 * @module
 */
import { Cron } from "../deps/croner.ts";
import { logger } from "../util/log.ts";
import { formatProblem, UsageError, WorkflowInvalidError } from "./errors.ts";
import { type LoadedWorkflow, type LoadOptions, loadWorkflow } from "./load.ts";
import type { WorkflowReport } from "./report.ts";
import { type RunOptions, runWorkflow } from "./run.ts";
import type { ScheduleConfig, WorkflowConfig } from "./types.ts";

const log = logger("workflow", "schedule");

/** A running timer: when it fires next, and how to stop it. */
export interface Timer {
  /** When it fires next, or null when it never will again. */
  nextRun(): Date | null;
  /** Stops it; it does not fire again. */
  stop(): void;
}

/** Makes a timer that calls `fire` at each time of a cron expression. */
export type TimerFactory = (
  expression: string,
  timezone: string | undefined,
  fire: () => void,
) => Timer;

/**
 * croner as the timer (the default).
 *
 * @example
 * ```ts
 * const t = cronTimer("0 3 * * *", "Europe/Berlin", () => console.log("3 am"));
 * t.stop();
 * ```
 */
export function cronTimer(
  expression: string,
  timezone: string | undefined,
  fire: () => void,
): Timer {
  const job = new Cron(expression, { timezone }, fire);
  return { nextRun: () => job.nextRun(), stop: () => job.stop() };
}

/** A workflow's schedule in its long form. */
export interface NormalizedSchedule {
  /** Cron expressions; the workflow runs when any fires. */
  crons: string[];
  /** IANA time zone the expressions are read in (default the system's). */
  timezone?: string;
  /** Run only these jobs (and what they need); all when absent. */
  jobs?: string[];
}

/**
 * The schedule of a workflow config in one shape, or undefined when it has none.
 *
 * @example
 * ```ts
 * normalizeSchedule({ schedule: "15 3 * * *" } as WorkflowConfig); // { crons: ["15 3 * * *"] }
 * ```
 */
export function normalizeSchedule(config: WorkflowConfig): NormalizedSchedule | undefined {
  const s = config.schedule;
  if (s === undefined) return undefined;
  if (typeof s === "string") return { crons: [s] };
  if (Array.isArray(s)) return { crons: s };
  const long = s as ScheduleConfig;
  return {
    crons: typeof long.cron === "string" ? [long.cron] : long.cron,
    timezone: long.timezone,
    jobs: long.jobs,
  };
}

/** Options of {@link scheduleWorkflows}. */
export interface ScheduleOptions {
  /** How each workflow is loaded. */
  load: LoadOptions;
  /** Passed to each run (its signal is the schedule's). */
  run?: Omit<RunOptions, "signal" | "jobs">;
  /** Stops the schedule; running runs get it too. */
  signal: AbortSignal;
  /** Hears each finished run. */
  onReport?: (file: string, report: WorkflowReport) => void;
  /** Timers (tests pass a fake). */
  timer?: TimerFactory;
}

interface Entry {
  file: string;
  name: string;
  schedule: NormalizedSchedule;
  timers: Timer[];
  running?: Promise<void>;
}

/**
 * Schedules every file's workflow and resolves once the signal is aborted and
 * running runs have ended. Throws {@link WorkflowInvalidError} when a file is
 * invalid at start, {@link UsageError} when one has no schedule.
 *
 * @example
 * ```ts
 * const stop = new AbortController();
 * Deno.addSignalListener("SIGINT", () => stop.abort());
 * await scheduleWorkflows(["nightly.yaml"], { load: { registry }, signal: stop.signal });
 * ```
 */
export async function scheduleWorkflows(files: string[], options: ScheduleOptions): Promise<void> {
  const timer = options.timer ?? cronTimer;
  const entries: Entry[] = [];
  const invalid: WorkflowInvalidError[] = [];
  for (const file of files) {
    try {
      const wf = await loadWorkflow(file, options.load);
      const schedule = normalizeSchedule(wf.config);
      if (!schedule) {
        throw new UsageError(
          `${file}: the workflow has no schedule: (add e.g. schedule: "15 3 * * *")`,
        );
      }
      entries.push({ file, name: wf.name, schedule, timers: [] });
    } catch (e) {
      if (e instanceof WorkflowInvalidError) invalid.push(e);
      else throw e;
    }
  }
  if (invalid.length > 0) throw new WorkflowInvalidError(invalid.flatMap((e) => e.problems));
  if (options.signal.aborted) return;

  const tick = (entry: Entry) => {
    if (options.signal.aborted) return;
    if (entry.running) {
      log.warn("{name}: previous run still going; this run is skipped", { name: entry.name });
      return;
    }
    entry.running = runOnce(entry, options).finally(() => {
      entry.running = undefined;
      logNext(entry);
    });
  };
  for (const entry of entries) {
    entry.timers = entry.schedule.crons.map((c) =>
      timer(c, entry.schedule.timezone, () => tick(entry))
    );
    logNext(entry);
  }
  await new Promise<void>((resolve) => {
    options.signal.addEventListener("abort", () => resolve(), { once: true });
  });
  for (const entry of entries) for (const t of entry.timers) t.stop();
  await Promise.allSettled(entries.map((e) => e.running));
  log.info("schedule stopped");
}

async function runOnce(entry: Entry, options: ScheduleOptions): Promise<void> {
  let wf: LoadedWorkflow;
  try {
    // Re-read at every run: an edited file applies from its next run on.
    wf = await loadWorkflow(entry.file, options.load);
  } catch (e) {
    if (e instanceof WorkflowInvalidError) {
      for (const p of e.problems) log.error("{problem}", { problem: formatProblem(p) });
      log.error("{name}: the file is invalid now; this run is skipped", { name: entry.name });
    } else log.error("{name}: cannot load: {error}", { name: entry.name, error: String(e) });
    return;
  }
  entry.schedule = normalizeSchedule(wf.config) ?? entry.schedule;
  log.info("{name}: run starting", { name: entry.name });
  try {
    const report = await runWorkflow(wf, {
      ...options.run,
      signal: options.signal,
      jobs: entry.schedule.jobs,
    });
    log.info("{name}: run {status} in {ms} ms", {
      name: entry.name,
      status: report.status,
      ms: report.durationMs,
    });
    options.onReport?.(entry.file, report);
  } catch (e) {
    log.error("{name}: run failed: {error}", {
      name: entry.name,
      error: wf.secrets.redact(String(e)),
    });
  }
}

function logNext(entry: Entry): void {
  const next = entry.timers.map((t) => t.nextRun()).filter((d): d is Date => d !== null)
    .sort((a, b) => a.getTime() - b.getTime())[0];
  if (next) log.info("{name}: next run at {next}", { name: entry.name, next: next.toISOString() });
}
