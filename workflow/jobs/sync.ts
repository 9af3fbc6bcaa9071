/**
 * The `sync` job kind: sync/'s two-way sync with a state store.
 * @module
 */
import { resolve } from "../../util/paths.ts";
import { pathExists } from "../../util/files.ts";
import type { StateStore } from "../../sync/state.ts";
import type { JobContext, JobKind } from "../plugin.ts";
import { filterRules, optionsSchema, outcomeFromReport, transferOptions } from "./common.ts";
import type { SyncOptions } from "./options.ts";

// The engine is imported when a sync runs (a specifier Deno does not read ahead): a
// mirror, which loads this module with the other job kinds, does not pay for it.
const ENGINE = new URL("../../sync/two_way.ts", import.meta.url).href;

/**
 * `sync: { a, b, conflict, state, include, exclude, maxDelete, force, ... }`.
 *
 * @example
 * ```ts
 * registry.add(definePlugin({ name: "core", jobKinds: [syncJob] }));
 * ```
 */
export const syncJob: JobKind<SyncOptions> = {
  name: "sync",
  description: "two-way: carry changes and deletions on either side to the other (state kept)",
  loadSchema: optionsSchema("SyncOptions"),
  targets: ["a", "b"],
  writes: ["a", "b"],
  async run(options, ctx) {
    const [a, b] = await Promise.all([ctx.target(options.a), ctx.target(options.b)]);
    const { sync } = await import(ENGINE) as typeof import("../../sync/two_way.ts");
    const report = await sync(a.endpoint, a.path, b.endpoint, b.path, {
      ...transferOptions(ctx, a.endpoint, b.endpoint),
      ...filterRules(options),
      conflict: options.conflict,
      conflictSuffix: options.conflictSuffix,
      compare: options.compare,
      maxDelete: options.maxDelete,
      force: options.force,
      symlinks: options.symlinks,
      state: stateFor(options, ctx),
    });
    return outcomeFromReport(report);
  },
};

/** The state store; a dry run without a state file plans from an empty one and creates nothing. */
function stateFor(options: SyncOptions, ctx: JobContext): StateStore {
  const path = resolve(ctx.stateDir, options.state ?? "state.db");
  return ctx.dryRun && !pathExists(path) ? ctx.state(":memory:") : ctx.state(options.state);
}
