/**
 * What every command shares: global options, secrets, the registry, logging,
 * the display, interrupts, and the printers (all of them redact).
 * @module
 */
import { formatProblem, WorkflowInvalidError } from "../workflow/errors.ts";
import type { Registry } from "../workflow/registry.ts";
import { exitCodeFor, type WorkflowReport } from "../workflow/report.ts";
import { Secrets } from "../workflow/secrets.ts";
import { Exit, exitCodeForError } from "./exit.ts";
import { setupLogging, type Verbosity, writeStderr, writeStdout } from "./logging.ts";
import { StdoutClosedError } from "./output_closed.ts";
import { createDisplay, type Display, displayMode } from "./progress.ts";
import { interruptedExitCode, type Interrupts, listenForInterrupts } from "./signals.ts";
import { runEndRecord } from "./run_end.ts";
import { logger } from "../util/log.ts";
import { late } from "./late.ts";
import type { HeadStart } from "./head_types.ts";

const runEndLog = logger("run-end");

/** Options every command accepts (before or after the command name). */
export interface GlobalOptions {
  verbose?: boolean;
  debug?: boolean;
  quiet?: boolean;
  json?: boolean;
  logFormat?: "text" | "json";
  logFile?: string;
  plugin?: string[];
}

/**
 * The run-time context of one CLI invocation.
 *
 * @example
 * ```ts
 * const cli = new CliContext(registry);
 * await cli.start(globals);
 * try { ... } finally { await cli.finish(); }
 * ```
 */
export class CliContext {
  readonly secrets = new Secrets();
  #registry?: Registry;
  #makeRegistry?: () => Promise<Registry>;
  globals: GlobalOptions = {};
  display: Display = createDisplay("none", (l) => writeStderr(l + "\n"));
  #interrupts?: Interrupts;
  #disposeLogging?: () => Promise<void>;
  #started?: Date;
  /** `run-end` records written so far, and the errors that ended the command. */
  #runEnds = 0;
  readonly #problems: string[] = [];
  /** The exit code the invocation ends with (see {@link finalExitCode}). */
  exitCode = 0;
  /** A session opened while the CLI loaded (`get`/`put`; cli/head_start.ts), for connectFtp. */
  headStart?: HeadStart;

  /**
   * The exit code to end the process with: `exitCode`, except that a run
   * stopped by SIGTERM ends with 143 rather than Ctrl-C's 130.
   *
   * @example
   * ```ts
   * Deno.exit(cli.finalExitCode);
   * ```
   */
  get finalExitCode(): number {
    return this.exitCode === Exit.interrupted
      ? interruptedExitCode(this.#interrupts?.received)
      : this.exitCode;
  }

  /** A registry, or how to make one when a command first runs (the CLI's start-up stays light). */
  constructor(registry: Registry | (() => Promise<Registry>)) {
    if (typeof registry === "function") this.#makeRegistry = registry;
    else this.#registry = registry;
  }

  /**
   * A context whose registry (auth methods, job kinds, plugin manifests) is
   * made when a command first runs: the CLI's start-up stays light.
   *
   * @example
   * ```ts
   * const cli = CliContext.lazy();
   * ```
   */
  static lazy(): CliContext {
    return new CliContext(async () =>
      (await late<typeof import("../workflow/lazy_registry.ts")>(
        import.meta.url,
        "../workflow/lazy_registry.ts",
      )).lazyRegistry()
    );
  }

  /** The registry; {@link ready} must have made it when it is made lazily. */
  get registry(): Registry {
    if (!this.#registry) throw new Error("internal: CliContext.registry used before ready()");
    return this.#registry;
  }

  /** The registry if it is made already, else undefined. */
  get registryIfReady(): Registry | undefined {
    return this.#registry;
  }

  /**
   * Makes the registry (once), before a command runs or `--plugin` loads.
   *
   * @example
   * ```ts
   * await cli.ready();
   * cli.registry.commands.has("serve");
   * ```
   */
  async ready(): Promise<Registry> {
    this.#registry ??= await this.#makeRegistry!();
    return this.#registry;
  }

  #summarize?: typeof import("./summary.ts").summarize;

  /**
   * Imports the report printer; {@link report} needs it (the job runners call
   * this, so `ferry ls` and every `--help` start without it).
   *
   * @example
   * ```ts
   * await cli.prepareReport();
   * cli.report(report);
   * ```
   */
  async prepareReport(): Promise<void> {
    this.#summarize ??=
      (await late<typeof import("./summary.ts")>(import.meta.url, "./summary.ts")).summarize;
  }

  /** How verbose, from the global flags. */
  get verbosity(): Verbosity {
    const g = this.globals;
    return g.debug ? "debug" : g.verbose ? "verbose" : g.quiet ? "quiet" : "normal";
  }

  /**
   * How long a stop (first Ctrl-C / SIGTERM) may take before the process
   * exits anyway (default: signals.ts STOP_DEADLINE_MS). `ferry worker` allows more:
   * handing its tasks back needs a round trip to Redis. Set before
   * {@link signal} is first read.
   */
  stopDeadlineMs?: number;

  /** Aborted on Ctrl-C / SIGTERM. */
  get signal(): AbortSignal {
    this.#interrupts ??= listenForInterrupts({ deadlineMs: this.stopDeadlineMs });
    return this.#interrupts.signal;
  }

  readonly #plugins = new Set<string>();

  /**
   * Loads a `--plugin` module into the registry (once per specifier).
   *
   * @example
   * ```ts
   * await cli.loadPlugin("./plugins/my-auth.ts");
   * ```
   */
  async loadPlugin(spec: string): Promise<void> {
    if (this.#plugins.has(spec)) return;
    const { loadPlugin } = await late<typeof import("../workflow/plugins_load.ts")>(
      import.meta.url,
      "../workflow/plugins_load.ts",
    );
    await loadPlugin(await this.ready(), spec, Deno.cwd());
    this.#plugins.add(spec);
  }

  /** Log categories kept to warnings unless -v (set before `start`). */
  quietCategories: string[][] = [];

  /**
   * Sets up logging and the display for the global options.
   *
   * @example
   * ```ts
   * await cli.start({ verbose: true });
   * ```
   */
  async start(globals: GlobalOptions): Promise<void> {
    this.globals = globals;
    this.#started ??= new Date();
    const logFormat = globals.logFormat ?? "text";
    const mode = displayMode({
      tty: Deno.stderr.isTerminal() && !Deno.env.get("FERRY_NO_PROGRESS"),
      quiet: globals.quiet === true,
      logFormat,
    });
    this.display = createDisplay(mode, (l) => writeStderr(l + "\n"));
    this.#disposeLogging = await setupLogging({
      verbosity: this.verbosity,
      format: logFormat,
      file: globals.logFile,
      secrets: this.secrets,
      write: (line) => this.display.write(line),
      quiet: this.quietCategories,
    });
  }

  /**
   * Turns on the protocol trace (`--debug`) from inside a command, for plugin
   * commands with a debug flag of their own (`ferry serve -D`).
   *
   * @example
   * ```ts
   * await cli.enableDebug();
   * ```
   */
  async enableDebug(): Promise<void> {
    if (this.globals.debug) return;
    await this.#disposeLogging?.();
    await this.start({ ...this.globals, debug: true });
  }

  /**
   * Stops the display, flushes logs, lets go of signal handlers.
   *
   * @example
   * ```ts
   * await cli.finish();
   * ```
   */
  async finish(): Promise<void> {
    this.display.stop();
    // A command that made no report (it failed before running, or lists, gets...) still ends with one.
    if (this.#runEnds === 0) {
      this.#runEnd(
        runEndRecord(undefined, this.finalExitCode, this.#problems, new Date(), this.#started),
      );
    }
    this.#interrupts?.dispose();
    await this.#disposeLogging?.();
    this.#disposeLogging = undefined;
  }

  /**
   * Prints to stdout, redacted.
   *
   * @example
   * ```ts
   * cli.out("done");
   * ```
   */
  out(text: string): void {
    writeStdout(this.secrets.redact(text) + "\n");
  }

  /**
   * Prints to stderr, redacted (through the display, so bars stay intact; a
   * JSON line with --log-format json).
   *
   * @example
   * ```ts
   * cli.err("ferry: something went wrong");
   * ```
   */
  err(text: string): void {
    if (this.globals.logFormat === "json") {
      writeStderr(
        JSON.stringify({
          time: new Date().toISOString(),
          level: "error",
          category: "ferry.cli",
          message: this.secrets.redact(text),
        }) + "\n",
      );
    } else this.display.write(this.secrets.redact(text));
  }

  /**
   * Prints a run report (JSON with --json, else the summary) and sets the exit code.
   *
   * @example
   * ```ts
   * cli.report(await runWorkflow(wf));
   * ```
   */
  report(report: WorkflowReport): void {
    if (this.globals.json) this.out(JSON.stringify(this.secrets.redactDeep(report), null, 2));
    else if (!this.globals.quiet || report.status !== "ok") {
      if (!this.#summarize) throw new Error("internal: cli.report before cli.prepareReport()");
      for (const line of this.#summarize(report, { verbose: this.verbosity !== "normal" })) {
        this.out(line);
      }
    }
    this.exitCode = Math.max(this.exitCode, exitCodeFor(report));
    this.recordRunEnd(report);
  }

  /**
   * Logs the `run-end` record of a finished run (`cli.report` does it; `schedule` per run).
   *
   * @example
   * ```ts
   * cli.recordRunEnd(report);
   * ```
   */
  recordRunEnd(report: WorkflowReport): void {
    const code = exitCodeFor(report);
    this.#runEnd(
      runEndRecord(
        report,
        code === Exit.interrupted ? interruptedExitCode(this.#interrupts?.received) : code,
        [],
      ),
    );
  }

  /** Logs a `run-end` record (written only with --log-format json or --log-file). */
  #runEnd(record: ReturnType<typeof runEndRecord>): void {
    this.#runEnds++;
    const redacted = { ...this.secrets.redactDeep(record) } as Record<string, unknown>;
    if (record.status === "ok") runEndLog.info("run-end: {status}, exit {exitCode}", redacted);
    else runEndLog.error("run-end: {status}, exit {exitCode}", redacted);
  }

  /**
   * Prints an error the way the CLI does and returns its exit code.
   *
   * @example
   * ```ts
   * return cli.fail(new UsageError("unknown job x")); // 2
   * ```
   */
  fail(error: unknown): number {
    if (error instanceof StdoutClosedError) {
      // Nobody reads the output any more (`| head`): nothing to say, and stderr
      // may be that reader's too.
    } else if (error instanceof WorkflowInvalidError) {
      for (const p of error.problems) this.err(formatProblem(p));
      this.#problems.push(...error.problems.map((p) => this.secrets.redact(formatProblem(p))));
      this.err(`ferry: ${error.problems.length} problem(s); nothing was run`);
    } else {
      const message = error instanceof Error ? error.message : String(error);
      this.#problems.push(this.secrets.redact(message));
      this.err(`ferry: ${message}`);
      if (this.verbosity === "debug" && error instanceof Error && error.stack) {
        this.err(error.stack);
      }
    }
    const code = exitCodeForError(error);
    this.exitCode = Math.max(this.exitCode, code);
    return code;
  }
}
