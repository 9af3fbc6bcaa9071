/**
 * sync/transfer.ts (with pump.ts, replace.ts, segmented.ts, segments.ts,
 * transfer_errors.ts and verify.ts), imported when a plan first needs to copy,
 * move aside or link: a re-run that finds nothing to copy (a plan of skips)
 * never loads it. Deno loads every module for ~0.2 ms of CPU on top of its
 * code, and a no-change mirror is short enough for that to show.
 * {@link prefetchTransferCode} starts the import as soon as a plan shows
 * such an action, so the first copy does not wait for it.
 * @module
 */

type TransferCode = typeof import("./transfer.ts");

// A specifier in a variable: Deno does not read it (and its imports) ahead
// when it builds the module graph of the modules that import this one.
const TRANSFER_MODULE = new URL("./transfer.ts", import.meta.url).href;
let loading: Promise<TransferCode> | undefined;

/**
 * The transfer code, imported on first call (one import for all callers).
 *
 * @example
 * ```ts
 * const { transferFile } = await transferCode();
 * ```
 */
export function transferCode(): Promise<TransferCode> {
  return loading ??= import(TRANSFER_MODULE) as Promise<TransferCode>;
}

/**
 * Starts importing the transfer code without waiting for it; a failure is
 * met by the first {@link transferCode} caller.
 *
 * @example
 * ```ts
 * if (plan.actions.some((a) => a.op === "transfer")) prefetchTransferCode();
 * ```
 */
export function prefetchTransferCode(): void {
  if (!loading) transferCode().catch(() => {});
}
