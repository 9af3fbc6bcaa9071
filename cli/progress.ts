/**
 * Showing a run while it goes: a live display on a terminal (one bar per
 * running job: files and bytes done / total, rate, current file), plain log
 * lines otherwise, and NDJSON events with `--log-format json`.
 * @module
 */
import { cliProgress } from "../deps.ts";
import { logger } from "../util/log.ts";
import type { RunEvent } from "../workflow/report.ts";
import { ellipsize, formatBytes, formatDuration, formatRate } from "./format.ts";

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
  if (mode === "bars") return new BarDisplay(writeLine);
  return {
    onEvent: mode === "json" ? jsonEvent() : mode === "lines" ? lineEvent : () => {},
    write: writeLine,
    stop: () => {},
  };
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

interface JobBar {
  bar: cliProgress.SingleBar;
  started: number;
}

/**
 * The live display: one bar per running job. The multi-bar exists only while
 * jobs run, so lines printed between runs (reports) are never redrawn over.
 */
class BarDisplay implements Display {
  #multi: cliProgress.MultiBar | undefined;
  readonly #bars = new Map<string, JobBar>();
  readonly #writeLine: (line: string) => void;

  constructor(writeLine: (line: string) => void) {
    this.#writeLine = writeLine;
  }

  #ensure(): cliProgress.MultiBar {
    this.#multi ??= new cliProgress.MultiBar({
      format: " {job} |{bar}| {percentage}% | {files} files | {bytes} | {rate} | {current}",
      barsize: 24,
      hideCursor: true,
      clearOnComplete: true,
      stopOnComplete: false,
      fps: 8,
      autopadding: true,
    }, cliProgress.Presets.shades_classic);
    return this.#multi;
  }

  write(line: string): void {
    if (this.#multi) this.#multi.log(line + "\n");
    else this.#writeLine(line);
  }

  onEvent(e: RunEvent): void {
    switch (e.type) {
      case "job-start": {
        if (this.#bars.has(e.job)) break;
        const bar = this.#ensure().create(1, 0, this.#payload(e.job, 0, 0, 0, 0, 0, ""));
        this.#bars.set(e.job, { bar, started: Date.now() });
        break;
      }
      case "progress": {
        const b = this.#bars.get(e.job);
        if (!b) break;
        const t = e.totals;
        const byBytes = t.bytesTotal > 0;
        const total = Math.max(1, byBytes ? t.bytesTotal : t.filesTotal + t.deletesTotal);
        const value = byBytes ? t.bytesDone : t.filesDone + t.deletesDone;
        b.bar.setTotal(total);
        b.bar.update(
          Math.min(value, total),
          this.#payload(
            e.job,
            t.filesDone,
            t.filesTotal,
            t.bytesDone,
            t.bytesTotal,
            Date.now() - b.started,
            t.current[0] ?? "",
          ),
        );
        if (e.event.type === "file-end" && e.event.error) {
          this.write(`${e.job}: ${e.event.path}: ${e.event.error}`);
        }
        break;
      }
      case "job-retry":
        this.write(`${e.job}: retry ${e.attempt} in ${formatDuration(e.delayMs)}: ${e.error}`);
        break;
      case "job-end": {
        const b = this.#bars.get(e.job);
        if (b) {
          this.#multi?.remove(b.bar);
          this.#bars.delete(e.job);
        }
        const c = e.result.counts;
        this.write(
          `${e.job}: ${e.result.status}, ${c.filesTransferred} file(s), ${
            formatBytes(c.bytesTransferred)
          }` +
            ` in ${formatDuration(e.result.durationMs)}${
              e.result.reason ? ` (${e.result.reason})` : ""
            }`,
        );
        if (this.#bars.size === 0) this.stop();
        break;
      }
      case "run-end":
        this.stop();
        break;
    }
  }

  #payload(
    job: string,
    filesDone: number,
    filesTotal: number,
    bytesDone: number,
    bytesTotal: number,
    ms: number,
    current: string,
  ) {
    return {
      job,
      files: `${filesDone}/${filesTotal}`,
      bytes: `${formatBytes(bytesDone)}/${formatBytes(bytesTotal)}`,
      rate: formatRate(bytesDone, ms),
      current: ellipsize(current, 30),
    };
  }

  stop(): void {
    this.#multi?.stop();
    this.#multi = undefined;
    this.#bars.clear();
  }
}
