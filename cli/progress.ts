/**
 * Showing a run while it goes: a live display on a terminal (per running job:
 * files and bytes done / total, rate, ETA, the files in flight; one summary
 * line stays when it ends), plain log lines otherwise, and NDJSON events with
 * `--log-format json`.
 * @module
 */
import { logger } from "../util/log.ts";
import type { RunEvent } from "../workflow/report.ts";
import type { ProgressEvent } from "../sync/progress.ts";
import { formatBytes, formatDuration } from "./format.ts";
import { writeStderr } from "./logging.ts";
import { count, type JobView, renderJobs } from "./screen.ts";

const log = logger("cli");
const events = logger("events");

/** How the run is shown. */
export type DisplayMode = "bars" | "lines" | "json" | "none";

/**
 * Picks the display: JSON events when asked, bars on a terminal, lines otherwise.
 *
 * @example
 * ```ts
 * displayMode({ tty: true, quiet: false, logFormat: "text" }); // "bars"
 * ```
 */
export function displayMode(
  o: { tty: boolean; quiet: boolean; logFormat: "text" | "json" },
): DisplayMode {
  if (o.logFormat === "json") return "json";
  if (o.quiet) return "none";
  return o.tty ? "bars" : "lines";
}

/** Receives run events and draws them; `write` prints a log line without breaking the bars. */
export interface Display {
  /** False when events are dropped (no display): a run need not build or redact them. */
  readonly listening: boolean;
  onEvent(event: RunEvent): void;
  write(line: string): void;
  stop(): void;
}

/**
 * Makes the display for a mode.
 *
 * @example
 * ```ts
 * const display = createDisplay("lines", writeStderr);
 * await runWorkflow(wf, { onEvent: (e) => display.onEvent(e) });
 * display.stop();
 * ```
 */
export function createDisplay(mode: DisplayMode, writeLine: (line: string) => void): Display {
  if (mode === "bars") return new ScreenDisplay(writeLine);
  return {
    listening: mode !== "none",
    onEvent: mode === "json" ? jsonEvent() : mode === "lines" ? lineEvent : () => {},
    write: writeLine,
    stop: () => {},
  };
}

/**
 * The `onEvent` to give a run for a display: undefined when it does not
 * listen, so the run skips redacting every event (one per file start and end).
 *
 * @example
 * ```ts
 * await runWorkflow(wf, { onEvent: eventsFor(cli.display) });
 * ```
 */
export function eventsFor(display: Display): ((event: RunEvent) => void) | undefined {
  return display.listening ? (e) => display.onEvent(e) : undefined;
}

/** Plain lines: one per job start/end and per file done (at info). */
function lineEvent(e: RunEvent): void {
  if (e.type === "progress" && e.event.type === "file-end") {
    const ev = e.event;
    if (ev.error) log.warn("{job}: {action} {path} failed: {error}", { job: e.job, ...ev });
    else if (ev.action === "transfer") {
      log.info("{job}: transferred {path} ({size})", {
        job: e.job,
        path: ev.path,
        size: formatBytes(ev.bytes),
      });
    } else if (ev.action === "delete") {
      log.info("{job}: deleted {path}", { job: e.job, path: ev.path });
    } else log.debug("{job}: {action} {path}", { job: e.job, action: ev.action, path: ev.path });
  } else if (e.type === "progress" && e.event.type === "plan") {
    const ev = e.event;
    log.info("{job}: {files} file(s), {bytes} to transfer, {deletes} to delete", {
      job: e.job,
      files: ev.files,
      bytes: formatBytes(ev.bytes),
      deletes: ev.deletes,
    });
  } else if (e.type === "job-retry") {
    log.warn("{job}: retry {attempt} in {delay}: {error}", {
      job: e.job,
      attempt: e.attempt,
      delay: formatDuration(e.delayMs),
      error: e.error,
    });
  }
}

/** NDJSON events; per-file byte progress at most twice a second per job. */
function jsonEvent(): (e: RunEvent) => void {
  const last = new Map<string, number>();
  return (e) => {
    if (e.type === "progress" && e.event.type === "file-progress") {
      const now = Date.now();
      if (now - (last.get(e.job) ?? 0) < 500) return;
      last.set(e.job, now);
    }
    if (e.type === "run-end") return; // the report goes to stdout with --json
    // Progress events flatten to their own type: {"type":"file-end","job":"pull",...}.
    const props = e.type === "progress" ? { job: e.job, ...e.event } : e;
    events.info("{type}", { ...props });
  };
}

/** Redraws per second at most. */
const FPS = 8;

/**
 * The live display on a terminal: per running job its totals, rate, ETA and
 * the files in flight (see screen.ts), redrawn in place; log lines print above
 * it; when a job ends one summary line stays.
 */
class ScreenDisplay implements Display {
  readonly listening = true;
  readonly #views = new Map<string, JobView>();
  readonly #writeLine: (line: string) => void;
  #drawn = 0;
  #timer: number | undefined;

  constructor(writeLine: (line: string) => void) {
    this.#writeLine = writeLine;
  }

  write(line: string): void {
    this.#clear();
    this.#writeLine(line);
    this.#draw();
  }

  onEvent(e: RunEvent): void {
    switch (e.type) {
      case "job-start":
        if (!this.#views.has(e.job)) this.#views.set(e.job, emptyView(e.job));
        this.#timer ??= this.#startTimer();
        break;
      case "progress": {
        const v = this.#views.get(e.job);
        if (!v) break;
        Object.assign(v, {
          filesDone: e.totals.filesDone,
          filesTotal: e.totals.filesTotal,
          bytesDone: e.totals.bytesDone,
          bytesTotal: e.totals.bytesTotal,
          deletesDone: e.totals.deletesDone,
          deletesTotal: e.totals.deletesTotal,
        });
        trackFile(v, e.event);
        if (e.event.type === "file-end" && e.event.error) {
          this.write(`${e.job}: ${e.event.path}: ${e.event.error}`);
        }
        break;
      }
      case "job-retry":
        this.write(`${e.job}: retry ${e.attempt} in ${formatDuration(e.delayMs)}: ${e.error}`);
        break;
      case "job-end": {
        this.#views.delete(e.job);
        const c = e.result.counts;
        this.write(
          `${e.job} (${e.result.kind}): ${e.result.status}, ${count(c.filesTransferred)} files, ` +
            `${formatBytes(c.bytesTransferred)} in ${formatDuration(e.result.durationMs)}, ` +
            `${count(c.filesSkipped)} skipped, ${count(c.filesFailed)} failed` +
            (e.result.reason ? ` (${e.result.reason})` : ""),
        );
        if (this.#views.size === 0) this.stop();
        break;
      }
      case "run-end":
        this.stop();
        break;
    }
  }

  stop(): void {
    if (this.#timer !== undefined) clearInterval(this.#timer);
    this.#timer = undefined;
    this.#clear();
    this.#views.clear();
  }

  #startTimer(): number {
    const id = setInterval(() => {
      this.#clear();
      this.#draw();
    }, 1000 / FPS) as unknown as number;
    Deno.unrefTimer(id);
    return id;
  }

  #draw(): void {
    if (this.#views.size === 0) return;
    const { columns, rows } = terminalSize();
    // Leave room for the log lines above and the prompt below.
    const lines = renderJobs([...this.#views.values()], columns, Math.max(1, rows - 4), Date.now());
    writeStderr(lines.map((l) => l + "\n").join(""));
    this.#drawn = lines.length;
  }

  #clear(): void {
    if (this.#drawn > 0) writeStderr(`\x1b[${this.#drawn}A\r\x1b[J`);
    this.#drawn = 0;
  }
}

function emptyView(job: string): JobView {
  return {
    job,
    started: Date.now(),
    filesDone: 0,
    filesTotal: 0,
    bytesDone: 0,
    bytesTotal: 0,
    deletesDone: 0,
    deletesTotal: 0,
    inFlight: [],
  };
}

/** Keeps a view's files in flight in step with one event. */
function trackFile(v: JobView, ev: ProgressEvent): void {
  if (ev.type === "file-start" && ev.action === "transfer") {
    v.inFlight.push({ path: ev.path, bytes: 0, size: ev.size });
  } else if (ev.type === "file-progress") {
    const f = v.inFlight.find((x) => x.path === ev.path);
    if (f) f.bytes = ev.bytes;
  } else if (ev.type === "file-end") {
    v.inFlight = v.inFlight.filter((x) => x.path !== ev.path);
  }
}

function terminalSize(): { columns: number; rows: number } {
  try {
    return Deno.consoleSize();
  } catch {
    return { columns: 80, rows: 24 };
  }
}
