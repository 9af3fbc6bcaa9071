/**
 * Who listens on a port. A port found free can be taken by someone else before
 * our server binds it; then a banner check would talk to the wrong server. Linux
 * tells the truth in /proc: the listening socket's inode must be one of our
 * process's file descriptors.
 * @module
 */

/**
 * `true` if process `pid` holds the socket listening on 127.0.0.1:`port`, `false`
 * if another process does, `undefined` if /proc cannot tell (not Linux).
 *
 * @example
 * ```ts
 * if (listenerOwnedBy(proc.pid, port) === false) throw new Error("port taken by someone else");
 * ```
 */
export function listenerOwnedBy(pid: number, port: number): boolean | undefined {
  const inodes = listeningInodes(port);
  if (!inodes) return undefined;
  const owned = socketInodes(pid);
  return [...inodes].some((inode) => owned.has(inode));
}

/**
 * `true` if exactly one socket listens on 127.0.0.1:`port` and process `pid` holds
 * it; `false` if none, another process's, or several (SO_REUSEPORT lets sockets
 * share a port, and the kernel then spreads connections over them); `undefined`
 * if /proc cannot tell (not Linux).
 *
 * @example
 * ```ts
 * if (soleListener(proc.pid, cmdPort) === false) throw new Error("port shared");
 * ```
 */
export function soleListener(pid: number, port: number): boolean | undefined {
  const inodes = listeningInodes(port);
  if (!inodes) return undefined;
  return inodes.size === 1 && socketInodes(pid).has([...inodes][0]);
}

/** Inodes of the sockets listening on 127.0.0.1:`port`; undefined without /proc. */
function listeningInodes(port: number): Set<string> | undefined {
  let table: string;
  try {
    table = Deno.readTextFileSync("/proc/net/tcp");
  } catch {
    return undefined;
  }
  const local = `0100007F:${port.toString(16).toUpperCase().padStart(4, "0")}`;
  const inodes = new Set<string>();
  for (const line of table.split("\n").slice(1)) {
    const f = line.trim().split(/\s+/);
    // f[1] local address, f[3] state (0A = LISTEN), f[9] inode
    if (f[1] === local && f[3] === "0A") inodes.add(f[9]);
  }
  return inodes;
}

/** Inodes of the sockets process `pid` holds open; empty once it is gone. */
function socketInodes(pid: number): Set<string> {
  const inodes = new Set<string>();
  try {
    for (const entry of Deno.readDirSync(`/proc/${pid}/fd`)) {
      try {
        const target = Deno.readLinkSync(`/proc/${pid}/fd/${entry.name}`);
        const inode = target.match(/^socket:\[(\d+)\]$/)?.[1];
        if (inode) inodes.add(inode);
      } catch {
        // Closed while we looked.
      }
    }
  } catch {
    // The process is gone.
  }
  return inodes;
}
