/**
 * The job algorithms, on any two endpoints: walk a tree, compare, plan and carry
 * out a mirror, a two-way sync (with its state store), rmtree and copy-if-newer;
 * reports, progress events, filters, retries and verification.
 *
 * @example Mirror one memory tree into another
 * ```ts
 * import { MemoryEndpoint, writeAll } from "./plugin.ts";
 * import { mirror } from "./sync.ts";
 *
 * const from = new MemoryEndpoint();
 * const to = new MemoryEndpoint();
 * await writeAll(await from.write("a.txt"), new TextEncoder().encode("hi"));
 * const report = await mirror(from, "", to, "");
 * console.log(report.files.transferred);
 * ```
 * @module
 */
// The glob engine, at once: walk() and makeFilter() take globs synchronously (sync/filter.ts).
import "./sync/globs.ts";
export * from "./sync/report.ts";
export * from "./sync/progress.ts";
export * from "./sync/filter.ts";
export * from "./sync/walk.ts";
export * from "./sync/compare.ts";
export * from "./sync/retry.ts";
export * from "./sync/transfer.ts";
export * from "./sync/verify.ts";
export * from "./sync/plan.ts";
export * from "./sync/execute.ts";
export * from "./sync/state.ts";
export * from "./sync/mirror.ts";
export * from "./sync/job_report.ts";
export * from "./sync/two_way.ts";
export * from "./sync/two_way_plan.ts";
export { CONFLICT_POLICIES } from "./sync/conflict_policies.ts";
export * from "./sync/rmtree.ts";
export * from "./sync/if_newer.ts";
export * from "./sync/overlap.ts";

// The types the names above mention (deno doc links them; not an API of their own): the
// endpoint contract's list, then this one's own.
export type * from "./endpoint/mentions.ts";
export type { SegmentOptions } from "./sync/segments.ts";
export type { CopyJobOptions } from "./sync/job_options.ts";
