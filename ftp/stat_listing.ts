/**
 * A directory listed over the control connection: `STAT -a <dir>` (RFC 959's
 * STAT with a path, lftp's `ftp:use-stat-for-list`), its listing in a
 * multi-line reply, no data connection. What real servers answer (measured
 * 2026-12-07): vsftpd 3.0.3 and ProFTPD 1.3.8 send `ls -l` lines with the directory's "." and the dot
 * files (ProFTPD one space before each line, `212-`/`212 End of status`),
 * Pure-FTPd 1.0.50 only with `-a`, pyftpdlib without "." (and 550 to `-a`).
 *
 * A name with CR or LF in it could cut the reply short and put the session
 * out of step (the rest of the listing read as the replies to the next
 * commands). So the replies are checked to be in step: `REST <random
 * number>` and `REST 0` go in STAT's write (`TYPE I` before them where the
 * session is in TYPE A: ProFTPD and pyftpdlib refuse REST in ASCII), and the
 * two replies after STAT's must be 350s, the first holding that number, which
 * no name can (vsftpd "350 Restart position accepted (N).", ProFTPD "350
 * Restarting at N. ...", Pure-FTPd "350 Restarting at N", pyftpdlib "350
 * Restarting at position N."). The rest of a reply a name ended early is
 * read where REST's reply is due (or fails as no reply at all): the session
 * is closed (`sessionClosed`). No extra round trip; REST 0 leaves no restart
 * position behind. So is a final line other than the one this server sent to
 * STAT before (`end`), and anything past REST 0's reply.
 *
 * In step, the reply is taken as a listing only when it is a multi-line
 * 211/212/213 reply whose every line between the first and the last is a Unix
 * listing line (one leading space dropped: ProFTPD's), and no line ended in a
 * bare LF (servers end their own lines in CR LF; a name's LF goes as it is).
 * A reply longer than `maxStatListingBytes` is read to its end and dropped,
 * and fails as `truncated`.
 *
 * Deciding when to use it (only after a listing that shows its ".", LIST
 * after any doubt) is the endpoint's (endpoint/ftp/stat.ts).
 * @module
 */
import type { ClientSession } from "./client_session.ts";
import { errorForReply, FtpProtocolError } from "./errors.ts";
import type { Reply } from "./reply.ts";
import { type Listing, parseUnixLine } from "./listing/index.ts";
import type { ListEntry } from "./listing/types.ts";

/** Why a STAT reply was not taken as a listing. */
export type StatListingFault =
  /** Not a multi-line 211/212/213 reply. */
  | "not-a-listing"
  /** A line between the first and the last is no Unix listing line. */
  | "odd-line"
  /** A line ended in a bare LF: a name with a line feed. */
  | "bare-lf"
  /** More arrived after the final line, or the final line differs from before. */
  | "out-of-step"
  /** Longer than the cap: read to its end and dropped. */
  | "truncated";

/**
 * A STAT reply that is not a listing to trust. `sessionClosed`: the control
 * connection was closed (its replies may be out of step); else the session
 * is in step and can go on (LIST the directory there).
 */
export class StatListingError extends FtpProtocolError {
  /** What was wrong with the reply. */
  readonly fault: StatListingFault;
  /** Whether the session was closed because of it. */
  readonly sessionClosed: boolean;
  /** Makes the error for `command`'s reply. */
  constructor(
    message: string,
    options: { fault: StatListingFault; sessionClosed: boolean; command: string },
  ) {
    super(message, { code: "EFTPSTATLIST", command: options.command });
    this.fault = options.fault;
    this.sessionClosed = options.sessionClosed;
  }
}

/** A listing read from a STAT reply: `end` is the reply's final line. */
export type StatListing = Listing & { end?: string };

/** The codes a listing in a STAT reply comes with (RFC 959: 211 system, 212 directory, 213 file status). */
const statusCodes = new Set([211, 212, 213]);

/** Most STATs sent in one write (each reply may be long: see `maxStatListingBytes`). */
export const STAT_BATCH = 16;

/** One caller's STAT, waiting for its turn in a batch. */
interface StatRequest {
  command: string;
  all: boolean;
  end?: string;
  resolve(listing: StatListing): void;
  reject(error: unknown): void;
}

/** The STATs of a session waiting for the lock, and whether a batch is asked for them. */
interface StatQueue {
  waiting: StatRequest[];
  scheduled: boolean;
}

const queues = new WeakMap<ClientSession, StatQueue>();

/**
 * `STAT -a path` (`STAT path` when `all` is false) parsed as a Unix listing;
 * see the module's notes for what is refused. A 4xx/5xx rejects with the
 * usual typed reply error (the session in step). `end`: the final line this
 * server sent to a STAT listing before; another one is refused. STATs asked
 * while the session is busy wait together and go in one write when it is
 * free (at most {@link STAT_BATCH}): one round trip for all of them, one
 * REST check after the last.
 *
 * @example
 * ```ts
 * const listing = await statListing(session, "/pub", true);
 * listing.end; // "213 End of status"
 * ```
 */
export function statListing(
  s: ClientSession,
  path: string,
  all: boolean,
  end?: string,
): Promise<StatListing> {
  const command = `STAT${all ? " -a" : ""} ${path}`;
  return new Promise((resolve, reject) => {
    let queue = queues.get(s);
    if (!queue) queues.set(s, queue = { waiting: [], scheduled: false });
    queue.waiting.push({ command, all, end, resolve, reject });
    if (!queue.scheduled) schedule(s, queue);
  });
}

/** Asks for the lock for the next batch of `queue`'s STATs. */
function schedule(s: ClientSession, queue: StatQueue): void {
  queue.scheduled = true;
  s.exclusive(async () => {
    queue.scheduled = false;
    const batch = queue.waiting.splice(0, STAT_BATCH);
    if (queue.waiting.length > 0) schedule(s, queue);
    await runBatch(s, batch);
  }).catch((error) => {
    // The lock never came (the session closed before): every STAT still waiting fails so.
    queue.scheduled = false;
    for (const request of queue.waiting.splice(0)) request.reject(error);
  });
}

/** Sends a batch's STATs with the REST check and settles each (never throws). */
async function runBatch(s: ClientSession, batch: StatRequest[]): Promise<void> {
  const control = s.control;
  const failAll = (error: unknown) => {
    for (const request of batch) request.reject(error);
  };
  const commands = batch.map((r) => r.command).join(", ");
  // The check that the replies are in step (see the module's notes): REST with a number
  // no name can know, then REST 0, sent with the STATs in one write. Every server here
  // echoes the number in TYPE I ("350 Restart position accepted (N)."); ProFTPD and
  // pyftpdlib refuse REST in TYPE A, so TYPE I goes first where the session is not in it.
  const nonce = String(crypto.getRandomValues(new Uint32Array(1))[0] + 1_000_000_000);
  const typed = s.type === "I";
  const lines = [
    ...(typed ? [] : ["TYPE I"]),
    ...batch.map((r) => r.command),
    `REST ${nonce}`,
    "REST 0",
  ];
  let type: Reply | undefined;
  const replies: Reply[] = [];
  let rest: Reply;
  let zero: Reply;
  control.longReplies = s.options.maxStatListingBytes ?? s.options.maxListingBytes;
  try {
    // The first answer times a round trip (see `fastestReplyMs`), as `command` would.
    let timed = !control.unread;
    const sent = performance.now();
    const read = async (command: string) => {
      const reply = await control.read(s.timeout, command);
      if (timed) control.noteReplyMs(performance.now() - sent);
      timed = false;
      return reply;
    };
    control.sendMany(lines);
    if (!typed) type = await read("TYPE I");
    for (const request of batch) replies.push(await read(request.command));
    control.longReplies = undefined;
    rest = await control.read(s.timeout, `REST ${nonce}`);
    zero = await control.read(s.timeout, "REST 0");
  } catch (error) {
    if (!(error instanceof FtpProtocolError)) return failAll(error);
    // Bytes that are no reply (the rest of a listing a name ended early): the control
    // connection failed on them.
    control.destroy();
    return failAll(
      new StatListingError(`${control.peer}: ${commands}: ${error.message}; session closed`, {
        fault: "out-of-step",
        sessionClosed: true,
        command: batch[0].command,
      }),
    );
  } finally {
    control.longReplies = undefined;
  }
  if (type && type.code >= 200 && type.code < 300) s.type = "I";
  const echoed = rest.code === 350 && new RegExp(`\\b${nonce}\\b`).test(rest.text) &&
    zero.code === 350;
  if (!echoed || control.unread) {
    control.destroy();
    const said = JSON.stringify([...replies, rest, zero].map((r) => r.lines.at(-1)));
    return failAll(
      new StatListingError(
        `${control.peer}: ${commands}: the replies after them are not those of REST ${nonce} ` +
          `and REST 0 (${said}${control.unread ? ", and more" : ""}): out of step; session closed`,
        { fault: "out-of-step", sessionClosed: true, command: batch[0].command },
      ),
    );
  }
  const context = { now: new Date(), timeShift: s.shiftFor(false) };
  for (let i = 0; i < batch.length; i++) {
    try {
      batch[i].resolve(toListing(s, batch[i], replies[i], context));
    } catch (error) {
      batch[i].reject(error);
    }
  }
}

/**
 * A STAT reply read in step (REST's number came back where it was due) as a
 * listing; throws the reply error for a refusal, `StatListingError` (the
 * session left open) for a reply not taken as a listing.
 */
function toListing(
  s: ClientSession,
  request: StatRequest,
  reply: Reply,
  context: { now: Date; timeShift: number },
): StatListing {
  const { command, all, end } = request;
  if (reply.code >= 400) throw errorForReply(reply, command);
  const fail = (fault: StatListingFault, why: string) =>
    new StatListingError(`${s.control.peer}: ${command}: ${why}`, {
      fault,
      sessionClosed: false,
      command,
    });
  const last = reply.lines.at(-1)!;
  if (!statusCodes.has(reply.code) || reply.lines.length < 2) {
    throw fail("not-a-listing", `not a multi-line status reply: ${JSON.stringify(last)}`);
  }
  if (reply.bareLineFeed) {
    throw fail("bare-lf", "a line ended in a bare LF (a name with a line feed?)");
  }
  if (end !== undefined && last !== end) {
    throw fail("not-a-listing", `final line ${JSON.stringify(last)}, not ${JSON.stringify(end)}`);
  }
  if (reply.truncated) {
    const cap = s.options.maxStatListingBytes ?? s.options.maxListingBytes;
    throw fail("truncated", `longer than ${cap} characters`);
  }
  const entries: ListEntry[] = [];
  for (let i = 1; i < reply.lines.length - 1; i++) {
    // ProFTPD puts one space before each line.
    const line = reply.lines[i].startsWith(" ") ? reply.lines[i].slice(1) : reply.lines[i];
    let entry: ListEntry | null;
    try {
      entry = parseUnixLine(line, context);
    } catch {
      throw fail("odd-line", `line ${i + 1} is no listing line: ${JSON.stringify(line)}`);
    }
    if (entry) entries.push(entry);
  }
  const listing: StatListing = entries;
  // Not enumerable: a listing still compares and prints as its entries.
  Object.defineProperty(listing, "end", { value: last });
  if (all) Object.defineProperty(listing, "listedAll", { value: true });
  return listing;
}
