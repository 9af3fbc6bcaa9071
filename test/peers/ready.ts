/**
 * Readiness and log collection shared by the starters of daemons that bind a port
 * we chose (vsftpd, ProFTPD, Pure-FTPd): such a port can be taken by another process
 * between our check and their bind, and their own log files hold the real reasons.
 * @module
 */
import { PeerError } from "./errors.ts";
import { listenerOwnedBy } from "./owner.ts";
import { freePort } from "./ports.ts";
import { descendants, type PeerProcess } from "./process.ts";
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
    // Another process that took the port between our check and the daemon's bind may
    // have answered (and closed) instead: that is a port to try again, not a failure.
    const message = (e as Error).message;
    if (listenerOwnedBy(proc.pid, port) === false) {
      return `port ${port} taken by another (${message})`;
    }
    return message;
  }
  if (listenerOwnedBy(proc.pid, port) === false) return `port ${port} taken by another process`;
  return await awaitSessionsGone(proc);
}

/**
 * Waits until the daemon has no child processes: the banner probe's session has
 * ended. A daemon counting sessions per address (ProFTPD's MaxClientsPerHost,
 * vsftpd's max_per_ip) would otherwise count the probe against the test's first
 * client while the machine is loaded. Resolves with a failure description if the
 * child lingers for 10 s.
 */
async function awaitSessionsGone(proc: PeerProcess): Promise<string | undefined> {
  const deadline = Date.now() + 10_000;
  while (descendants(proc.pid).length > 0) {
    if (Date.now() > deadline) return `the readiness probe's session did not end within 10 s`;
    // The child exits on the probe's close; nothing signals that here but /proc.
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
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

/** What {@link startOnFreePort} needs to know of one daemon. */
export interface DaemonStart {
  /** The peer's name in errors (`PeerError.peer`). */
  peer: string;
  /** The program's own name in messages, e.g. `pure-ftpd`. */
  program: string;
  /** Writes its config for `port` and spawns it. */
  spawn(port: number): Promise<PeerProcess>;
  /** Its log files, shown after the process output. */
  logs: string[];
  /** Implicit TLS: wait for a listening socket, not a banner. */
  implicit: boolean;
  /** What its failure says when another process had the port. */
  busy: RegExp;
  /** Run once the process stopped (removes the temp dir). */
  cleanup(): Promise<void>;
}

/** A daemon that answers on `port`. */
export interface StartedDaemon {
  port: number;
  /** Stops the process, keeps its last log, runs `cleanup`. Idempotent. */
  stop(): Promise<void>;
  log(): string;
}

/**
 * Starts a daemon on a free port and waits until it answers. A port found free
 * may be taken before the daemon binds it: then it tries again with another
 * (three times in all).
 *
 * @example
 * ```ts
 * const d = await startOnFreePort({ peer: "vsftpd", program: "vsftpd", spawn, logs: [logFile],
 *   implicit: false, busy: /could not bind/, cleanup });
 * ```
 */
export async function startOnFreePort(d: DaemonStart): Promise<StartedDaemon> {
  for (let attempt = 1;; attempt++) {
    const port = await freePort();
    const proc = await d.spawn(port);
    let logAtStop: string | undefined;
    const log = () => logAtStop ?? combinedLog(proc, d.logs);
    const failure = await awaitReady(proc, port, d.implicit);
    if (failure) {
      await proc.stop();
      if (attempt < 3 && (d.busy.test(failure + log()) || /taken by another/.test(failure))) {
        continue;
      }
      throw new PeerError(`${d.program} did not start: ${failure}`, { peer: d.peer, log: log() });
    }
    let stopping: Promise<void> | undefined;
    const stop = () =>
      stopping ??= proc.stop().then(() => {
        logAtStop = combinedLog(proc, d.logs);
      }).finally(d.cleanup);
    return { port, stop, log };
  }
}
