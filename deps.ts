/**
 * The one place that names external packages, as full `npm:` specifiers, so that
 * `mod.ts` works when imported by URL (a remote module does not see our import map).
 *
 * Why each one is here (see ../shared/research/deno.md for what was verified):
 * - logtape: a library-first logger; library code logs, the CLI alone decides sinks.
 * @module
 */
export {
  configure as configureLogging,
  getLogger,
  type Logger,
  reset as resetLogging,
} from "npm:@logtape/logtape@^2.4.2";
