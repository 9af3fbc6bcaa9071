/**
 * A child process for a test peer: its output is captured (for `log()` and for
 * error messages), readiness is awaited on an output line, and `stop()` always
 * leaves nothing behind (process reaped, pipes drained), which Deno's resource
 * sanitizer checks.
 * @module
 */
import { PeerError } from "./errors.ts";

/** Keep at most this much output: enough to diagnose, bounded for chatty servers. */
const LOG_LIMIT = 512 * 1024;

/** A running peer process. */
export interface PeerProcess {
  /** The OS process id. */
  readonly pid: number;
  /** Resolves once the process has exited (never rejects). */
  readonly exited: Promise<Deno.CommandStatus>;
  /** Everything the process printed so far (stdout and stderr interleaved). */
  log(): string;
  /**
   * Resolves with the first match of `pattern` in the output; rejects with a
   * {@link PeerError} if the process exits first or `timeoutMs` passes.
   */
  waitForOutput(pattern: RegExp, timeoutMs?: number): Promise<RegExpMatchArray>;
  /** SIGTERM, then SIGKILL if it lingers; waits for exit and drained pipes. Idempotent. */
  stop(): Promise<void>;
}

/** Options of {@link spawnPeer}. */
export interface SpawnOptions {
  /** Name used in errors, e.g. "vsftpd". */
  peer: string;
  /** Extra environment variables (merged over the test's environment). */
  env?: Record<string, string>;
  cwd?: string;
  /**
   * The signal `stop()` sends first (default SIGTERM; SIGKILL follows after 5 s).
   * SIGKILL for a daemon whose own shutdown is slow and leaves nothing a test reads.
   */
  stopSignal?: Deno.Signal;
}

/**
 * Starts `cmd args...` with piped output and no stdin.
 *
 * @example
 * ```ts
 * const p = spawnPeer("/usr/bin/python3", ["-c", "print('READY', flush=True); input()"], { peer: "py" });
 * await p.waitForOutput(/READY/);
 * await p.stop();
 * ```
 */
export function spawnPeer(cmd: string, args: string[], options: SpawnOptions): PeerProcess {
  let child: Deno.ChildProcess;
  try {
    child = new Deno.Command(cmd, {
      args,
      env: options.env,
      cwd: options.cwd,
      stdin: "null",
      stdout: "piped",
      stderr: "piped",
    }).spawn();
  } catch (cause) {
    throw new PeerError(`cannot run ${cmd}: ${(cause as Error).message}`, {
      peer: options.peer,
      cause,
    });
  }
  let output = "";
  let exitedStatus: Deno.CommandStatus | undefined;
  const listeners = new Set<() => void>();
  const notify = () => listeners.forEach((l) => l());

  const readers = [child.stdout, child.stderr].map((stream) => {
    const reader = stream.pipeThrough(new TextDecoderStream()).getReader();
    const done = (async () => {
      try {
        for (;;) {
          const { value, done } = await reader.read();
          if (done) break;
          output += value;
          if (output.length > LOG_LIMIT) output = output.slice(-LOG_LIMIT);
          notify();
        }
      } catch {
        // Cancelled by stop(): nothing more to capture.
      }
    })();
    return { reader, done };
  });
  const drained = Promise.all(readers.map((r) => r.done));
  const exited = child.status.then(async (status) => {
    // Let the last words (e.g. "500 OOPS: ...") reach the log before anyone looks.
    await raceTimeout(drained, 1000);
    exitedStatus = status;
    notify();
    return status;
  });

  let stopping: Promise<void> | undefined;
  return {
    pid: child.pid,
    exited,
    log: () => output,
    waitForOutput(pattern, timeoutMs = 15_000) {
      return new Promise((resolve, reject) => {
        const check = () => {
          const match = output.match(pattern);
          if (match) return finish(() => resolve(match));
          if (exitedStatus) {
            finish(() =>
              reject(
                new PeerError(
                  `${options.peer} exited (code ${exitedStatus!.code}` +
                    `${exitedStatus!.signal ? `, signal ${exitedStatus!.signal}` : ""}) ` +
                    `before printing ${pattern}`,
                  { peer: options.peer, log: output },
                ),
              )
            );
          }
        };
        const timer = setTimeout(() =>
          finish(() =>
            reject(
              new PeerError(`${options.peer} did not print ${pattern} within ${timeoutMs} ms`, {
                peer: options.peer,
                log: output,
                code: "EPEERTIMEOUT",
              }),
            )
          ), timeoutMs);
        const finish = (settle: () => void) => {
          clearTimeout(timer);
          listeners.delete(check);
          settle();
        };
        listeners.add(check);
        check();
      });
    },
    stop() {
      stopping ??= (async () => {
        const kill = (pid: number, signal: Deno.Signal) => {
          try {
            Deno.kill(pid, signal);
          } catch {
            // Already gone between the check and the kill.
          }
        };
        // vsftpd's per-session processes call setsid() and outlive their parent:
        // find them while they are still its descendants, and end them too.
        const offspring = exitedStatus ? [] : descendants(child.pid);
        if (!exitedStatus) {
          kill(child.pid, options.stopSignal ?? "SIGTERM");
          if (!(await raceTimeout(child.status, 5000))) kill(child.pid, "SIGKILL");
        }
        await child.status;
        for (const pid of offspring) kill(pid, "SIGKILL");
        // A forked grandchild may still hold the pipes; do not wait on it forever.
        if (!(await raceTimeout(drained, 2000))) {
          await Promise.all(readers.map((r) => r.reader.cancel().catch(() => {})));
        }
        await drained;
        await exited;
      })();
      return stopping;
    },
  };
}

/** True if `p` settled within `ms`; always clears its timer (ops sanitizer). */
async function raceTimeout(p: Promise<unknown>, ms: number): Promise<boolean> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const timeout = new Promise<false>((resolve) => timer = setTimeout(() => resolve(false), ms));
  try {
    return await Promise.race([p.then(() => true, () => true), timeout]);
  } finally {
    clearTimeout(timer);
  }
}

/** All live descendants of `pid`, from /proc (Linux); empty where /proc cannot tell. */
export function descendants(pid: number): number[] {
  const children = new Map<number, number[]>();
  try {
    for (const entry of Deno.readDirSync("/proc")) {
      if (!/^\d+$/.test(entry.name)) continue;
      try {
        const stat = Deno.readTextFileSync(`/proc/${entry.name}/stat`);
        // "pid (comm) state ppid ...": comm may hold spaces and parentheses.
        const ppid = Number(stat.slice(stat.lastIndexOf(")") + 2).split(" ")[1]);
        children.set(ppid, [...(children.get(ppid) ?? []), Number(entry.name)]);
      } catch {
        // Exited while we looked.
      }
    }
  } catch {
    return [];
  }
  const found: number[] = [];
  const queue = [pid];
  while (queue.length) {
    for (const c of children.get(queue.shift()!) ?? []) {
      found.push(c);
      queue.push(c);
    }
  }
  return found;
}
