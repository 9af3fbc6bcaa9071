/**
 * ferry's own job kinds as a plugin module of their own, so a registry can
 * know them by manifest and import the sync engine only when a job runs
 * (`ferry ls` and `ferry get` never do).
 * @module
 */
import { downloadIfNewerJob, uploadIfNewerJob } from "./jobs/if_newer.ts";
import { mirrorJob } from "./jobs/mirror.ts";
import { rmtreeJob } from "./jobs/rmtree.ts";
import { syncJob } from "./jobs/sync.ts";
import { walkJob } from "./jobs/walk.ts";
import { definePlugin, type JobKind } from "./plugin.ts";

/**
 * The built-in job kinds, in help order.
 *
 * @example
 * ```ts
 * builtinJobKinds.map((k) => k.name); // ["mirror", "sync", ...]
 * ```
 */
// deno-lint-ignore no-explicit-any
export const builtinJobKinds: JobKind<any>[] = [
  mirrorJob,
  syncJob,
  walkJob,
  rmtreeJob,
  uploadIfNewerJob,
  downloadIfNewerJob,
];

/** The job kinds as a plugin (what a lazy registry imports on first use). */
export default definePlugin({
  name: "ferry-jobs",
  description: "built-in job kinds",
  jobKinds: builtinJobKinds,
});
