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
  try {
    for (const entry of Deno.readDirSync(`/proc/${pid}/fd`)) {
      const target = Deno.readLinkSync(`/proc/${pid}/fd/${entry.name}`);
      const inode = target.match(/^socket:\[(\d+)\]$/)?.[1];
      if (inode && inodes.has(inode)) return true;
    }
  } catch {
    return false; // the process is gone
  }
  return false;
}
