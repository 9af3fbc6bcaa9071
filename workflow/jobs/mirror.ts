/**
 * The `mirror` job kind: sync/'s one-way mirror between two workflow targets.
 * @module
 */
import { type EarlyTargetWalk, mirror, walkTargetEarly } from "../../sync/mirror.ts";
import type { JobKind } from "../plugin.ts";
import { splitTarget } from "../target.ts";
import {
  filterRules,
  optionsSchema,
  outcomeFromReport,
  runOptions,
  transferOptions,
} from "./common.ts";
import type { MirrorOptions } from "./options.ts";

/**
 * `mirror: { from, to, delete, include, exclude, ... }`.
 *
 * @example
 * ```ts
 * registry.add(definePlugin({ name: "core", jobKinds: [mirrorJob] }));
 * ```
 */
export const mirrorJob: JobKind<MirrorOptions> = {
  name: "mirror",
  description: "one-way: make `to` look like `from` (new and changed files; `delete` for extras)",
  loadSchema: optionsSchema("MirrorOptions"),
  targets: ["from", "to"],
  writes: ["to"],
  async run(options, ctx) {
    const fromOpening = ctx.target(options.from);
    const toOpening = ctx.target(options.to);
    // Either fails as Promise.all does: with the first failure.
    const opened = Promise.all([fromOpening, toOpening]);
    const settings = {
      ...runOptions(ctx),
      ...filterRules(options),
      delete: options.delete,
      symlinks: options.symlinks,
      compare: options.compare,
      maxDelete: options.maxDelete,
      backupDir: options.backupDir,
    };
    let early: EarlyTargetWalk | undefined;
    // The target's walk starts as soon as it is open, while the source still
    // logs in (a server's password check: tens of ms). Not with both on one
    // endpoint: they open together, and the walks' skips need both roots.
    if (splitTarget(options.from).endpoint !== splitTarget(options.to).endpoint) {
      const toOpened = opened.then(([, to]) => to);
      const to = await Promise.race([toOpening.catch(() => toOpened), toOpened]);
      early = walkTargetEarly(to.endpoint, to.path, settings);
    }
    try {
      const [from, to] = await opened;
      const report = await mirror(from.endpoint, from.path, to.endpoint, to.path, {
        ...transferOptions(ctx, from.endpoint, to.endpoint),
        // The very options the early walk was given (it is used only when they match).
        ...settings,
        earlyTarget: early,
        // The state remembers what was sent to targets that cannot keep mtimes.
        state: ctx.dryRun || to.endpoint.capabilities().setMtime ? undefined : ctx.state(),
      });
      return outcomeFromReport(report);
    } finally {
      // A source that failed to open, or a mirror that could not use the walk: it stops.
      await early?.cancel();
    }
  },
};
