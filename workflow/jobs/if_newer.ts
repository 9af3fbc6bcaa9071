/**
 * The `upload-if-newer` and `download-if-newer` job kinds: sync/'s copyIfNewer
 * (ftputil's rule) for a file or a tree. The two names read well in workflows;
 * the operation is the same, from `from` to `to`.
 * @module
 */
import type { JobKind } from "../plugin.ts";
import { filterRules, optionsSchema, outcomeFromReport, transferOptions } from "./common.ts";
import type { IfNewerOptions } from "./options.ts";

// The engine is imported when such a job runs (a specifier Deno does not read ahead).
const ENGINE = new URL("../../sync/if_newer.ts", import.meta.url).href;

function ifNewerJob(name: string, description: string): JobKind<IfNewerOptions> {
  return {
    name,
    description,
    loadSchema: optionsSchema("IfNewerOptions"),
    targets: ["from", "to"],
    writes: ["to"],
    async run(options, ctx) {
      const [from, to] = await Promise.all([ctx.target(options.from), ctx.target(options.to)]);
      const { copyIfNewer } = await import(ENGINE) as typeof import("../../sync/if_newer.ts");
      const report = await copyIfNewer(from.endpoint, from.path, to.endpoint, to.path, {
        ...transferOptions(ctx, from.endpoint, to.endpoint),
        ...filterRules(options),
        symlinks: options.symlinks,
      });
      return outcomeFromReport(report);
    },
  };
}

/**
 * `upload-if-newer: { from, to }` (from a local side, by convention).
 *
 * @example
 * ```ts
 * registry.add(definePlugin({ name: "core", jobKinds: [uploadIfNewerJob] }));
 * ```
 */
export const uploadIfNewerJob: JobKind<IfNewerOptions> = ifNewerJob(
  "upload-if-newer",
  "copy a file or tree to the server where the local copy is newer (ftputil's rule)",
);

/**
 * `download-if-newer: { from, to }` (to a local side, by convention).
 *
 * @example
 * ```ts
 * registry.add(definePlugin({ name: "core", jobKinds: [downloadIfNewerJob] }));
 * ```
 */
export const downloadIfNewerJob: JobKind<IfNewerOptions> = ifNewerJob(
  "download-if-newer",
  "copy a file or tree from the server where the server's copy is newer (ftputil's rule)",
);
