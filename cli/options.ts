/**
 * Option groups shared by commands (global, auth, TLS, job, filters); the
 * pure conversions from parsed flags to the workflow format (cli/flags.ts,
 * re-exported here) make a one-off command and a workflow file mean the same.
 * @module
 */
import { type Command, InvalidArgumentError, Option } from "../deps/commander.ts";
import { DURATION_RE, parseDeleteLimit, SIZE_RE } from "../util/units.ts";
import { parseTimeShift, TimeShiftError } from "../util/time_shift.ts";

// deno-lint-ignore no-explicit-any
type AnyCommand = Command<any, any, any>;

/**
 * Collects a repeatable option into a list.
 *
 * @example
 * ```ts
 * collect("b", ["a"]); // ["a", "b"]
 * ```
 */
export function collect(value: string, previous: string[] = []): string[] {
  return [...previous, value];
}

/**
 * Parses a positive integer option.
 *
 * @example
 * ```ts
 * positiveInt("4"); // 4
 * ```
 */
export function positiveInt(value: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 1) throw new InvalidArgumentError("expected a positive integer");
  return n;
}

/**
 * Parses a non-negative integer option.
 *
 * @example
 * ```ts
 * nonNegativeInt("0"); // 0
 * ```
 */
export function nonNegativeInt(value: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 0) throw new InvalidArgumentError("expected an integer >= 0");
  return n;
}

/**
 * Checks a duration option that must be more than nothing (`--net-timeout`):
 * the text as given, for the workflow format to read again.
 *
 * @example
 * ```ts
 * positiveDuration("30s"); // "30s"
 * positiveDuration("0");   // throws: expected a duration above 0
 * ```
 */
export function positiveDuration(value: string): string {
  const m = DURATION_RE.exec(value);
  if (!m) throw new InvalidArgumentError("expected a duration like 30s, 2m or 500ms");
  if (!(Number(m[1]) > 0)) throw new InvalidArgumentError("expected a duration above 0");
  return value;
}

/**
 * Checks a duration option that may be 0 (`--retry-delay`): the text as given.
 *
 * @example
 * ```ts
 * durationOption("1s"); // "1s"
 * ```
 */
export function durationOption(value: string): string {
  if (!DURATION_RE.test(value)) {
    throw new InvalidArgumentError("expected a duration like 30s, 2m or 500ms");
  }
  return value;
}

/**
 * Checks a size option (`--min-size`, `--max-size`): the text as given.
 *
 * @example
 * ```ts
 * sizeOption("10MiB"); // "10MiB"
 * ```
 */
export function sizeOption(value: string): string {
  if (!SIZE_RE.test(value)) {
    throw new InvalidArgumentError("expected a size like 10MiB, 1.5GB or a number of bytes");
  }
  return value;
}

/**
 * Checks `--max-delete`: a count of files or a percentage; the text as given.
 *
 * @example
 * ```ts
 * deleteLimitOption("10%"); // "10%"
 * ```
 */
export function deleteLimitOption(value: string): string {
  try {
    parseDeleteLimit(value);
  } catch {
    throw new InvalidArgumentError(
      'expected a count of files or a percentage like "10%" (at most 100%)',
    );
  }
  return value;
}

/**
 * Checks `--time-shift` as the FTP endpoint reads it ("auto", seconds, or
 * "+HH:MM", at most 24 hours), whatever the command's endpoints: the text as
 * given.
 *
 * @example
 * ```ts
 * timeShiftOption("+05:30"); // "+05:30"
 * timeShiftOption("+25:00"); // throws: ... more than 24 hours ...
 * ```
 */
export function timeShiftOption(value: string): string {
  try {
    parseTimeShift(value);
  } catch (error) {
    if (error instanceof TimeShiftError) throw new InvalidArgumentError(error.message);
    throw error;
  }
  return value;
}

/**
 * `-v`, `--debug`, `-q`, `--json`, `--log-format`, `--log-file`, `--plugin`: accepted
 * before and after the command name.
 * @example
 * ```ts
 * withGlobalOptions(program.command("run"));
 * ```
 */
export function withGlobalOptions<T extends AnyCommand>(cmd: T): T {
  // The options these add are read as a plain record (see the converters below):
  // typing them through generics makes the type checker crawl.
  cmd
    .option("-v, --verbose", "more detail (plans, skipped files, debug logs)")
    .option("--debug", "everything, including the FTP protocol trace (passwords masked)")
    .option("-q, --quiet", "only errors and failures")
    .option("--json", "write a JSON report to stdout")
    .addOption(
      new Option("--log-format <format>", "log lines on stderr: text, or json (NDJSON events)")
        .choices(["text", "json"] as const),
    )
    .option("--log-file <path>", "also write JSON log lines (debug) to this file")
    .option("--plugin <module>", "load a plugin (path or URL); repeatable", collect);
  return cmd;
}

/**
 * Credential flags for remote URLs.
 *
 * @example
 * ```ts
 * withAuthOptions(program.command("ls"));
 * ```
 */
export function withAuthOptions<T extends AnyCommand>(cmd: T): T {
  // The options these add are read as a plain record (see the converters below):
  // typing them through generics makes the type checker crawl.
  cmd
    .option("-u, --user <name>", "user name (default: the URL's, else anonymous)")
    .option("--password-env <NAME>", "read the password from this environment variable")
    .option("--password-file <path>", "read the password from the first line of this file")
    .option("--password-command <cmd>", "run this command; its first output line is the password")
    .option("--ask-password", "prompt for the password on the terminal")
    .option("--netrc [file]", "take login and password from ~/.netrc (or this file)")
    .option("--no-netrc", "do not look in ~/.netrc when no other credentials are given")
    .option("--anonymous", "log in anonymously");
  return cmd;
}

/**
 * TLS and connection flags for remote URLs.
 *
 * @example
 * ```ts
 * withConnectionOptions(program.command("ls"));
 * ```
 */
export function withConnectionOptions<T extends AnyCommand>(cmd: T): T {
  // The options these add are read as a plain record (see the converters below):
  // typing them through generics makes the type checker crawl.
  cmd
    .option("--ca <file>", "PEM file with the CA certificate(s) to trust")
    .option("--insecure", "do not verify the server certificate (loudly logged)")
    .addOption(
      new Option("--tls <mode>", "ftp:// only: require AUTH TLS, try it, or stay plain")
        .choices(["require", "try", "off"] as const),
    )
    .option(
      "--time-shift <shift>",
      'what LIST times are ahead of UTC (MLSD is UTC): "auto", seconds, or "+HH:MM"',
      timeShiftOption,
    )
    .option("--no-mlsd", "list with LIST even where the server offers MLSD")
    .option("--connections <n>", "max connections per server", positiveInt)
    .option(
      "--net-timeout <duration>",
      "a connect, reply or data connection silent this long fails and is retried (default 30s)",
      positiveDuration,
    );
  return cmd;
}

/** What `--segments` does (the job commands, `run`, `get`). */
export const SEGMENTS_HELP =
  "connections per large download, in REST ranges like lftp's pget -n (default 8 when the server is 5 ms or more away, files from 64 MiB; 1: off)";

/**
 * Job flags (as in a workflow's job).
 *
 * @example
 * ```ts
 * withJobOptions(program.command("mirror"));
 * ```
 */
export function withJobOptions<T extends AnyCommand>(cmd: T): T {
  // The options these add are read as a plain record (see the converters below):
  // typing them through generics makes the type checker crawl.
  cmd
    .option("-n, --dry-run", "print the plan, change nothing")
    .option("-P, --parallel <n>", "parallel transfers and listings (default 4)", positiveInt)
    .option("--segments <n>", SEGMENTS_HELP, positiveInt)
    .option("--retries <n>", "retries on temporary errors (default 3)", nonNegativeInt)
    .option("--retry-delay <duration>", "first back-off delay (default 1s)", durationOption)
    .option("--timeout <duration>", "give up after this long", positiveDuration);
  return cmd;
}

/**
 * Include/exclude/size/symlink flags of tree jobs.
 *
 * @example
 * ```ts
 * withFilterOptions(program.command("mirror"));
 * ```
 */
export function withFilterOptions<T extends AnyCommand>(cmd: T): T {
  // The options these add are read as a plain record (see the converters below):
  // typing them through generics makes the type checker crawl.
  cmd
    .option("-i, --include <glob>", "only files matching; repeatable", collect)
    .option("-x, --exclude <glob>", "leave out matching files and dirs; repeatable", collect)
    .option("--min-size <size>", "smallest file to take (e.g. 1KiB)", sizeOption)
    .option("--max-size <size>", "largest file to take (e.g. 100MiB)", sizeOption)
    .addOption(
      new Option("--symlinks <policy>", "symlinks: skip, follow, or copy-as-link")
        .choices(["skip", "follow", "copy-as-link"] as const),
    );
  return cmd;
}

/**
 * `--max-delete` and `--compare`, shared by the tree jobs that delete and compare.
 *
 * @example
 * ```ts
 * withCompareOptions(program.command("sync"));
 * ```
 */
export function withCompareOptions<T extends AnyCommand>(cmd: T): T {
  // Read as a plain record by compareFromOptions, like the filter flags.
  cmd
    .option(
      "--max-delete <n|pct>",
      'refuse to delete more than this many files, or e.g. "10%"',
      deleteLimitOption,
    )
    .addOption(
      new Option("--compare <mode>", "how files are judged equal")
        .choices(["size+mtime", "size", "checksum"] as const),
    );
  return cmd;
}

// The flags turned into configuration need no commander: get/put run without it.
export {
  authFromOptions,
  compareFromOptions,
  endpointFromOptions,
  filtersFromOptions,
  jobCommonFromOptions,
} from "./flags.ts";
