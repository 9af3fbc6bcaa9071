/**
 * The in-process memory report of the Deno servers bench/server_memory.ts
 * measures (bench/server_run.ts, bench/server_floor.ts).
 * @module
 */
import { glibcTrim, v8Release } from "../plugins/server/trim.ts";

/**
 * On SIGUSR2, prints `MEM {json}`: `Deno.memoryUsage()` (V8 heap against
 * external, i.e. ArrayBuffer, memory), and with `--v8-flags=--expose-gc` the
 * same after two full collections 200 ms apart (`gc`; V8 frees ArrayBuffer
 * memory on a background sweeper), the second a last-resort one that hands
 * V8's free heap pages back, followed by glibc's `malloc_trim(0)` (as ferry
 * serve's idle release, plugins/server/trim.ts): RSS read after the report is
 * then what the process holds, garbage and kept pages aside. Not SIGUSR1:
 * Deno starts its inspector on 127.0.0.1:9229 for that one, as node does.
 *
 * @example
 * ```ts
 * reportMemoryOnSignal(); // then: kill -USR2 <pid>
 * ```
 */
export function reportMemoryOnSignal(): void {
  const trim = glibcTrim();
  const release = v8Release();
  Deno.addSignalListener("SIGUSR2", async () => {
    const now = Deno.memoryUsage();
    const gc = (globalThis as { gc?: () => void }).gc;
    if (gc) {
      gc();
      await new Promise((r) => setTimeout(r, 200));
      (release ?? gc)();
      if (typeof trim === "function") trim();
    }
    console.log(`MEM ${JSON.stringify({ ...now, gc: gc ? Deno.memoryUsage() : undefined })}`);
  });
}
