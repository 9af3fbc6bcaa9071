/**
 * The project's one logger entry point. Library code asks for a category logger;
 * only the CLI (or an embedding program) configures where records go.
 * @module
 */
import { getLogger } from "../deps/logtape.ts";

/** Properties of a log record: `{name}` placeholders in the message are filled from them. */
export type LogProperties = Record<string, unknown>;

/**
 * What ferry's code logs through: a category logger (logtape's, narrowed to the
 * methods ferry uses, so the API names no logtape type). Properties may be
 * given as a function that makes them, called only when the record goes
 * somewhere: a debug line on a hot path then costs nothing at info level.
 *
 * @example
 * ```ts
 * const log: Logger = logger("myplugin");
 * log.info("copied {path}", { path: "a.txt" });
 * ```
 */
export interface Logger {
  /** Records a detail only a developer needs (wire lines, decisions). */
  debug(message: string, properties?: LogProperties | (() => LogProperties)): void;
  /** Records what happened (a login, a finished job). */
  info(message: string, properties?: LogProperties | (() => LogProperties)): void;
  /** Records something off that did not stop the work. */
  warn(message: string, properties?: LogProperties | (() => LogProperties)): void;
  /** Records a failure. */
  error(message: string, properties?: LogProperties | (() => LogProperties)): void;
}

/**
 * Returns the logger for a category below `ferry`.
 *
 * @example
 * ```ts
 * const log = logger("ftp", "control");
 * log.debug("sent {line}", { line: "NOOP" });
 * log.debug("state {state}", () => ({ state: describe() })); // made only when debug is on
 * ```
 */
export function logger(...category: string[]): Logger {
  return getLogger(["ferry", ...category]);
}
