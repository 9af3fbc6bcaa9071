/**
 * Control connections opened ahead (the CLI's head start for `ferry sync` and
 * `ferry mirror`, cli/head_start.ts), waiting for the session factory that would make the
 * same session: connected, welcomed, a pipelined login written. The factory
 * hands the connection to a client with its own options (`FtpClient.adopt`,
 * which reads the replies to the lines written). Kept apart from the client
 * (and node:net) so the head start loads it before anything else.
 * @module
 */
import type { Reply } from "./reply.ts";

/** A connection opened ahead and what was written on it. */
export interface OpenedAhead {
  conn: Deno.TcpConn;
  welcome: Reply;
  /** The pipelined login written (USER, PASS, then the lines after them). */
  sent: readonly string[];
}

/** Who a connection opened ahead logs in as, and where. */
export interface AheadSession {
  host: string;
  port?: number;
  user: string;
  password: string;
}

/** Connections offered and not yet taken, by server ({@link serverKey}). */
const offered = new Map<string, { who: AheadSession; opening: Promise<OpenedAhead | undefined> }>();

function serverKey(s: { host: string; port?: number }): string {
  return `${s.host.toLowerCase()}:${s.port ?? 21}`;
}

function closeQuietly(made: OpenedAhead | undefined): void {
  try {
    made?.conn.close();
  } catch {
    // closed already
  }
}

/**
 * Offers a connection being opened ahead to log in as `who`; the returned
 * function withdraws it (closing it) unless it was taken.
 *
 * @example
 * ```ts
 * const withdraw = offerAhead({ host: "h", port: 21, user: "bob", password: "pw" }, opening);
 * await withdraw(); // at exit
 * ```
 */
export function offerAhead(
  who: AheadSession,
  opening: Promise<OpenedAhead | undefined>,
): () => Promise<void> {
  opening.catch(() => {});
  const entry = { who, opening };
  offered.set(serverKey(who), entry);
  return async () => {
    if (offered.get(serverKey(who)) !== entry) return;
    offered.delete(serverKey(who));
    closeQuietly(await opening.catch(() => undefined));
  };
}

/**
 * Takes the connection offered for this server, once: when it logs in as
 * the same user with the same password; otherwise it is closed (never a
 * session more than the caller makes) and undefined is returned, as when
 * none was offered or opening it failed: the caller connects as usual.
 *
 * @example
 * ```ts
 * const ahead = await takeAhead({ host: "h", port: 21, user: "bob", password: "pw" });
 * ```
 */
export async function takeAhead(who: AheadSession): Promise<OpenedAhead | undefined> {
  const entry = offered.get(serverKey(who));
  if (!entry) return undefined;
  offered.delete(serverKey(who));
  const made = await entry.opening.catch(() => undefined);
  if (entry.who.user === who.user && entry.who.password === who.password) return made;
  closeQuietly(made);
  return undefined;
}
