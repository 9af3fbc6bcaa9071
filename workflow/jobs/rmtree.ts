/**
 * The `rmtree` job kind: sync/'s rmtree (refuses an endpoint root unless forced).
 * @module
 */
import { rmtree } from "../../sync/rmtree.ts";
import type { JobKind } from "../plugin.ts";
import { outcomeFromReport, runOptions } from "./common.ts";
import { RmtreeOptions } from "./options.ts";

/**
 * `rmtree: { at, ignoreErrors, force }`.
 *
 * @example
 * ```ts
 * registry.add(definePlugin({ name: "core", jobKinds: [rmtreeJob] }));
 * ```
 */
export const rmtreeJob: JobKind<RmtreeOptions> = {
  name: "rmtree",
  description: "remove a tree; refuses the endpoint root unless force is set",
  schema: RmtreeOptions,
  targets: ["at"],
  validate(options) {
    const path = options.at.slice(options.at.indexOf(":") + 1).replace(/^\/+|\/+$/g, "");
    return path === "" && !options.force
      ? [{ key: "at", message: "rmtree of an endpoint root needs force: true" }]
      : [];
  },
  async run(options, ctx) {
    const at = await ctx.target(options.at);
    const report = await rmtree(at.endpoint, at.path, {
      ...runOptions(ctx),
      ignoreErrors: options.ignoreErrors,
      force: options.force,
      parallel: ctx.parallel,
    });
    return outcomeFromReport(report);
  },
};
