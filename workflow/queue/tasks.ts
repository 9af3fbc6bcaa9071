/**
 * Splitting a job's plan into queue tasks, and the data that travels through
 * Redis: endpoint *names*, roots and plan actions, never an open connection or
 * a credential. Pure functions; the queue I/O is in coordinator.ts / worker.ts.
 *
 * A plan is cut where its order matters: a run of copies (transfers, symlinks,
 * mtimes) becomes parallel tasks batched by directory and bytes; the
 * non-copy actions that follow them (deletions, stale partials) become the
 * flow's parent, which BullMQ runs only after every child; non-copy actions
 * before any copy (replaced entries, mkdirs) form a stage of their own.
 * @module
 */
import type { Endpoint } from "../../endpoint/types.ts";
import type { ActionOutcome, Lanes } from "../../sync/execute.ts";
import type { Action } from "../../sync/plan.ts";
import type { JobReport } from "../../sync/report.ts";
import type { RetryOptions } from "../../sync/retry.ts";
import type { SegmentState } from "../../sync/segments.ts";
import type { VerifyMode } from "../../sync/verify.ts";
import { redactUrl } from "../../util/redact.ts";

/** One lane by endpoint names (see sync/execute.ts `Lane`). */
export interface LaneRef {
  src: string;
  srcRoot: string;
  dst: string;
  dstRoot: string;
}

/** Lanes by names, as {@link Lanes} holds them by open endpoints. */
export type LaneRefs = Partial<Record<"target" | "a" | "b", LaneRef>>;

/** What a worker needs to open a run's endpoints itself (with its own credentials). */
export interface WorkflowRef {
  /** The workflow file as the coordinator named it (for messages). */
  file: string;
  /** Where relative local paths resolve (must mean the same on every worker). */
  baseDir: string;
  /**
   * The workflow as written, before `${env:...}` is filled in: workers
   * interpolate it with their own environment, so secrets stay on them.
   */
  source: Record<string, unknown>;
  /**
   * Each endpoint's URL as the coordinator resolved it: a worker whose own
   * resolution differs refuses the run's tasks (see {@link urlMismatches}).
   */
  urls?: Record<string, string>;
}

/**
 * An endpoint URL as compared between coordinator and worker: without a
 * password (none should be there; none travels).
 *
 * @example
 * ```ts
 * urlIdentity("ftp://bob:pw@h:2121/x"); // "ftp://bob@h:2121/x"
 * urlIdentity("./data");               // "./data"
 * urlIdentity("ftp://bob:p/w@h/x");     // "ftp://bob:***@h/x" (not a URL: masked all the same)
 * ```
 */
export function urlIdentity(url: string): string {
  if (!/^[a-z][a-z0-9+.-]*:\/\//i.test(url)) return url;
  try {
    const u = new URL(url);
    u.password = "";
    return u.toString();
  } catch {
    // Not a URL after all (a password with '/' or '#' breaks it): no password in it either.
    return redactUrl(url);
  }
}

/**
 * Each endpoint's URL by name, for {@link WorkflowRef.urls}.
 *
 * @example
 * ```ts
 * endpointUrls({ src: { url: "./a" } }); // { src: "./a" }
 * ```
 */
export function endpointUrls(
  endpoints: Record<string, { url: string }> | undefined,
): Record<string, string> {
  return Object.fromEntries(
    Object.entries(endpoints ?? {}).map(([name, e]) => [name, urlIdentity(e.url)]),
  );
}

/**
 * Where a worker's endpoints differ from the coordinator's (its plan would be
 * carried out on another tree: a mirror's deletions somewhere else), one
 * line per endpoint; empty when they agree.
 *
 * @example
 * ```ts
 * urlMismatches({ dst: "./out" }, { dst: "./other" });
 * // ['endpoint dst is "./other" on this worker but "./out" on the coordinator']
 * ```
 */
export function urlMismatches(
  coordinator: Record<string, string>,
  worker: Record<string, string>,
): string[] {
  return Object.entries(coordinator)
    .filter(([name, url]) => worker[name] !== url)
    .map(([name, url]) =>
      `endpoint ${name} is ${JSON.stringify(worker[name] ?? null)} on this worker but ` +
      `${JSON.stringify(url)} on the coordinator`
    );
}

/**
 * Why a worker cannot carry out `data` (a task of another ferry version, or
 * not a ferry task at all); undefined when it can. `retry` is whether another
 * worker might (a task of another version: a worker of that version may take
 * the next attempt); not a task at all fails at once.
 *
 * @example
 * ```ts
 * taskFormatProblem({ v: 2, run: "r", job: "j" });
 * // { message: "task of job j (run r) is format v2, ...", retry: true }
 * ```
 */
export function taskFormatProblem(data: unknown): { message: string; retry: boolean } | undefined {
  const d = data as Partial<Record<keyof TaskData, unknown>> | null;
  if (!d || typeof d !== "object" || Array.isArray(d)) {
    return { message: `not a ferry task: its data is ${JSON.stringify(data)}`, retry: false };
  }
  const of = typeof d.job === "string" && typeof d.run === "string"
    ? `task of job ${d.job} (run ${d.run})`
    : "task";
  if (d.v !== 1) {
    return {
      message: `${of} is format v${JSON.stringify(d.v ?? null)}, from another ferry version; ` +
        "this worker reads v1: run the workers and the coordinator of one ferry version",
      retry: true,
    };
  }
  const missing = ["run", "job", "workflow", "lanes", "actions", "indexes", "options"]
    .filter((k) => d[k as keyof TaskData] === undefined || d[k as keyof TaskData] === null);
  const w = d.workflow as Partial<WorkflowRef> | undefined;
  if (w && (typeof w !== "object" || typeof w.source !== "object" || w.source === null)) {
    missing.push("workflow.source");
  }
  if (!Array.isArray(d.actions) && !missing.includes("actions")) missing.push("actions");
  if (missing.length > 0) {
    return { message: `${of} is not a ferry v1 task: no ${missing.join(", ")}`, retry: false };
  }
  return undefined;
}

/** The data of one task (a BullMQ job of the tasks queue). */
export interface TaskData {
  v: 1;
  /** The run (a coordinator's run of a workflow) and the workflow job. */
  run: string;
  job: string;
  workflow: WorkflowRef;
  lanes: LaneRefs;
  actions: Action[];
  /** Index of each action in the job's plan. */
  indexes: number[];
  options: TaskOptions;
  /** A segment task: one byte range of the transfer `actions[0]` (see segment_tasks.ts). */
  segment?: SegmentRef;
  /** A file's final task, the parent of its segment tasks: verify and rename. */
  finish?: { state: SegmentState };
}

/** One byte range `[start, end)` of a file, `done` bytes from `start` written before it was sent. */
export interface SegmentRef {
  /** Index in the file's segment plan. */
  index: number;
  start: number;
  end: number;
  done: number;
}

/** Execute options that travel with a task. */
export interface TaskOptions {
  parallel?: number;
  retry?: RetryOptions;
  verify?: VerifyMode;
  statUnsetMtime?: boolean;
  /** Transfers of this job that failed in earlier stages (deletions are held back). */
  failedBefore?: number;
}

/** What a task gives back: its part of the report and one outcome per action. */
export interface TaskResult {
  report: ReportPart;
  outcomes: OutcomeRef[];
  /** Transfers and symlinks of this task that failed. */
  failedCopies: number;
}

/** The countable part of a job report. */
export type ReportPart = Pick<
  JobReport,
  | "files"
  | "bytes"
  | "dirsCreated"
  | "dirsDeleted"
  | "resumed"
  | "retries"
  | "errors"
  | "warnings"
  | "deletesBlocked"
>;

/** An outcome as JSON (dates as ISO strings). */
export interface OutcomeRef {
  /** Index in the job's plan. */
  i: number;
  ok: boolean;
  error?: string;
  transfer?: ActionOutcome["transfer"];
  dstStat?: { type: string; size: number; mtime?: string };
}

/** A stage: tasks that run at once, then (optionally) one that runs after all of them. */
export interface Stage {
  children: number[][];
  parent: number[];
}

/** Limits of one task. */
export interface BatchLimits {
  /** Most files in one task (default 200). */
  files?: number;
  /** Most bytes in one task (default 256 MiB); a bigger file gets a task of its own. */
  bytes?: number;
}

const isCopy = (a: Action) => a.op === "transfer" || a.op === "symlink" || a.op === "setMtime";

/**
 * Cuts a plan into stages (skips are left out: the coordinator counts them).
 *
 * @example
 * ```ts
 * const stages = planStages(plan.actions, { files: 100 });
 * // [{ children: [], parent: [mkdirs...] }, { children: [[copies...], ...], parent: [deletes...] }]
 * ```
 */
export function planStages(actions: Action[], limits: BatchLimits = {}): Stage[] {
  const stages: Stage[] = [];
  let copies: number[] = [];
  let rest: number[] = [];
  const flush = () => {
    if (copies.length > 0 || rest.length > 0) {
      stages.push({ children: batch(actions, copies, limits), parent: rest });
    }
    copies = [];
    rest = [];
  };
  actions.forEach((a, i) => {
    if (a.op === "skip") return;
    if (isCopy(a)) {
      // Copies after non-copies: those non-copies must finish first.
      if (rest.length > 0) flush();
      copies.push(i);
    } else {
      rest.push(i);
    }
  });
  flush();
  return stages;
}

/**
 * Groups copy actions into tasks: by directory (files of one directory
 * together, in plan order), closing a task at `files` entries or `bytes`.
 *
 * @example
 * ```ts
 * batch(actions, [0, 1, 2], { files: 2 }); // [[0, 1], [2]]
 * ```
 */
export function batch(actions: Action[], indexes: number[], limits: BatchLimits = {}): number[][] {
  const maxFiles = Math.max(1, limits.files ?? 200);
  const maxBytes = Math.max(1, limits.bytes ?? 256 * 1024 * 1024);
  const byDir = new Map<string, number[]>();
  for (const i of indexes) {
    const path = actions[i].path;
    const dir = path.includes("/") ? path.slice(0, path.lastIndexOf("/")) : "";
    byDir.set(dir, [...(byDir.get(dir) ?? []), i]);
  }
  const out: number[][] = [];
  let current: number[] = [];
  let bytes = 0;
  for (const group of byDir.values()) {
    for (const i of group) {
      const a = actions[i];
      const size = a.op === "transfer" ? a.size : 0;
      if (current.length > 0 && (current.length >= maxFiles || bytes + size > maxBytes)) {
        out.push(current);
        current = [];
        bytes = 0;
      }
      current.push(i);
      bytes += size;
    }
  }
  if (current.length > 0) out.push(current);
  return out;
}

/**
 * Adds a task's counts into the job's report.
 *
 * @example
 * ```ts
 * mergeReport(report, result.report);
 * ```
 */
export function mergeReport(into: JobReport, part: ReportPart): void {
  for (const k of ["transferred", "skipped", "deleted", "failed"] as const) {
    into.files[k] += part.files[k];
  }
  for (const k of ["transferred", "skipped", "deleted"] as const) into.bytes[k] += part.bytes[k];
  into.dirsCreated += part.dirsCreated;
  into.dirsDeleted += part.dirsDeleted;
  into.resumed += part.resumed;
  into.retries += part.retries;
  into.errors.push(...part.errors);
  into.warnings.push(...part.warnings);
  if (part.deletesBlocked !== undefined) into.deletesBlocked ??= part.deletesBlocked;
}

/**
 * The countable part of a report (what a task sends back).
 *
 * @example
 * ```ts
 * reportPart(newReport("mirror")).files.transferred; // 0
 * ```
 */
export function reportPart(r: JobReport): ReportPart {
  const { files, bytes, dirsCreated, dirsDeleted, resumed, retries, errors, warnings } = r;
  return {
    files,
    bytes,
    dirsCreated,
    dirsDeleted,
    resumed,
    retries,
    errors,
    warnings,
    ...(r.deletesBlocked !== undefined ? { deletesBlocked: r.deletesBlocked } : {}),
  };
}

/**
 * Lanes by endpoint names; throws when an endpoint has no name in the run
 * (one opened outside the workflow's endpoints cannot be opened by a worker).
 *
 * @example
 * ```ts
 * laneRefs({ target: lane }, (ep) => pool.nameOf(ep)); // { target: { src: "origin", ... } }
 * ```
 */
export function laneRefs(
  lanes: Lanes,
  nameOf: (endpoint: Endpoint) => string | undefined,
): LaneRefs {
  const out: LaneRefs = {};
  for (const side of ["target", "a", "b"] as const) {
    const lane = lanes[side];
    if (!lane) continue;
    const src = nameOf(lane.src);
    const dst = nameOf(lane.dst);
    if (src === undefined || dst === undefined) {
      throw new Error(`lane ${side}: an endpoint that is not one of the workflow's endpoints`);
    }
    out[side] = { src, srcRoot: lane.srcRoot, dst, dstRoot: lane.dstRoot };
  }
  return out;
}
