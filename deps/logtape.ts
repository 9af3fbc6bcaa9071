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
