/**
 * The client's short commands that go out together in one write, their
 * replies then read in order: one round trip where the server answers a
 * burst at once, instead of one a command. FEAT with the queries asked
 * behind it, TYPE I + SIZE, RNFR + RNTO (perhaps after a command on the
 * source, and with the next transfer's EPSV behind). Functions of the
 * session's state (./client_session.ts), as `FtpClient` (./client.ts) hands
 * it; each holds the session's lock for its whole burst.
 * @module
 */
import type { ClientSession } from "./client_session.ts";
import { CommandNotImplementedError, errorForReply, FtpProtocolError } from "./errors.ts";
import { parseFeatures, type Reply } from "./reply.ts";

/**
 * `ahead` sent in FEAT's write (alone when the session knows FEAT already);
 * FEAT's answer kept on the session, the others' replies (refusals
 * included) returned in turn. A refused FEAT throws once all are read,
 * except a 5xx "not implemented", which leaves no features.
 *
 * @example
 * ```ts
 * const [mlst] = await featuresAhead(session, ["MLST ."]);
 * session.features?.has("MLST");
 * ```
 */
export function featuresAhead(s: ClientSession, ahead: readonly string[]): Promise<Reply[]> {
  return s.exclusive(async () => {
    const asked = !s.features;
    s.control.sendMany(asked ? ["FEAT", ...ahead] : ahead);
    let refused: Error | undefined;
    if (asked) {
      // Known before the rest is read: a session that fails those still has its FEAT.
      const feat = await s.control.read();
      refused = feat.code >= 400 ? errorForReply(feat, "FEAT") : undefined;
      if (!refused || refused instanceof CommandNotImplementedError) {
        s.features = refused ? new Map() : parseFeatures(feat);
        refused = undefined;
      }
    }
    const out: Reply[] = [];
    for (let i = 0; i < ahead.length; i++) out.push(await s.control.read());
    if (refused) throw refused;
    return out;
  });
}

/**
 * SIZE in bytes, sent in binary mode (the size depends on TYPE): TYPE I
 * goes in the same write when the session is not in it yet.
 *
 * @example
 * ```ts
 * await sizeOf(session, "pub/a.iso"); // 734003200
 * ```
 */
export async function sizeOf(s: ClientSession, path: string): Promise<number> {
  const reply = await s.exclusive(async () => {
    const typed = s.type === "I";
    s.control.sendMany(typed ? [`SIZE ${path}`] : ["TYPE I", `SIZE ${path}`]);
    if (!typed) {
      const type = await s.control.read(s.timeout, "TYPE I");
      if (type.code < 200 || type.code >= 300) {
        await s.control.read(s.timeout, `SIZE ${path}`);
        throw errorForReply(type, "TYPE I");
      }
      s.type = "I";
    }
    const reply = await s.control.read(s.timeout, `SIZE ${path}`);
    if (reply.code < 200 || reply.code >= 300) throw errorForReply(reply, `SIZE ${path}`);
    return reply;
  });
  const size = Number(reply.text.trim());
  if (!Number.isSafeInteger(size)) throw new FtpProtocolError(`bad SIZE reply: ${reply.text}`);
  return size;
}

/**
 * RNFR + RNTO in one write: after a refused RNFR the server answers RNTO
 * with 503 (no rename pending) and nothing moves.
 *
 * @example
 * ```ts
 * await renameBurst(session, "incoming/a.tmp", "incoming/a.txt");
 * ```
 */
export function renameBurst(s: ClientSession, from: string, to: string): Promise<void> {
  return s.exclusive(async () => {
    s.control.sendMany([`RNFR ${from}`, `RNTO ${to}`]);
    await readRename(s, from, to);
  });
}

/**
 * `command` (one that changes `from` itself, e.g. `MFMT time from`), then
 * RNFR + RNTO, in one write, with the next transfer's EPSV behind where the
 * session keeps ports ahead (`epsvAhead`). The rename goes ahead whatever
 * `command`'s reply; that reply is returned, a failed rename throws.
 *
 * @example
 * ```ts
 * const set = await renameAfterBurst(session, "MFMT 20261130081500 up/.a.part", "up/.a.part", "up/a");
 * ```
 */
export function renameAfterBurst(
  s: ClientSession,
  command: string,
  from: string,
  to: string,
): Promise<Reply> {
  return s.exclusive(async () => {
    // The next transfer's EPSV goes along (`epsvAhead`): its reply is read after the rename's.
    const ahead = s.epsvAhead ? ["EPSV"] : [];
    s.control.sendMany([command, `RNFR ${from}`, `RNTO ${to}`, ...ahead]);
    const before = await s.control.read(s.timeout, command);
    await readRename(s, from, to, ahead.length > 0);
    return before;
  });
}

/**
 * The replies to RNFR and RNTO sent together (a refused RNFR makes the
 * server refuse RNTO), then to an EPSV sent after them (`epsv`): a 229 keeps
 * its port for the next transfer, anything else is passed over.
 */
async function readRename(s: ClientSession, from: string, to: string, epsv = false) {
  const first = await s.control.read(s.timeout, `RNFR ${from}`);
  const second = await s.control.read(s.timeout, `RNTO ${to}`);
  if (epsv) s.keepPort(await s.control.read(s.timeout, "EPSV"));
  if (first.code !== 350) throw errorForReply(first, `RNFR ${from}`);
  if (second.code < 200 || second.code >= 300) throw errorForReply(second, `RNTO ${to}`);
}
