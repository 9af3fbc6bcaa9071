/**
 * The `rmtree` job kind: sync/'s rmtree (refuses an endpoint root unless forced).
 * @module
 */
import type { JobKind } from "../plugin.ts";
import { optionsSchema, outcomeFromReport, runOptions } from "./common.ts";
import type { RmtreeOptions } from "./options.ts";

// The engine is imported when an rmtree runs (a specifier Deno does not read ahead).
const ENGINE = new URL("../../sync/rmtree.ts", import.meta.url).href;

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
  loadSchema: optionsSchema("RmtreeOptions"),
  targets: ["at"],
  validate(options) {
    const path = options.at.slice(options.at.indexOf(":") + 1).replace(/^\/+|\/+$/g, "");
    return path === "" && !options.force
      ? [{ key: "at", message: "rmtree of an endpoint root needs force: true" }]
      : [];
  },
  async run(options, ctx) {
    const at = await ctx.target(options.at);
    const { rmtree } = await import(ENGINE) as typeof import("../../sync/rmtree.ts");
    const report = await rmtree(at.endpoint, at.path, {
      ...runOptions(ctx),
      ignoreErrors: options.ignoreErrors,
      force: options.force,
      parallel: ctx.parallel,
    });
    return outcomeFromReport(report);
  },
};
