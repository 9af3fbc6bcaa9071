/**
 * The CLI alone decides where log records go: plain lines on stderr (through
 * the progress display when one is drawn), JSON lines with `--log-format json`,
 * and a file with `--log-file`. Every sink redacts secrets first. Plain lines
 * alone go by util/log.ts's route, without logtape (an npm package: Deno's
 * Node layer, ~25-45 ms of every command's start-up); JSON lines and a log
 * file are logtape's sinks, loaded for them.
 * @module
 */
import type { LogLevel, LogRecord, Sink } from "../deps/logtape.ts";
import { FerryError } from "../util/errors.ts";
import { type FerryLogRecord, type LogLevelName, routeLogs } from "../util/log.ts";
import type { Secrets } from "../workflow/secrets.ts";
import { late } from "./late.ts";
import { StdoutClosedError } from "./output_closed.ts";

/** How verbose the CLI is. */
export type Verbosity = "quiet" | "normal" | "verbose" | "debug";

/** What {@link setupLogging} needs. */
export interface LogSetup {
  verbosity: Verbosity;
  format: "text" | "json";
  file?: string;
  secrets: Secrets;
  /** Where text lines go (default stderr); the progress display swaps this. */
  write?: (line: string) => void;
  /** Categories kept to warnings unless -v/--debug (the demo's in-process server). */
  quiet?: string[][];
}

/**
 * Renders a record's message (values interleaved with the template's text).
 *
 * @example
 * ```ts
 * renderMessage({ message: ["copied ", "a.txt", ""] } as unknown as LogRecord); // "copied a.txt"
 * ```
 */
export function renderMessage(record: Pick<FerryLogRecord, "message">): string {
  const parts = record.message;
  let out = "";
  for (let i = 0; i < parts.length; i++) {
    out += i % 2 === 0 ? String(parts[i]) : renderValue(parts[i]);
  }
  return out;
}

function renderValue(v: unknown): string {
  if (typeof v === "string") return v;
  if (typeof v === "number" && Number.isFinite(v)) return String(v); // what JSON.stringify gives
  if (v instanceof Error) return v.message;
  if (v === undefined) return "undefined";
  try {
    return JSON.stringify(v) ?? String(v);
  } catch {
    return String(v);
  }
}

const LEVEL_TAG: Record<LogLevel, string> = {
  trace: "TRC",
  debug: "DBG",
  info: "INF",
  warning: "WRN",
  error: "ERR",
  fatal: "FTL",
};

/**
 * One plain text line: `12:34:56 INF job·pull: message` (`ftp·control#2:` for a
 * record of control connection 2).
 *
 * @example
 * ```ts
 * textLine(record, secrets);
 * ```
 */
export function textLine(
  record: FerryLogRecord | LogRecord,
  secrets: Secrets,
  withTime = true,
): string {
  const time = withTime ? new Date(record.timestamp).toISOString().slice(11, 19) + " " : "";
  // A control connection's number tells parallel sessions apart in a trace.
  const conn = record.properties.conn;
  const category = categoryText(record.category) + (typeof conn === "number" ? `#${conn}` : "");
  return secrets.redact(`${time}${LEVEL_TAG[record.level]} ${category}: ${renderMessage(record)}`);
}

/**
 * A category as a line shows it, once per category array: a logger passes the
 * same array with every record (a server logs five lines a session), and the
 * slice and join were garbage each time.
 */
function categoryText(category: readonly string[]): string {
  let text = categoryTexts.get(category);
  if (text === undefined) categoryTexts.set(category, text = category.slice(1).join("·"));
  return text;
}

const categoryTexts = new WeakMap<readonly string[], string>();

/**
 * One JSON line: time, level, category, message, and the record's properties.
 *
 * @example
 * ```ts
 * JSON.parse(jsonLine(record, secrets)).level; // "info"
 * ```
 */
export function jsonLine(record: LogRecord, secrets: Secrets): string {
  const properties = secrets.redactDeep(record.properties);
  return JSON.stringify({
    time: new Date(record.timestamp).toISOString(),
    level: record.level,
    category: record.category.join("."),
    message: secrets.redact(renderMessage(record)),
    ...properties,
  });
}

/**
 * Whether a record of `category` at `level` reaches the console of a text-only
 * setup: the same rules as the logtape configuration {@link setupLogging}
 * makes otherwise (the console's level; the wire trace, `ferry.ftp`, only with
 * `--debug`; the quiet categories at warnings unless -v; `ferry.run-end` never).
 * The thresholds are worked out once per setup: the test runs for every
 * record and every disabled debug line (a server asks it ~20 times a session).
 */
function textFilter(
  setup: LogSetup,
): (category: readonly string[], level: LogLevelName) => boolean {
  const min = LEVEL_INDEX[CONSOLE_LEVEL[setup.verbosity]];
  const wire = setup.verbosity === "debug" ? 0 : LEVEL_INDEX.info;
  const quietAt = LEVEL_INDEX[setup.verbosity === "normal" ? "warning" : "debug"];
  return (category, level) => {
    const at = LEVEL_INDEX[level];
    if (at < min) return false;
    if (category[1] === "run-end") return false;
    if (at < wire && category[1] === "ftp") return false;
    // Read each time: the demo adds quiet categories after the setup.
    const quiet = setup.quiet;
    return !quiet?.length || at >= quietAt || !startsAny(category, quiet);
  };
}

/**
 * Whether `category` starts with one of `prefixes`. Loops, no callbacks: a
 * closure in the filter above that used its `category` made V8 allocate a
 * context on every call, taken or not (~50 bytes a record, ~0.8 MiB per 600
 * server sessions, which ask the filter ~20 times each).
 */
function startsAny(category: readonly string[], prefixes: readonly string[][]): boolean {
  next: for (const prefix of prefixes) {
    if (prefix.length > category.length) continue;
    for (let i = 0; i < prefix.length; i++) if (category[i] !== prefix[i]) continue next;
    return true;
  }
  return false;
}

/**
 * Sets up the CLI's logging; returns a function that flushes and resets it.
 *
 * @example
 * ```ts
 * const dispose = await setupLogging({ verbosity: "normal", format: "text", secrets });
 * try { ... } finally { await dispose(); }
 * ```
 */
export async function setupLogging(setup: LogSetup): Promise<() => Promise<void>> {
  const write = setup.write ?? ((line: string) => writeStderr(line + "\n"));
  if (setup.format === "text" && !setup.file) {
    const withTime = setup.verbosity !== "normal";
    routeLogs({
      enabled: textFilter(setup),
      write: (record) => write(textLine(record, setup.secrets, withTime)),
    });
    return () => {
      routeLogs(undefined);
      return Promise.resolve();
    };
  }
  routeLogs(undefined); // records go to logtape's sinks below
  const { configureLogging, markSinkImmediate, resetLogging } = await late<
    typeof import("../deps/logtape.ts")
  >(
    import.meta.url,
    "../deps/logtape.ts",
  );
  const level = CONSOLE_LEVEL[setup.verbosity];
  const min = LEVEL_INDEX[level];
  const format = setup.format === "json"
    ? (r: LogRecord) => jsonLine(r, setup.secrets)
    : (r: LogRecord) => textLine(r, setup.secrets, setup.verbosity !== "normal");
  // The console keeps its own level; a log file gets everything from debug up.
  // Both write each record at once: no per-record snapshot (markSinkImmediate).
  const sinks: Record<string, Sink> = {
    console: markSinkImmediate((r) => {
      if (LEVEL_INDEX[r.level] >= min) write(format(r));
    }),
  };
  if (setup.format === "json") sinks.runEnd = markSinkImmediate((r) => write(format(r)));
  let file: Sink | undefined;
  if (setup.file) {
    // Imported only for --log-file: every other run starts without it.
    const { getFileSink } = await late<typeof import("../deps/logtape_file.ts")>(
      import.meta.url,
      "../deps/logtape_file.ts",
    );
    try {
      file = getFileSink(setup.file, {
        bufferSize: 0,
        formatter: (r) => jsonLine(r, setup.secrets) + "\n",
      });
    } catch (error) {
      // Bad input, found before anything ran (exit 2); a cron line's log
      // directory that was never made is the usual cause, so name the path.
      throw new FerryError(`cannot open the log file ${setup.file}: ${(error as Error).message}`, {
        code: "EINVAL",
        cause: error,
      });
    }
    sinks.file = file;
  }
  await configureLogging({
    reset: true,
    sinks,
    loggers: [
      // runEnd is the run-end category's own (below): every other record once, not twice.
      {
        category: ["ferry"],
        lowestLevel: file ? "debug" : level,
        sinks: Object.keys(sinks).filter((s) => s !== "runEnd"),
      },
      // The wire trace (every FTP line) only with --debug.
      { category: ["ferry", "ftp"], lowestLevel: setup.verbosity === "debug" ? "debug" : "info" },
      { category: ["logtape", "meta"], lowestLevel: "warning", sinks: ["console"] },
      // How the run ended: only in machine-readable logs, and there always (even with -q).
      {
        category: ["ferry", "run-end"],
        lowestLevel: "info",
        parentSinks: "override",
        sinks: [...(setup.format === "json" ? ["runEnd"] : []), ...(file ? ["file"] : [])],
      },
      ...(setup.quiet ?? []).map((category) => ({
        category,
        lowestLevel: (setup.verbosity === "normal" ? "warning" : "debug") as LogLevel,
      })),
    ],
  });
  // reset() disposes the sinks it was given (the file sink flushes and closes).
  return async () => await resetLogging();
}

const LEVELS: LogLevel[] = ["trace", "debug", "info", "warning", "error", "fatal"];
/** A level's place in {@link LEVELS}. */
const LEVEL_INDEX = Object.fromEntries(LEVELS.map((l, i) => [l, i])) as Record<LogLevel, number>;
const CONSOLE_LEVEL: Record<Verbosity, LogLevel> = {
  quiet: "error",
  normal: "info",
  verbose: "debug",
  debug: "debug",
};

const encoder = new TextEncoder();

/**
 * Writes to stderr synchronously (log lines must not interleave).
 *
 * @example
 * ```ts
 * writeStderr("hello\n");
 * ```
 */
export function writeStderr(text: string): void {
  // A line is encoded into one kept buffer (a log line a session event on a
  // server); a text too long for it gets its own. UTF-8 takes at most three
  // bytes per UTF-16 unit.
  const bytes = text.length * 3 <= stderrBuffer.length
    ? stderrBuffer.subarray(0, encoder.encodeInto(text, stderrBuffer).written)
    : encoder.encode(text);
  for (let off = 0; off < bytes.length;) {
    off += Deno.stderr.writeSync(off ? bytes.subarray(off) : bytes);
  }
}

const stderrBuffer = new Uint8Array(4096);

/**
 * Writes to stdout synchronously.
 *
 * @example
 * ```ts
 * writeStdout("report\n");
 * ```
 */
export function writeStdout(text: string): void {
  const bytes = encoder.encode(text);
  try {
    for (let off = 0; off < bytes.length;) off += Deno.stdout.writeSync(bytes.subarray(off));
  } catch (e) {
    if (e instanceof Deno.errors.BrokenPipe) throw new StdoutClosedError(e);
    throw e;
  }
}
