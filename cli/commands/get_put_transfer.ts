/**
 * What every `get` and `put` does around its copy: waits for it unless
 * Ctrl-C/SIGTERM comes first, tells what it moved (stderr, `--json` on
 * stdout), and over FTP leaves the session (cut first after an interrupt).
 * @module
 */
import type { CliContext } from "../context.ts";
import { formatBytes, formatDuration, formatRate } from "../format.ts";
import type { FtpClient } from "../../ftp/client.ts";
import type { FtpHost } from "../../endpoint/ftp/host.ts";

/**
 * Waits for a transfer, or rejects at once on Ctrl-C/SIGTERM: an aborted pipe
 * waits for its ABOR to be answered, which a stuck server never does; closing
 * the session (see {@link leave}) then ends the transfer.
 *
 * @example
 * ```ts
 * const bytes = await unlessInterrupted(source.send(sink, cli.signal), cli);
 * ```
 */
export function unlessInterrupted<T>(work: Promise<T>, cli: CliContext): Promise<T> {
  const signal = cli.signal;
  work.catch(() => {}); // settled by closing the session when it is left behind
  return new Promise<T>((resolve, reject) => {
    const onAbort = () => reject(signal.reason);
    if (signal.aborted) return onAbort();
    signal.addEventListener("abort", onAbort, { once: true });
    work.then(resolve, reject).finally(() => signal.removeEventListener("abort", onAbort));
  });
}

/**
 * Tells what a get or put moved, in how long (stderr unless `-q`; a JSON
 * record on stdout with `--json`).
 *
 * @example
 * ```ts
 * done(cli, "get a.bin", 1_048_576, started); // get a.bin: 1.0 MiB in 120 ms (8.3 MiB/s)
 * ```
 */
export function done(cli: CliContext, what: string, bytes: number, started: number): void {
  const ms = Date.now() - started;
  if (!cli.globals.quiet) {
    cli.err(`${what}: ${formatBytes(bytes)} in ${formatDuration(ms)} (${formatRate(bytes, ms)})`);
  }
  if (cli.globals.json) cli.out(JSON.stringify({ what, bytes, durationMs: ms }));
}

/**
 * Closes the host (QUIT); after Ctrl-C/SIGTERM the session is cut first: it
 * may still wait for an ABOR answer that a stuck server never sends.
 *
 * @example
 * ```ts
 * try { await client.retrieve(path); } finally { await leave(cli, client, host); }
 * ```
 */
export async function leave(cli: CliContext, client: FtpClient, host: FtpHost): Promise<void> {
  if (cli.signal.aborted) client.close();
  await host.close();
}
