/**
 * Progress of a running job, as events plus running totals, so the CLI can
 * draw a bar (files and bytes done / total, current files) or write NDJSON.
 * @module
 */

/** What a job can tell while it runs. */
export type ProgressEvent =
  /** The job knows its work: files and bytes to transfer, entries to delete. */
  | { type: "plan"; files: number; bytes: number; deletes: number }
  | { type: "file-start"; path: string; size: number; action: ProgressAction }
  /** `bytes`: bytes of this file on the target so far (a resumed file starts at its offset). */
  | { type: "file-progress"; path: string; bytes: number; size: number }
  | { type: "file-end"; path: string; bytes: number; action: ProgressAction; error?: string }
  | { type: "retry"; path: string; attempt: number; delayMs: number; error: string };

/** The kind of work a file event is about. */
export type ProgressAction = "transfer" | "delete" | "mkdir" | "symlink" | "rename" | "setMtime";

/** Running totals, updated before each event is delivered (a live view: copy to keep). */
export interface ProgressTotals {
  /** Files the plan transfers. */
  filesTotal: number;
  /** Files finished (copied or failed). */
  filesDone: number;
  /** Bytes the plan transfers. */
  bytesTotal: number;
  /** Bytes on the target for finished and running transfers (resumed offsets included). */
  bytesDone: number;
  /** Deletions the plan makes. */
  deletesTotal: number;
  /** Deletions done. */
  deletesDone: number;
  /** Actions that failed. */
  failed: number;
  /** Paths being transferred right now. */
  current: string[];
}

/** A listener for progress; must not throw (errors are swallowed so a bad renderer cannot fail a job). */
export type ProgressListener = (event: ProgressEvent, totals: Readonly<ProgressTotals>) => void;

/**
 * Keeps the totals and forwards events to an optional listener.
 *
 * @example
 * ```ts
 * const p = new ProgressTracker((e, t) => console.log(e.type, t.bytesDone, "/", t.bytesTotal));
 * p.plan(2, 2048, 0);
 * ```
 */
export class ProgressTracker {
  /** The running totals (a live view). */
  readonly totals: ProgressTotals = {
    filesTotal: 0,
    filesDone: 0,
    bytesTotal: 0,
    bytesDone: 0,
    deletesTotal: 0,
    deletesDone: 0,
    failed: 0,
    current: [],
  };
  readonly #listener?: ProgressListener;
  readonly #fileBytes = new Map<string, number>();
  readonly #everyMs: number;
  readonly #now: () => number;
  /** When each running file last reported bytes (each file is throttled on its own). */
  readonly #lastProgress = new Map<string, number>();
  /** Events held back until the plan is announced (see {@link hold}), with their totals then. */
  #held?: [ProgressEvent, ProgressTotals][];

  /**
   * `progressEveryMs`: `file-progress` events at most this often (default 100
   * ms; a file's last one always): every chunk was an event before, through
   * the run's secret redaction, ~5 % of a fast transfer's CPU. Totals are
   * kept exact regardless.
   */
  constructor(
    listener?: ProgressListener,
    options: { progressEveryMs?: number; now?: () => number } = {},
  ) {
    this.#listener = listener;
    this.#everyMs = options.progressEveryMs ?? 100;
    this.#now = options.now ?? performance.now.bind(performance);
  }

  /**
   * Announces the work ahead.
   *
   * @example
   * ```ts
   * tracker.plan(10, 1024, 0); // 10 files, 1 KiB, no deletions
   * ```
   */
  plan(files: number, bytes: number, deletes: number): void {
    const planned = { filesTotal: files, bytesTotal: bytes, deletesTotal: deletes };
    Object.assign(this.totals, planned);
    const held = this.#held ?? [];
    this.#held = undefined;
    this.#emit({ type: "plan", files, bytes, deletes });
    // Work that began before the plan was whole is told after it, as it happened.
    for (const [event, totals] of held) this.#deliver(event, { ...totals, ...planned });
  }

  /**
   * Holds every event back until {@link plan}, which delivers it first and
   * then the held ones (with the plan's totals): a listener hears the same
   * events in the same order whether or not work began before the plan was
   * whole (a streaming mirror).
   *
   * @example
   * ```ts
   * tracker.hold();
   * tracker.start("a.txt", 5, "transfer"); // not delivered yet
   * tracker.plan(1, 5, 0); // "plan", then "file-start"
   * ```
   */
  hold(): void {
    if (this.#listener) this.#held ??= [];
  }

  /**
   * A file's work begins.
   *
   * @example
   * ```ts
   * tracker.start("pub/a.txt", 12, "transfer");
   * ```
   */
  start(path: string, size: number, action: ProgressAction): void {
    if (action === "transfer") {
      this.totals.current.push(path);
      this.#fileBytes.set(path, 0);
    }
    this.#emit({ type: "file-start", path, size, action });
  }

  /**
   * A transfer has `bytes` of `size` on the target.
   *
   * @example
   * ```ts
   * tracker.bytes("pub/a.txt", 6, 12);
   * ```
   */
  bytes(path: string, bytes: number, size: number): void {
    const before = this.#fileBytes.get(path) ?? 0;
    this.#fileBytes.set(path, bytes);
    this.totals.bytesDone += bytes - before;
    if (!this.#listener) return;
    const now = this.#now();
    if (bytes < size && now - (this.#lastProgress.get(path) ?? -Infinity) < this.#everyMs) return;
    this.#lastProgress.set(path, now);
    this.#emit({ type: "file-progress", path, bytes, size });
  }

  /**
   * A file's work ended, well or not.
   *
   * @example
   * ```ts
   * tracker.end("pub/a.txt", "transfer");
   * ```
   */
  end(path: string, action: ProgressAction, error?: unknown): void {
    const bytes = this.#fileBytes.get(path) ?? 0;
    this.#fileBytes.delete(path);
    this.#lastProgress.delete(path);
    const i = this.totals.current.indexOf(path);
    if (i >= 0) this.totals.current.splice(i, 1);
    if (error !== undefined) this.totals.failed++;
    else if (action === "transfer" || action === "symlink") this.totals.filesDone++;
    else if (action === "delete") this.totals.deletesDone++;
    const event: ProgressEvent = { type: "file-end", path, bytes, action };
    if (error !== undefined) event.error = error instanceof Error ? error.message : String(error);
    this.#emit(event);
  }

  /**
   * A temporary failure will be retried after `delayMs`.
   *
   * @example
   * ```ts
   * tracker.retry("pub/a.txt", 1, 1000, error);
   * ```
   */
  retry(path: string, attempt: number, delayMs: number, error: unknown): void {
    const message = error instanceof Error ? error.message : String(error);
    this.#emit({ type: "retry", path, attempt, delayMs, error: message });
  }

  #emit(event: ProgressEvent): void {
    if (this.#held) {
      this.#held.push([event, { ...this.totals, current: [...this.totals.current] }]);
      return;
    }
    this.#deliver(event, this.totals);
  }

  #deliver(event: ProgressEvent, totals: Readonly<ProgressTotals>): void {
    try {
      this.#listener?.(event, totals);
    } catch {
      // A renderer's bug must not fail a transfer.
    }
  }
}
