/**
 * What a mirror is asked to do ({@link MirrorOptions}) and the early target
 * walk it may be handed ({@link EarlyTargetWalk}): types only, so that
 * sync/mirror.ts and sync/mirror_target.ts can both name them without
 * importing each other.
 * @module
 */
import type { CompareMode } from "./compare.ts";
import type { CopyJobOptions } from "./job_options.ts";
import type { StateStore } from "./state.ts";
import type { SymlinkPolicy } from "./walk.ts";

/** Options of {@link mirror} (the workflow's `mirror:` job and `ferry mirror`). */
export interface MirrorOptions extends CopyJobOptions {
  /** Delete target entries the source lacks (default false; excluded paths never are). */
  delete?: boolean;
  /** Default `skip`. */
  symlinks?: SymlinkPolicy;
  /** Default `size+mtime`. */
  compare?: CompareMode;
  /** Extra mtime slack in ms on top of the coarser precision. */
  toleranceMs?: number;
  /** A clock offset of the target the endpoint does not correct itself (ms). */
  timeShiftMs?: number;
  /** Refuse to delete more than this many files, or this share like `"10%"`. */
  maxDelete?: number | string;
  /** Move deleted and replaced files here (a path on the target endpoint) instead. */
  backupDir?: string;
  /** Adapt the transfers in flight up to `parallel` (`ExecuteOptions.adaptive`; default false). */
  adaptive?: boolean;
  /**
   * Where to remember what was sent to a target that cannot set mtimes.
   * Default: `statePath` is opened when (and only when) such a target needs it
   * (in a dry run only if it exists); `false` turns the memory off.
   */
  state?: StateStore | false;
  /** State file when no store is given (default `.ferry/state.db`). */
  statePath?: string;
  /**
   * Start copies while the walks go on (default false: one 40 ms run did not gain; see
   * sync/mirror_stream.ts; deletions always wait for both complete walks).
   */
  stream?: boolean;
  /**
   * The target's walk, started by {@link walkTargetEarly} while the source
   * endpoint was still opening. Used when it walks this very target with these
   * options (filters, symlinks, listings in flight, retries, signal, backup
   * dir, streaming) and the roots do not nest on one endpoint; else it is
   * cancelled and the target walked again, as without it.
   */
  earlyTarget?: EarlyTargetWalk;
}

/** A target walk started before the source endpoint was open ({@link walkTargetEarly}). */
export interface EarlyTargetWalk {
  /**
   * Stops the walk if it still runs (unless a mirror took it) and waits until
   * it has ended; never throws.
   *
   * @example
   * ```ts
   * const early = walkTargetEarly(disk, "mirror");
   * await early.cancel(); // the source could not be opened
   * ```
   */
  cancel(): Promise<void>;
}
