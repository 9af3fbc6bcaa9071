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

/**
 * `STAT -a path` (`STAT path` when `all` is false) parsed as a Unix listing;
 * see the module's notes for what is refused. A 4xx/5xx throws the usual
 * typed reply error (the session in step). `end`: the final line this server
 * sent to a STAT listing before; another one is taken as out of step.
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
  return s.exclusive(async () => {
    const control = s.control;
    // The check that the replies are in step (see the module's notes): REST with a number
    // no name can know, then REST 0, sent with STAT in one write. Every server here echoes
    // the number in TYPE I ("350 Restart position accepted (N)."); ProFTPD and pyftpdlib
    // refuse REST in TYPE A, so TYPE I goes first where the session is not in it.
    const nonce = String(crypto.getRandomValues(new Uint32Array(1))[0] + 1_000_000_000);
    const typed = s.type === "I";
    const lines = [...(typed ? [] : ["TYPE I"]), command, `REST ${nonce}`, "REST 0"];
    control.longReplies = s.options.maxStatListingBytes ?? s.options.maxListingBytes;
    let type: Reply | undefined;
    let reply: Reply;
    let rest: Reply;
    let zero: Reply;
    try {
      control.sendMany(lines);
      if (!typed) type = await control.read(s.timeout, "TYPE I");
      reply = await control.read(s.timeout, command);
      control.longReplies = undefined;
      rest = await control.read(s.timeout, `REST ${nonce}`);
      zero = await control.read(s.timeout, "REST 0");
    } catch (error) {
      // Bytes that are no reply (the rest of a listing a name ended early): the
      // control connection failed on them.
      if (!(error instanceof FtpProtocolError)) throw error;
      control.destroy();
      throw new StatListingError(`${control.peer}: ${command}: ${error.message}; session closed`, {
        fault: "out-of-step",
        sessionClosed: true,
        command,
      });
    } finally {
      control.longReplies = undefined;
    }
    if (type && type.code >= 200 && type.code < 300) s.type = "I";
    const echoed = rest.code === 350 && new RegExp(`\\b${nonce}\\b`).test(rest.text) &&
      zero.code === 350;
    if (!echoed || control.unread) {
      control.destroy();
      const said = JSON.stringify([reply, rest, zero].map((r) => r.lines.at(-1)));
      throw new StatListingError(
        `${control.peer}: ${command}: the replies after it are not those of REST ${nonce} and ` +
          `REST 0 (${said}${control.unread ? ", and more" : ""}): out of step; session closed`,
        { fault: "out-of-step", sessionClosed: true, command },
      );
    }
    if (reply.code >= 400) throw errorForReply(reply, command);
    const fail = (fault: StatListingFault, why: string, close: boolean) => {
      if (close) control.destroy();
      return new StatListingError(
        `${s.control.peer}: ${command}: ${why}${close ? "; session closed" : ""}`,
        { fault, sessionClosed: close, command },
      );
    };
    const last = reply.lines.at(-1)!;
    // In step from here on (REST's number came back where it was due): a reply not
    // taken as a listing leaves the session open.
    if (!statusCodes.has(reply.code) || reply.lines.length < 2) {
      throw fail("not-a-listing", `not a multi-line status reply: ${JSON.stringify(last)}`, false);
    }
    if (reply.bareLineFeed) {
      throw fail("bare-lf", "a line ended in a bare LF (a name with a line feed?)", false);
    }
    if (end !== undefined && last !== end) {
      throw fail(
        "out-of-step",
        `final line ${JSON.stringify(last)}, not ${JSON.stringify(end)}`,
        true,
      );
    }
    if (reply.truncated) {
      throw fail(
        "truncated",
        `longer than ${s.options.maxStatListingBytes ?? s.options.maxListingBytes} characters`,
        false,
      );
    }
    const context = { now: new Date(), timeShift: s.shiftFor(false) };
    const entries: ListEntry[] = [];
    for (let i = 1; i < reply.lines.length - 1; i++) {
      // ProFTPD puts one space before each line.
      const line = reply.lines[i].startsWith(" ") ? reply.lines[i].slice(1) : reply.lines[i];
      let entry: ListEntry | null;
      try {
        entry = parseUnixLine(line, context);
      } catch {
        throw fail("odd-line", `line ${i + 1} is no listing line: ${JSON.stringify(line)}`, false);
      }
      if (entry) entries.push(entry);
    }
    const listing: StatListing = entries;
    // Not enumerable: a listing still compares and prints as its entries.
    Object.defineProperty(listing, "end", { value: last });
    if (all) Object.defineProperty(listing, "listedAll", { value: true });
    return listing;
  });
}
