/**
 * Readiness and log collection shared by the starters of daemons that bind a port
 * we chose (vsftpd, ProFTPD, Pure-FTPd): such a port can be taken by another process
 * between our check and their bind, and their own log files hold the real reasons.
 * @module
 */
import { listenerOwnedBy } from "./owner.ts";
import type { PeerProcess } from "./process.ts";
import { awaitBanner, awaitListening } from "./rawftp.ts";

/**
 * Resolves with a failure description, or undefined once the server started as
 * `proc` (and not another process) answers on `port`.
 *
 * @example
 * ```ts
 * const failure = await awaitReady(proc, port, false);
 * if (failure) throw new Error(failure);
 * ```
 */
export async function awaitReady(
  proc: PeerProcess,
  port: number,
  implicit: boolean,
): Promise<string | undefined> {
  try {
    // The implicit-TLS banner needs a handshake; a listening socket is enough there.
    if (implicit) await awaitListening("127.0.0.1", port, { abort: proc.exited });
    else await awaitBanner("127.0.0.1", port, { abort: proc.exited });
  } catch (e) {
    return (e as Error).message;
  }
  if (listenerOwnedBy(proc.pid, port) === false) return `port ${port} taken by another process`;
  return undefined;
}

/**
 * The process output followed by each log file that exists, under a header line.
 *
 * @example
 * ```ts
 * const text = combinedLog(proc, [`${dir}/vsftpd.log`]);
 * ```
 */
export function combinedLog(proc: PeerProcess, files: string[]): string {
  let text = proc.log();
  for (const file of files) {
    try {
      const content = Deno.readTextFileSync(file);
      if (content) text += `\n--- ${file} ---\n${content}`;
    } catch {
      // Not written (yet).
    }
  }
  return text;
}
