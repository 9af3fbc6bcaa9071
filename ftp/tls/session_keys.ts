/**
 * Which entry of Deno's TLS session store a control connection and its data
 * connections use.
 *
 * Deno 2.9.6 (rustls inside) keeps one client session store per runtime,
 * keyed by the rustls `ServerName` alone: the SNI name, or, without SNI, the IP
 * literal the socket was connected to. A data connection resumes whatever was
 * stored last under its key, so two control connections under one key steal
 * each other's sessions, and a server that demands the data connection resume
 * *its own* control connection's session (ProFTPD's default, FileZilla Server,
 * IIS) refuses the data connection (docs/TLS.md, "Session scoping").
 *
 * So every live control connection gets a key of its own:
 * - the first one to a DNS name keeps that name (SNI is sent as usual);
 * - any other one while it lives (a session pool, a second server under the
 *   same name on another port) and every connection to an IP literal gets a
 *   label from the reserved 240.0.0.0/4 block, never dialled: rustls sends no
 *   SNI for an IP-literal name, and stores the session under the label.
 *
 * A key is released when its control connection closes; labels are never
 * handed out twice in a process, so no stale session can be resumed under one.
 *
 * @example
 * ```ts
 * const key = leaseSessionKey("ftp.example.org");
 * // first lease: { servername: "ftp.example.org", label: undefined }
 * const other = leaseSessionKey("ftp.example.org");
 * // { servername: undefined, label: "240.0.0.1" } while the first one is held
 * key.release();
 * ```
 * @module
 */
import { isIP } from "node:net";
import type net from "node:net";

/** Where one control connection's TLS sessions live in Deno's store. */
export interface SessionKey {
  /** SNI name to send (the real host name), or undefined when {@link label} is the key. */
  readonly servername?: string;
  /** An IP-literal key that is never dialled (no SNI), or undefined. */
  readonly label?: string;
  /** Gives the key back (idempotent). */
  release(): void;
}

const heldNames = new Set<string>();
// The server (host:port) each name last keyed: a name that keyed another
// server's sessions may still hold one of them (measured: ProFTPD on a new port
// under "localhost" then refused a data connection about one run in three).
const nameServers = new Map<string, string>();
let labels = 0;

/**
 * Leases a session key for a new control connection to `name` (the name it
 * verifies the certificate against). See the module notes. `fresh` asks for a
 * label even when the name is free: an entry that may hold TLS 1.3 tickets
 * breaks a TLS 1.2-only handshake (rustls takes such a ticket first, cannot
 * use it, and then does not look for a TLS 1.2 session). `server` (`host:port`)
 * names the server: a name that keyed another server's sessions before is not
 * used again (a label instead), so no stale session of that server is offered.
 *
 * @example
 * ```ts
 * const key = leaseSessionKey("127.0.0.1"); // { label: "240.0.0.5" }: IP literals never send SNI
 * ```
 */
export function leaseSessionKey(
  name: string,
  options: { fresh?: boolean; server?: string } = {},
): SessionKey {
  const folded = name.toLowerCase();
  const server = options.server ?? folded;
  if (
    !options.fresh && isIP(name) === 0 && !heldNames.has(folded) &&
    (nameServers.get(folded) ?? server) === server
  ) {
    heldNames.add(folded);
    nameServers.set(folded, server);
    let held = true;
    return {
      servername: name,
      release() {
        if (held) heldNames.delete(folded);
        held = false;
      },
    };
  }
  return { label: nextLabel(), release() {} };
}

/**
 * Prepares a plain socket so that `tls.connect({ socket, servername })` files
 * its session under `key`: Deno's node:tls takes the store key from
 * `servername`, else from the socket's `_host` (the host it was connected to),
 * and refuses an IP literal as `servername`, so a label goes into `_host`.
 * Returns the `servername` option to pass.
 *
 * @example
 * ```ts
 * const servername = applySessionKey(plainSocket, key);
 * const secure = tls.connect({ socket: plainSocket, servername, rejectUnauthorized: false });
 * ```
 */
export function applySessionKey(socket: net.Socket, key: SessionKey): string | undefined {
  if (key.label !== undefined) (socket as unknown as { _host: string })._host = key.label;
  return key.servername;
}

function nextLabel(): string {
  // 2^28 labels (240.0.0.0/4, "reserved for future use", RFC 1112) per process.
  const n = labels++ % 0x10000000;
  return `${240 + (n >>> 24)}.${(n >>> 16) & 255}.${(n >>> 8) & 255}.${n & 255}`;
}
