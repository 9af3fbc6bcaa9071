/**
 * The error that says stdout's reader is gone; its own module so that the
 * exit-code table and the writers share it without loading each other.
 * @module
 */
import { FerryError } from "../util/errors.ts";

/**
 * stdout's reader went away (`ferry schema | head`): the rest of the output is
 * not wanted. The CLI ends quietly with 141, as a tool killed by SIGPIPE does
 * in a shell (Deno ignores SIGPIPE, so the write fails instead).
 *
 * @example
 * ```ts
 * const error = new StdoutClosedError(new Deno.errors.BrokenPipe("os error 32"));
 * error.code; // "EPIPE": the CLI exits 141 without a word
 * ```
 */
export class StdoutClosedError extends FerryError {
  /** `cause`: the failed write's error. */
  constructor(cause: unknown) {
    super("stdout was closed by its reader", { code: "EPIPE", cause });
    this.name = "StdoutClosedError";
  }
}
