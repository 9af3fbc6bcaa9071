/**
 * The project's one logger entry point. Library code asks for a category logger;
 * only the CLI (or an embedding program) configures where records go.
 *
 * Records go to logtape when a program configured it (ferry's loggers are
 * logtape's `["ferry", ...]` loggers then), or to the route a program set with
 * {@link routeLogs} (the CLI's plain text lines). This module does not import
 * logtape: an npm package starts Deno's Node layer, and logtape's import took
 * ~25-45 ms of a one-file `ferry get`'s start-up, most of it before the
 * transfer could begin (docs/BENCHMARKS.md). A configured logtape is found
 * where every copy of logtape keeps its root logger (a `globalThis` symbol),
 * so a program's own `npm:@logtape/logtape` import and configuration reach
 * ferry's records as before.
 * @module
 */

/** Properties of a log record: `{name}` placeholders in the message are filled from them. */
export type LogProperties = Record<string, unknown>;

/** The levels ferry logs at (logtape's names). */
export type LogLevelName = "debug" | "info" | "warning" | "error";

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
  /**
   * Whether a record at `level` may go anywhere now (true whenever a
   * configured logtape decides): a hot path can skip making the record's
   * properties, and the closure that would make them, when it does not.
   */
  enabled(level: "debug" | "info" | "warning" | "error"): boolean;
}

/** A record as a {@link LogRoute} gets it: the shape of logtape's `LogRecord`. */
export interface FerryLogRecord {
  readonly category: readonly string[];
  readonly level: LogLevelName;
  /** The message's text parts with the property values between them (logtape's form). */
  readonly message: readonly unknown[];
  /** The message template as logged. */
  readonly rawMessage: string;
  /** Milliseconds since the epoch. */
  readonly timestamp: number;
  readonly properties: LogProperties;
}

/** Where a program sends ferry's records itself, instead of through logtape. */
export interface LogRoute {
  /** Whether a record of `category` (`["ferry", ...]`) at `level` goes anywhere. */
  enabled(category: readonly string[], level: LogLevelName): boolean;
  /** Takes a record `enabled` let through. */
  write(record: FerryLogRecord): void;
}

let route: LogRoute | undefined;

/**
 * Sends every ferry record to `to` (undefined: back to logtape, if configured).
 * For the program that owns the process's output (the CLI), not for library code.
 *
 * @example
 * ```ts
 * routeLogs({ enabled: (_c, level) => level !== "debug", write: (r) => console.error(r.rawMessage) });
 * ```
 */
export function routeLogs(to: LogRoute | undefined): void {
  route = to;
}

/** What this module uses of a logtape logger. */
interface TapeLogger {
  getChild(category: readonly string[]): TapeLogger;
  debug(message: string, properties?: LogProperties | (() => LogProperties)): void;
  info(message: string, properties?: LogProperties | (() => LogProperties)): void;
  warn(message: string, properties?: LogProperties | (() => LogProperties)): void;
  error(message: string, properties?: LogProperties | (() => LogProperties)): void;
}

/** Where logtape keeps its root logger, shared by every copy of it in a process. */
const TAPE_ROOT = Symbol.for("logtape.rootLogger");

const METHOD = { debug: "debug", info: "info", warning: "warn", error: "error" } as const;

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
  const full = ["ferry", ...category];
  let root: TapeLogger | undefined;
  let tape: TapeLogger | undefined;
  // logtape's logger of this category, when a program configured logtape (its root exists).
  const tapeLogger = (): TapeLogger | undefined => {
    const now = (globalThis as Record<symbol, unknown>)[TAPE_ROOT] as TapeLogger | undefined;
    if (now !== root) {
      root = now;
      tape = now?.getChild(full);
    }
    return tape;
  };
  const emit = (
    level: LogLevelName,
    message: string,
    properties?: LogProperties | (() => LogProperties),
  ): void => {
    const to = route;
    if (to) {
      if (!to.enabled(full, level)) return;
      const props = (typeof properties === "function" ? properties() : properties) ?? {};
      to.write({
        category: full,
        level,
        message: parseTemplate(message, props),
        rawMessage: message,
        timestamp: Date.now(),
        properties: props,
      });
      return;
    }
    tapeLogger()?.[METHOD[level]](message, properties);
  };
  return {
    debug: (message, properties) => emit("debug", message, properties),
    info: (message, properties) => emit("info", message, properties),
    warn: (message, properties) => emit("warning", message, properties),
    error: (message, properties) => emit("error", message, properties),
    enabled: (level) => {
      const to = route;
      return to ? to.enabled(full, level) : tapeLogger() !== undefined;
    },
  };
}

/**
 * A message template's text parts with the named properties between them, as
 * logtape splits it: `{name}` is a property, `{{` and `}}` are braces.
 *
 * @example
 * ```ts
 * parseTemplate("copied {path}", { path: "a.txt" }); // ["copied ", "a.txt", ""]
 * ```
 */
export function parseTemplate(template: string, properties: LogProperties): unknown[] {
  if (!template.includes("{")) return [template];
  let split = splitTemplates.get(template);
  if (!split) {
    split = splitTemplate(template);
    // Templates are literals in the code: a few dozen. The cap only guards
    // against a caller that builds its messages.
    if (splitTemplates.size >= 512) splitTemplates.clear();
    splitTemplates.set(template, split);
  }
  const parts: unknown[] = new Array(split.length);
  for (let i = 0; i < split.length; i++) {
    const key = split[i];
    parts[i] = i % 2 === 0 ? key : key in properties ? properties[key] : properties[key.trim()];
  }
  return parts;
}

/**
 * Templates split once: a server logs the same few lines for every session
 * (five a session), and the split was most of a record's cost.
 */
const splitTemplates = new Map<string, readonly string[]>();

/** A template's text parts (even places) and property names (odd places). */
function splitTemplate(template: string): string[] {
  const unescape = (text: string) => text.replace(/{{/g, "{").replace(/}}/g, "}");
  const parts: string[] = [];
  let start = 0;
  for (let i = 0; i < template.length; i++) {
    const char = template[i];
    if (char === "{") {
      if (template[i + 1] === "{") {
        i++;
        continue;
      }
      const close = template.indexOf("}", i + 1);
      if (close === -1) continue;
      parts.push(unescape(template.slice(start, i)));
      parts.push(template.slice(i + 1, close));
      i = close;
      start = close + 1;
    } else if (char === "}" && template[i + 1] === "}") i++;
  }
  parts.push(unescape(template.slice(start)));
  return parts;
}
