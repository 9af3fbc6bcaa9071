/**
 * logtape: a library-first logger; library code logs, the CLI alone decides
 * sinks (plain lines, JSON lines or a file, picked at run time).
 * @module
 */
export {
  configure as configureLogging,
  getLogger,
  getStreamSink,
  getTextFormatter,
  jsonLinesFormatter,
  type Logger,
  type LogLevel,
  type LogRecord,
  reset as resetLogging,
  type Sink,
} from "npm:@logtape/logtape@^2.4.2";

/**
 * Marks a sink that formats and writes each record before it returns (the
 * CLI's console sink): logtape then hands it the record itself instead of a
 * snapshot of it (a copy of the record and of its properties, made per record
 * and sink for sinks that may keep records for later). logtape 2.4 marks its
 * own such sinks with this registered symbol (`markSinkAsImmediate`, not
 * exported); an unmarked sink only costs the copy.
 *
 * @example
 * ```ts
 * const console = markSinkImmediate((r) => write(format(r)));
 * ```
 */
export function markSinkImmediate<S extends object>(sink: S): S {
  Object.defineProperty(sink, Symbol.for("LogTape.sinkSnapshotPolicy.immediate"), { value: true });
  return sink;
}
