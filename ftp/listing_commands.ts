/**
 * How `FtpClient` runs its listings: LIST (with `-a` while the server takes
 * it; a path with white space listed from inside the directory) and MLSD
 * parsed into entries as the data arrives, and the whole text of NLST or
 * `retrlines`. The parsers themselves are in ./listing/.
 * @module
 */
import { logger } from "../util/log.ts";
import { FtpError, FtpProtocolError } from "./errors.ts";
import { cwdTurn } from "./cwd_turn.ts";
import { createListingParser, type Listing } from "./listing/index.ts";
import type { ListEntry } from "./listing/types.ts";
import type { ClientSession } from "./client_session.ts";
import { textDecoder } from "./socket.ts";
import { readAllText, retrieveSource, retrieveStream } from "./transfer.ts";
import { startTransfer } from "./transfer_start.ts";

const log = logger("ftp", "client");

/** The buffer a listing is read into (a listing of ~50 entries is ~4 KiB). */
const LISTING_READ_BYTES = 32 * 1024;

/** The client's directory commands a listing from inside a directory uses (`FtpClient` has them). */
export interface Directories {
  /** PWD. */
  pwd(): Promise<string>;
  /** CWD. */
  cwd(path: string): Promise<void>;
}

/**
 * A listing command (LIST, MLSD) run and parsed as the data arrives, so
 * memory is bounded by one line; lines no parser reads are in the result's
 * `skipped`. `mlsd`: its times are UTC unless the server is known to differ.
 *
 * @example
 * ```ts
 * const entries = await listEntries(session, "MLSD pub", true);
 * ```
 */
export async function listEntries(
  s: ClientSession,
  command: string,
  mlsd = false,
): Promise<Listing> {
  const handle = await startTransfer(s, command, "A", "read");
  // A line no parser reads is skipped and reported with the entries (as lftp
  // and rclone skip it): the good entries beside it still count.
  const parser = createListingParser({
    parsers: s.options.listParsers,
    context: { timeShift: s.shiftFor(mlsd) },
    onUnparsed: "skip",
  });
  const decoder = textDecoder(s.options.encoding);
  const entries: ListEntry[] = [];
  let bytes = 0;
  // Read into one buffer of our own, not through a ReadableStream: a web
  // stream's machinery per read (and loading it: Deno's 06_streams.js) was a
  // good part of a listing's CPU, and a no-change mirror is its listings.
  const source = retrieveSource(handle, {});
  const buffer = new Uint8Array(LISTING_READ_BYTES);
  try {
    for (let n; (n = await source.readInto(buffer)) !== null;) {
      bytes += n;
      if (bytes > s.options.maxListingBytes) {
        throw new FtpProtocolError(
          `listing of ${command} larger than ${s.options.maxListingBytes} bytes`,
          { code: "EFTPTOOBIG" },
        );
      }
      for (const entry of parser.push(decoder.decode(buffer.subarray(0, n)))) entries.push(entry);
    }
    for (const entry of parser.end()) entries.push(entry);
    return parser.skipped.length > 0
      ? Object.assign(entries, { skipped: parser.skipped })
      : entries;
  } catch (error) {
    await source.cancel().catch(() => undefined);
    throw error;
  }
}

/**
 * A data command's whole text in ASCII mode (NLST, `retrlines`), at most
 * `maxListingBytes`.
 *
 * @example
 * ```ts
 * const names = (await retrieveText(session, "NLST pub")).split("\r\n");
 * ```
 */
export async function retrieveText(s: ClientSession, command: string): Promise<string> {
  const handle = await startTransfer(s, command, "A", "read");
  const stream = retrieveStream(handle, {});
  return await readAllText(stream, s.options.encoding, s.options.maxListingBytes);
}

/**
 * Runs a LIST with `-a` (hidden files) unless `hidden: false`; a server that
 * rejects `-a` (5xx) is asked again without it, and without it from then on
 * only if that plain LIST works: when it fails too, the refusal was the
 * directory's (missing, not readable), not the option's, and dropping `-a`
 * would hide the dot files of every later listing (ProFTPD's and Pure-FTPd's
 * plain LIST leaves them out: a mirror with delete would then delete them).
 *
 * @example
 * ```ts
 * const lines = await withListAll(session, {}, (all) => retrieveText(session, listCommand(all, "")));
 * ```
 */
export async function withListAll<T>(
  s: ClientSession,
  options: { hidden?: boolean },
  run: (all: boolean) => Promise<T>,
): Promise<T> {
  const hidden = (options.hidden ?? true) && !s.listAllRejected;
  try {
    return await run(hidden);
  } catch (error) {
    if (hidden && error instanceof FtpError && error.ftpCode && error.ftpCode >= 500) {
      const plain = await run(false);
      s.listAllRejected = true;
      log.debug("server rejected LIST -a where LIST works; using plain LIST", {});
      return plain;
    }
    throw error;
  }
}

/**
 * LIST's argument is an `ls` argument line on many servers: Pure-FTPd splits
 * `LIST /a b` into `/a` and `b`. A directory whose path has white space is
 * listed from inside (CWD there, LIST, CWD back), as lftp does; where CWD
 * refuses (a file, say) the path is sent as before. No `dirs`: the path is
 * sent as it is (a server that reads it literally).
 *
 * @example
 * ```ts
 * const entries = await fromInside(client, "my files", (p) => listEntries(session, `LIST ${p}`));
 * ```
 */
export async function fromInside<T>(
  dirs: Directories | undefined,
  path: string,
  run: (path: string) => Promise<T>,
): Promise<T> {
  if (!dirs || !/\s/.test(path)) return await run(path);
  // It moves the session's CWD (and back): in its turn (./cwd_turn.ts).
  return await cwdTurn(dirs, async () => {
    const back = await dirs.pwd();
    try {
      await dirs.cwd(path);
    } catch (error) {
      if (error instanceof FtpError && error.ftpCode !== undefined && error.ftpCode >= 500) {
        return await run(path);
      }
      throw error;
    }
    try {
      return await run("");
    } finally {
      await dirs.cwd(back);
    }
  });
}

/**
 * The LIST line for a path, with `-a` when `all`.
 *
 * @example
 * ```ts
 * listCommand(true, "pub"); // "LIST -a pub"
 * ```
 */
export function listCommand(all: boolean, path: string): string {
  return `LIST${all ? " -a" : ""}${path ? ` ${path}` : ""}`;
}
