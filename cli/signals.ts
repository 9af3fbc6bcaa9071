/**
 * Ctrl-C and SIGTERM: the first one aborts the run's signal so jobs stop
 * cleanly (no partial files under real names); a second one exits at once.
 * @module
 */
import { writeStderr } from "./logging.ts";

/** An abort signal tied to SIGINT/SIGTERM, and the means to let go of them. */
export interface Interrupts {
  signal: AbortSignal;
  /** Which signal arrived first, if any. */
  readonly received: Deno.Signal | undefined;
  dispose(): void;
}

/**
 * Listens for SIGINT and SIGTERM (SIGINT only on Windows).
 *
 * @example
 * ```ts
 * const interrupts = listenForInterrupts();
 * try { await runWorkflow(wf, { signal: interrupts.signal }); } finally { interrupts.dispose(); }
 * ```
 */
export function listenForInterrupts(): Interrupts {
  const controller = new AbortController();
  let received: Deno.Signal | undefined;
  const signals: Deno.Signal[] = Deno.build.os === "windows" ? ["SIGINT"] : ["SIGINT", "SIGTERM"];
  const handler = (sig: Deno.Signal) => () => {
    if (received) {
      writeStderr("\nferry: interrupted again, exiting now\n");
      Deno.exit(130);
    }
    received = sig;
    writeStderr(`\nferry: ${sig}: stopping cleanly (again to exit at once)\n`);
    controller.abort(new DOMException(`interrupted by ${sig}`, "AbortError"));
  };
  const installed = signals.map((sig) => {
    const h = handler(sig);
    Deno.addSignalListener(sig, h);
    return [sig, h] as const;
  });
  return {
    signal: controller.signal,
    get received() {
      return received;
    },
    dispose() {
      for (const [sig, h] of installed) Deno.removeSignalListener(sig, h);
    },
  };
}
