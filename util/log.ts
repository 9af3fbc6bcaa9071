/**
 * The project's one logger entry point. Library code asks for a category logger;
 * only the CLI (or an embedding program) configures where records go.
 * @module
 */
import { getLogger, type Logger } from "../deps/logtape.ts";

export type { Logger };

/**
 * Returns the logger for a category below `ferry`.
 *
 * @example
 * ```ts
 * const log = logger("ftp", "control");
 * log.debug("sent {line}", { line: "NOOP" });
 * ```
 */
export function logger(...category: string[]): Logger {
  return getLogger(["ferry", ...category]);
}
