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

// --- workflow + CLI (workflow/, cli/) ---
// logtape sinks/formatters: the CLI picks plain lines, JSON lines or a file at run time.
export {
  getStreamSink,
  getTextFormatter,
  jsonLinesFormatter,
  type LogLevel,
  type LogRecord,
  type Sink,
} from "npm:@logtape/logtape@^2.4.2";
// @logtape/file: `--log-file` (buffered; the CLI disposes it before exit).
export { getFileSink } from "npm:@logtape/file@^2.3.10";
// yaml: parseDocument + LineCounter keep node positions, so every workflow problem
// is reported as file:line:col, and it reports all syntax errors, not only the first.
export * as yaml from "npm:yaml@^2.9.1";
// zod 4: one definition of the workflow format for validation and `ferry schema`.
export { z } from "npm:zod@^4.6.7";
// croner: cron parsing (validation), next-run times and the in-process scheduler.
export { Cron } from "npm:croner@^11.0.1";
// commander + extra-typings: typed sub-commands and options for cli/.
export {
  Command,
  CommanderError,
  InvalidArgumentError,
  Option,
} from "npm:@commander-js/extra-typings@^15.1.0";

// --- sync/ ---
// picomatch: include/exclude globs (rsync/rclone-like rules are built on it in
// sync/filter.ts); needs no permissions, unlike minimatch and node:path globs.
// @ts-types="npm:@types/picomatch@^4.0.3"
export { default as picomatch } from "npm:picomatch@^4.0.7";

// --- plugins/uftp ---
// bcrypt-pbkdf: OpenSSH's KDF for passphrase-protected `openssh-key-v1` private
// keys (Blowfish-based, which node:crypto lacks); UFTP signs its SSH-key JWTs with them.
export { default as bcryptPbkdf } from "npm:bcrypt-pbkdf@^1.0.2";
