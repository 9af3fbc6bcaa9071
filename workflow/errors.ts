/**
 * Errors of the workflow layer. Validation collects every problem with its
 * position instead of stopping at the first, so `ferry validate` can list them all.
 * @module
 */
import { FerryError } from "../util/errors.ts";

/** Where a problem sits in a workflow file (1-based, like editors count). */
export interface SourcePosition {
  /** The workflow file's path. */
  file: string;
  /** 1-based line. */
  line: number;
  /** 1-based column. */
  col: number;
}

/** One validation problem. */
export interface Problem extends SourcePosition {
  /** What is wrong there, for a person. */
  message: string;
}

/**
 * Formats a problem the way compilers do, so editors and terminals can jump to it.
 *
 * @example
 * ```ts
 * formatProblem({ file: "a.yaml", line: 3, col: 5, message: "unknown key" }); // "a.yaml:3:5: unknown key"
 * ```
 */
export function formatProblem(p: Problem): string {
  return `${p.file}:${p.line}:${p.col}: ${p.message}`;
}

/**
 * A workflow file that cannot run; `problems` lists all of them, in file order.
 *
 * @example
 * ```ts
 * try { await loadWorkflow("x.yaml"); } catch (e) {
 *   if (e instanceof WorkflowInvalidError) e.problems.forEach((p) => console.error(formatProblem(p)));
 * }
 * ```
 */
export class WorkflowInvalidError extends FerryError {
  /** Every problem found, in file order. */
  readonly problems: Problem[];
  /** Makes the error; its message is the first problem as `file:line:col: message`. */
  constructor(problems: Problem[]) {
    const first = problems[0] ? formatProblem(problems[0]) : "invalid workflow";
    const more = problems.length > 1 ? ` (and ${problems.length - 1} more)` : "";
    super(first + more, { code: "EWORKFLOW" });
    this.problems = problems;
  }
}

/** A plugin module could not be imported or does not export a plugin. */
export class PluginLoadError extends FerryError {
  /** The specifier as written (path or URL). */
  readonly plugin: string;
  /** Makes the error for `plugin`, saying `reason`. */
  constructor(plugin: string, reason: string, options: { cause?: unknown } = {}) {
    super(`plugin ${plugin}: ${reason}`, { code: "EPLUGIN", cause: options.cause });
    this.plugin = plugin;
  }
}

/** Credentials could not be resolved (missing env var, netrc entry, failing command...). */
export class AuthError extends FerryError {
  /** Makes the error; `cause` is what failed (a command, a missing file...). */
  constructor(message: string, options: { cause?: unknown } = {}) {
    super(message, { code: "EAUTH", cause: options.cause });
  }
}

/** A job failed after its retries. */
export class JobFailedError extends FerryError {
  /** The job's name in the workflow. */
  readonly job: string;
  /** Makes the error for `job`. */
  constructor(job: string, message: string, options: { cause?: unknown } = {}) {
    super(`job ${job}: ${message}`, { code: "EJOB", cause: options.cause });
    this.job = job;
  }
}

/** Another run (another process) holds a job of the same workflow: this one leaves it alone. */
export class JobRunningError extends FerryError {
  /** The lock file. */
  readonly lockFile: string;
  /** Makes the error; `holder` is what the lock file says of its holder. */
  constructor(workflow: string, job: string, lockFile: string, holder: string) {
    super(
      `job ${job} of workflow ${workflow} is already running (${holder}; lock file ` +
        `${lockFile}): left to that run`,
      { code: "ELOCKED" },
    );
    this.lockFile = lockFile;
  }
}

/** The run was stopped by a signal (Ctrl-C, SIGTERM) or an AbortSignal. */
export class InterruptedError extends FerryError {
  /** Makes the error (message "interrupted" unless given). */
  constructor(message = "interrupted", options: { cause?: unknown } = {}) {
    super(message, { code: "EINTR", cause: options.cause });
  }
}

/** A request that cannot be carried out as asked (unknown job name, bad argument). */
export class UsageError extends FerryError {
  /** Makes the error with the message a user sees. */
  constructor(message: string) {
    super(message, { code: "EUSAGE" });
  }
}
