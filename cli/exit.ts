/**
 * Exit codes, and which error means which.
 * @module
 */
import { FerryError } from "../util/errors.ts";
import { StdoutClosedError } from "./output_closed.ts";
import {
  AuthError,
  InterruptedError,
  PluginLoadError,
  UsageError,
  WorkflowInvalidError,
} from "../workflow/errors.ts";

/** The exit codes ferry uses. */
export const Exit = {
  ok: 0,
  /** Some job or file failed, or an operation failed. */
  failed: 1,
  /** Invalid input or usage: nothing was executed. */
  usage: 2,
  /** Stopped by Ctrl-C (SIGINT), or by an abort; SIGTERM makes it 143 (see signals.ts). */
  interrupted: 130,
  /** stdout's reader went away (`ferry schema | head`): 128 + SIGPIPE, as a shell shows it. */
  outputClosed: 141,
} as const;

/**
 * The exit code for an error that ended a command.
 *
 * @example
 * ```ts
 * exitCodeForError(new UsageError("unknown job x")); // 2
 * ```
 */
export function exitCodeForError(error: unknown): number {
  if (isCommanderError(error)) return error.exitCode === 0 ? Exit.ok : Exit.usage;
  if (
    error instanceof WorkflowInvalidError || error instanceof UsageError ||
    error instanceof PluginLoadError ||
    // Credentials that cannot be had (an unset variable, a missing netrc entry)
    // stop a command before it touches anything.
    error instanceof AuthError
  ) return Exit.usage;
  if (error instanceof InterruptedError) return Exit.interrupted;
  if (error instanceof StdoutClosedError) return Exit.outputClosed;
  if (error instanceof DOMException && error.name === "AbortError") return Exit.interrupted;
  // A bad URL: one that does not parse (EINVAL), or of a scheme nothing handles (ESCHEME).
  if (error instanceof FerryError && (error.code === "EINVAL" || error.code === "ESCHEME")) {
    return Exit.usage;
  }
  return Exit.failed;
}

/**
 * A commander error (its codes are `commander.*`), told without importing
 * commander: `get`/`put` run without it (cli/quick.ts).
 */
function isCommanderError(error: unknown): error is Error & { exitCode: number } {
  const e = error as { code?: unknown; exitCode?: unknown } | null;
  return error instanceof Error && typeof e?.exitCode === "number" &&
    typeof e.code === "string" && e.code.startsWith("commander.");
}
