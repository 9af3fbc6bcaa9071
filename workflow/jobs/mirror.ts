/**
 * The `mirror` job kind: sync/'s one-way mirror between two workflow targets.
 * @module
 */
import { mirror } from "../../sync/mirror.ts";
import type { JobKind } from "../plugin.ts";
import { filterRules, optionsSchema, outcomeFromReport, transferOptions } from "./common.ts";
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
    const [from, to] = await Promise.all([ctx.target(options.from), ctx.target(options.to)]);
    const report = await mirror(from.endpoint, from.path, to.endpoint, to.path, {
      ...transferOptions(ctx, from.endpoint, to.endpoint),
      ...filterRules(options),
      delete: options.delete,
      symlinks: options.symlinks,
      compare: options.compare,
      maxDelete: options.maxDelete,
      backupDir: options.backupDir,
      // The state remembers what was sent to targets that cannot keep mtimes.
      state: ctx.dryRun || to.endpoint.capabilities().setMtime ? undefined : ctx.state(),
    });
    return outcomeFromReport(report);
  },
};
