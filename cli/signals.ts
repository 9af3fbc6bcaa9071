/**
 * Ctrl-C and SIGTERM: the first one aborts the run's signal so jobs stop
 * cleanly (no partial files under real names); a second one exits at once,
 * and so does a run that has not stopped within {@link STOP_DEADLINE_MS}
 * (partial files stay under their temporary names either way: a real name
 * is only ever made by renaming a complete file).
 * @module
 */
import { writeStderr } from "./logging.ts";

/** How long a run may take to stop after the first signal before the process exits anyway. */
export const STOP_DEADLINE_MS = 1800;

/**
 * The exit code for a run stopped by `sig`: 128 + the signal's number, as a
 * shell reports it (130 for SIGINT, 143 for SIGTERM).
 *
 * @example
 * ```ts
 * interruptedExitCode("SIGTERM"); // 143
 * ```
 */
export function interruptedExitCode(sig: Deno.Signal | undefined): number {
  return sig === "SIGTERM" ? 143 : 130;
}

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
export function listenForInterrupts(
  options: { deadlineMs?: number } = {},
): Interrupts {
  const controller = new AbortController();
  let received: Deno.Signal | undefined;
  let deadline: ReturnType<typeof setTimeout> | undefined;
  const signals: Deno.Signal[] = Deno.build.os === "windows" ? ["SIGINT"] : ["SIGINT", "SIGTERM"];
  const handler = (sig: Deno.Signal) => () => {
    if (received) {
      writeStderr("\nferry: interrupted again, exiting now\n");
      Deno.exit(interruptedExitCode(received));
    }
    received = sig;
    writeStderr(`\nferry: ${sig}: stopping cleanly (again to exit at once)\n`);
    const ms = options.deadlineMs ?? STOP_DEADLINE_MS;
    deadline = setTimeout(() => {
      writeStderr(
        `ferry: not stopped after ${ms} ms; exiting now (partial files keep their temporary names)\n`,
      );
      Deno.exit(interruptedExitCode(sig));
    }, ms);
    // A run that stops in time must not wait for this timer.
    Deno.unrefTimer(deadline);
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
      // Only when set: even the global clearTimeout loads node:timers (util/timers.ts).
      if (deadline !== undefined) clearTimeout(deadline);
      for (const [sig, h] of installed) Deno.removeSignalListener(sig, h);
    },
  };
}
