/**
 * The command lines FTP sessions send, as the FTP trace logs them: for tests
 * that check what went on the wire (and what did not) against real servers.
 * @module
 */

/**
 * Starts capturing every command line sent (`sent`, in order, PASS masked);
 * `stop` resets the logging.
 *
 * @example
 * ```ts
 * const trace = await traceCommands();
 * await ftp.pwd();
 * console.log(trace.sent.at(-1)); // "PWD"
 * await trace.stop();
 * ```
 */
export async function traceCommands(): Promise<{ sent: string[]; stop(): Promise<void> }> {
  const { configureLogging, resetLogging } = await import("../../deps/logtape.ts");
  const sent: string[] = [];
  await configureLogging({
    reset: true,
    sinks: {
      capture: (record) => {
        const line = record.properties.line;
        if (record.message[0] === "> " && typeof line === "string") sent.push(line);
      },
    },
    loggers: [
      { category: ["ferry", "ftp", "control"], lowestLevel: "debug", sinks: ["capture"] },
      { category: ["logtape", "meta"], lowestLevel: "error", sinks: [] },
    ],
  });
  return { sent, stop: () => resetLogging() };
}
