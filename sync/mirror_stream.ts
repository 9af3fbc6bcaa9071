/**
 * A mirror's plan streamed while both walks go on (issue 12): as soon as a
 * directory is listed on both sides (or is known to be missing on the target
 * and has been made), its copies and the mkdirs of its new subdirectories go
 * to the executor. Only what no later listing can change runs ahead: a copy
 * of a file whose target name holds nothing or the same type, a mkdir where
 * the target's listing has no such name. Everything else (deletions, entries
 * replaced by another type, and whatever lies under a directory that could
 * not be listed) waits for the whole plan, made from both complete walks
 * exactly as without streaming; what ran ahead is then left out of it.
 *
 * The target's walk never sees what runs ahead: copies go only into
 * directories the target's walk has listed already, or made here after its
 * parent's listing said they were not there (so the walk never lists them).
 * @module
 */
import type { Endpoint, Stat } from "../endpoint/types.ts";
import { normalizePath } from "../endpoint/path.ts";
import type { ActionOutcome, PlanRun } from "./execute.ts";
import { type Action, type MirrorPlanOptions, planMirror } from "./plan.ts";
import type { ListedDir, Tree } from "./walk.ts";

/**
 * The copies and new subdirectories of one directory that may run before the
 * whole plan is known: `planMirror`'s own actions for those names (so the
 * whole plan later has the very same ones), given both sides' listings of
 * the directory (`dst` undefined: the directory is not on the target yet).
 * Pure.
 *
 * @example
 * ```ts
 * const { copies, newDirs } = aheadOfPlan(srcListing, dstListing, { compare: { mode: "size" } });
 * ```
 */
export function aheadOfPlan(
  src: ListedDir,
  dst: ListedDir | undefined,
  options: MirrorPlanOptions,
): { copies: Action[]; newDirs: string[] } {
  const dstEntries = new Map(dst?.entries.map((e) => [e.path, e.stat]) ?? []);
  const part = (entries: Map<string, Stat>): Tree => ({
    root: "",
    entries,
    partials: new Map(dst?.partials ?? []),
    errors: [],
    warnings: [],
    complete: true,
  });
  const files = new Map(
    src.entries.filter((e) => e.stat.type !== "dir").map((e) => [e.path, e.stat]),
  );
  // Without deletions a name of another type on the target is a skip here; the
  // whole plan decides it (it may delete that entry first).
  const plan = planMirror(part(files), part(dstEntries), {
    ...options,
    delete: false,
    maxDelete: undefined,
  });
  const copies = plan.actions.filter((a) => a.op === "transfer" || a.op === "symlink");
  // A subdirectory on both sides goes on when the target's walk lists it; one
  // of another type there waits for the whole plan.
  const newDirs = src.entries.filter((e) => e.stat.type === "dir" && !dstEntries.has(e.path))
    .map((e) => e.path);
  return { copies, newDirs };
}

/**
 * Hears both walks of a mirror and hands to `run` what may run ahead
 * ({@link aheadOfPlan}). `done()` waits until everything handed is finished.
 *
 * @example
 * ```ts
 * const stream = new MirrorStream(dst, "mirror", planOptions, run);
 * await Promise.all([
 *   listTree(src, "pub", { onListed: stream.onSource }),
 *   listTree(dst, "mirror", { missingOk: true, onListed: stream.onTarget }),
 * ]);
 * const ran = await stream.done();
 * ```
 */
export class MirrorStream {
  readonly #dst: Endpoint;
  readonly #dstRoot: string;
  readonly #options: MirrorPlanOptions;
  readonly #run: PlanRun;
  readonly #src = new Map<string, ListedDir>();
  readonly #target = new Map<string, ListedDir>();
  /** Directories made here (missing on the target): ready for their contents. */
  readonly #made = new Set<string>();
  readonly #handled = new Set<string>();
  readonly #ran = new Map<string, { action: Action; outcome: Promise<ActionOutcome> }>();
  readonly #pending = new Set<Promise<unknown>>();
  #root: "unknown" | "listed" | "missing" | "made" = "unknown";
  /** The target root's mkdir while it runs (see {@link close}). */
  #rootMkdir?: Promise<void>;
  /** Set by {@link close}: nothing more is handed on. */
  #closed = false;
  /** Why the target's root could not be made (the mirror reports it and stops). */
  rootError?: unknown;

  /** Streams into `run`; `options` are the plan options the whole plan will use. */
  constructor(dst: Endpoint, dstRoot: string, options: MirrorPlanOptions, run: PlanRun) {
    this.#dst = dst;
    this.#dstRoot = dstRoot;
    this.#options = options;
    this.#run = run;
  }

  /** The source walk's `onListed`. */
  readonly onSource = (dir: ListedDir): void => {
    this.#src.set(dir.path, dir);
    this.#consider(dir.path);
  };

  /** The target walk's `onListed`. */
  readonly onTarget = (dir: ListedDir): void => {
    if (dir.path === "") this.#root = dir.missing ? "missing" : "listed";
    if (!dir.missing) this.#target.set(dir.path, dir);
    this.#consider(dir.path);
  };

  /** True when nothing more can run ahead (the target root could not be made). */
  get stopped(): boolean {
    return this.rootError !== undefined;
  }

  /** Whether the target's root was made here. */
  get rootMade(): boolean {
    return this.#root === "made";
  }

  /**
   * Ends the stream once both walks are done: nothing more is handed on (the
   * whole plan runs the rest), and what was handed, by key ({@link aheadKey}),
   * is returned with its outcome to come. The plan can be announced at once,
   * while those copies still run (a progress bar shows them).
   *
   * @example
   * ```ts
   * const handed = await stream.close();
   * const rest = plan.actions.filter((a) => !handed.has(aheadKey(a)));
   * ```
   */
  async close(): Promise<Map<string, Promise<ActionOutcome>>> {
    // A root mkdir under way hands its directory on (or fails) before the end.
    await this.#rootMkdir;
    this.#closed = true;
    return new Map([...this.#ran].map(([key, { outcome }]) => [key, outcome]));
  }

  /**
   * Waits for everything handed to the executor; returns what ran, by key
   * (see {@link aheadKey}).
   */
  async done(): Promise<Map<string, { action: Action; outcome: ActionOutcome }>> {
    while (this.#pending.size > 0) await Promise.all([...this.#pending]);
    const out = new Map<string, { action: Action; outcome: ActionOutcome }>();
    for (const [key, { action, outcome }] of this.#ran) {
      out.set(key, { action, outcome: await outcome });
    }
    return out;
  }

  #track(p: Promise<unknown>): void {
    this.#pending.add(p);
    p.finally(() => this.#pending.delete(p));
  }

  #consider(path: string): void {
    if (this.#closed || this.stopped || this.#handled.has(path)) return;
    const src = this.#src.get(path);
    if (!src) return;
    const dst = this.#target.get(path);
    const rootMissing = path === "" && this.#root === "missing";
    if (!dst && !this.#made.has(path) && !rootMissing) return;
    this.#handled.add(path);
    const ahead = aheadOfPlan(src, dst, this.#options);
    if (rootMissing) this.#makeRoot(ahead);
    else this.#hand(ahead);
  }

  #hand({ copies, newDirs }: { copies: Action[]; newDirs: string[] }): void {
    for (const action of copies) this.#ahead(action);
    for (const dir of newDirs) {
      const outcome = this.#ahead({ op: "mkdir", path: dir });
      this.#track(outcome.then((o) => {
        if (!o.ok) return;
        this.#made.add(dir);
        this.#consider(dir);
      }));
    }
  }

  #ahead(action: Action): Promise<ActionOutcome> {
    const outcome = this.#run.ahead(action);
    this.#ran.set(aheadKey(action), { action, outcome });
    this.#track(outcome);
    return outcome;
  }

  /**
   * A missing target root is made (as the mirror would, only when something
   * is to be copied) before anything lands in it.
   */
  #makeRoot(ahead: { copies: Action[]; newDirs: string[] }): void {
    if (ahead.copies.length + ahead.newDirs.length === 0) return;
    if (normalizePath(this.#dstRoot) === "") return this.#hand(ahead);
    this.#rootMkdir = this.#dst.mkdir(this.#dstRoot, { parents: true }).then(() => {
      this.#root = "made";
      this.#hand(ahead);
    }, (error) => {
      this.rootError = error;
    });
    this.#track(this.#rootMkdir);
  }
}

/**
 * The key an action that ran ahead is known by in the whole plan.
 *
 * @example
 * ```ts
 * aheadKey({ op: "mkdir", path: "d" }); // "mkdir\0d"
 * ```
 */
export function aheadKey(action: Action): string {
  return `${action.op}\0${action.path}`;
}
