/**
 * `ferry serve` (the CLI's own `main`, the same command line) that also
 * answers SIGUSR2 with `Deno.memoryUsage()` (bench/mem_report.ts), so that
 * bench/server_memory.ts can put the real command's V8 heap beside its RSS
 * (kind `cli-mem`). The CLI's restart with its serving settings does not run
 * under another main module: the bench sets the same environment itself
 * (`+serve`, plugins/server/relaunch.ts).
 *
 *   DENO_V8_FLAGS=--max-semi-space-size=2,--expose-gc MALLOC_MMAP_THRESHOLD_=65536 \
 *     deno run -A bench/serve_mem.ts serve -p 2121 -u bench -P pw DIR
 * @module
 */
import { main } from "../cli/main.ts";
import { reportMemoryOnSignal } from "./mem_report.ts";

reportMemoryOnSignal();
Deno.exit(await main(Deno.args));
