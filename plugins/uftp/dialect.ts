/**
 * UFTPD's FTP dialect on top of ferry's FtpClient, by composition: a view of
 * a logged-in client whose path arguments are sent relative to the session's
 * base directory (`/a/b` → `a/b`, `/` → `.`: absolute paths would be absolute
 * on the server's filesystem), reads from an offset use `RANG` (end
 * exclusive), appends use `RANG <size> ...` + STOR (UFTPD's APPE is broken),
 * MFMT takes server-local time, chmod is `MFF UNIX.mode=...`, and transfers
 * may go over several streams. FtpHost and its pool take it as a plain client.
 *
 * The UFTPD session itself never leaves the base directory: the dialect keeps
 * the working directory (`pwd`, `cwd`) and sends every path relative to the
 * base, so a command on an absolute path means the same whatever sequence of
 * CWDs runs beside it. UFTPD reads LIST's argument as one literal path (no
 * `ls` options, no glob): listings are never made from inside a directory.
 * @module
 */
import type { FtpClient, ReadSource, Reply, TransferOptions } from "../../ftp.ts";
import { CommandNotImplementedError, errorForReply, FtpPermanentError } from "../../host.ts";
import type * as MultiClient from "./multi_client.ts";
import { UftpProtocolError } from "./errors.ts";
import { type FactContext, factThenRename } from "./facts.ts";
import { relativePath, resolveFrom, upToBase } from "./paths.ts";

/**
 * multi_client.ts (node:net sockets for several streams), by a specifier Deno
 * cannot read ahead: loaded by the first multi-stream transfer, not by every
 * single-stream session's process.
 */
const MULTI_MODULE = new URL("./multi_client.ts", import.meta.url).href;
const multiClient = () => import(MULTI_MODULE) as Promise<typeof MultiClient>;

/** "Up to the end" as a RANG end (int64 max, what pyunicore sends as sys.maxsize). */
export const RANGE_END_MAX = "9223372036854775807";

/**
 * ftp/cwd_turn.ts's key (a registered symbol): turns on the working directory
 * taken on the dialect and on the client it wraps are one queue.
 */
const CWD_TURN_KEY = Symbol.for("ferry.cwdTurnKey");

/** Options of {@link uftpDialect}. */
export interface DialectOptions {
  /** Parallel streams per transfer (`NOOP n`); 1 = plain single-stream FTP. */
  streams?: number;
}

export { relativePath, resolveFrom } from "./paths.ts";

/**
 * `YYYYmmddHHMMSS` of an instant in a zone `shiftSeconds` ahead of UTC.
 *
 * @example
 * ```ts
 * timeVal(new Date("2024-01-02T03:04:05Z"), 3600); // "20240102040405"
 * ```
 */
export function timeVal(at: Date, shiftSeconds: number): string {
  const d = new Date(at.getTime() + shiftSeconds * 1000);
  const p = (n: number) => String(n).padStart(2, "0");
  return `${d.getUTCFullYear()}${p(d.getUTCMonth() + 1)}${p(d.getUTCDate())}` +
    `${p(d.getUTCHours())}${p(d.getUTCMinutes())}${p(d.getUTCSeconds())}`;
}

/**
 * An RFC 3659 `MFMT <UTC time> <path>` as UFTPD wants it: the time in the
 * server's zone (`shiftSeconds` ahead of UTC), the path relative to the base
 * directory. Any other command is returned as it is.
 *
 * @example
 * ```ts
 * uftpMfmt("MFMT 20240102030405 /up/a.bin", 3600); // "MFMT 20240102040405 up/a.bin"
 * ```
 */
export function uftpMfmt(command: string, shiftSeconds: number): string {
  const mfmt = parseMfmt(command);
  return mfmt ? `MFMT ${timeVal(mfmt.at, shiftSeconds)} ${relativePath(mfmt.path)}` : command;
}

/**
 * The time and path of an RFC 3659 `MFMT <UTC time> <path>`, else undefined.
 *
 * @example
 * ```ts
 * parseMfmt("MFMT 20240102030405 /a b"); // { at: 2024-01-02T03:04:05Z, path: "/a b" }
 * ```
 */
export function parseMfmt(command: string): { at: Date; path: string } | undefined {
  const m = /^MFMT (\d{4})(\d\d)(\d\d)(\d\d)(\d\d)(\d\d) (.+)$/.exec(command);
  if (!m) return undefined;
  const [y, mo, d, h, mi, sec] = m.slice(1, 7).map(Number);
  return { at: new Date(Date.UTC(y, mo - 1, d, h, mi, sec)), path: m[7] };
}

/**
 * A UFTPD session's hash of a file (or of `length` bytes from `offset`), with
 * `OPTS HASH` then `HASH`, as pyuftp does.
 *
 * @example
 * ```ts
 * await uftpHash(client, "/data/a.bin", "SHA-256"); // { algorithm: "SHA-256", hash: "...", first: 0, last: 99 }
 * ```
 */
export async function uftpHash(
  client: FtpClient,
  path: string,
  algorithm: string,
  range?: { offset: number; length: number },
): Promise<{ algorithm: string; hash: string; first: number; last: number }> {
  return await client.exclusive(async (ctl) => {
    const check = async (line: string, ok: (code: number) => boolean) => {
      const reply = await ctl.command(line);
      if (!ok(reply.code)) {
        throw new FtpPermanentError(`server replied ${reply.code} ${reply.text} to ${line}`, {
          reply,
          command: line,
          code: `EFTP${reply.code}`,
        });
      }
      return reply;
    };
    await check(`OPTS HASH ${algorithm.toUpperCase()}`, (c) => c === 200);
    if (range) await check(`RANG ${range.offset} ${range.offset + range.length}`, (c) => c === 350);
    const reply = await check(`HASH ${relativePath(path)}`, (c) => c === 213);
    const m = /^(\S+)\s+(\d+)-(\d+)\s+([0-9a-fA-F]+)/.exec(reply.text.trim());
    if (!m) throw new UftpProtocolError(`unexpected HASH reply: ${reply.text.trim()}`);
    return { algorithm: m[1], hash: m[4].toLowerCase(), first: Number(m[2]), last: Number(m[3]) };
  });
}

/**
 * A file's size on a UFTPD, asked now: `SIZE`, else (this UFTPD answers every
 * SIZE with 500) the `size` fact of `MLST`. Throws when neither tells.
 *
 * @example
 * ```ts
 * await serverSize(client, "data/.a.bin.ferry.part"); // 67108864
 * ```
 */
export async function serverSize(client: FtpClient, path: string): Promise<number> {
  try {
    return await client.size(path);
  } catch (error) {
    if (!(error instanceof CommandNotImplementedError)) throw error;
  }
  const entry = await client.mlst(path);
  if (entry.size === undefined) {
    throw new UftpProtocolError(`the UFTPD told no size of ${path} (neither SIZE nor MLST)`);
  }
  return entry.size;
}

/**
 * `stream`, telling `onSettled` once when it ends (false), fails or is
 * cancelled (true): the pool lends the session until then, so a multi-stream
 * download that never said so kept its session for good (and a retry after a
 * cut waited for a free one forever).
 */
function settling(
  stream: ReadableStream<Uint8Array>,
  onSettled: (failed: boolean) => void,
): ReadableStream<Uint8Array> {
  const reader = stream.getReader();
  let settled = false;
  const settle = (failed: boolean) => {
    if (!settled) (settled = true, onSettled(failed));
  };
  return new ReadableStream<Uint8Array>({
    async pull(controller) {
      try {
        const { done, value } = await reader.read();
        if (done) {
          settle(false);
          controller.close();
        } else controller.enqueue(value);
      } catch (error) {
        settle(true);
        controller.error(error);
      }
    },
    async cancel(reason) {
      try {
        await reader.cancel(reason);
      } finally {
        settle(true);
      }
    },
  }, { highWaterMark: 0 });
}

/**
 * A stream's bytes as a {@link ReadSource} (read into the caller's buffer).
 *
 * @example
 * ```ts
 * const source = sourceOf(ReadableStream.from([new Uint8Array([1, 2, 3])]));
 * await source.readInto(new Uint8Array(2)); // 2
 * ```
 */
export function sourceOf(stream: ReadableStream<Uint8Array>): ReadSource {
  const reader = stream.getReader();
  let rest: Uint8Array = new Uint8Array(0);
  return {
    async readInto(into) {
      while (rest.byteLength === 0) {
        const { done, value } = await reader.read();
        if (done) return null;
        rest = value;
      }
      const n = Math.min(into.byteLength, rest.byteLength);
      into.set(rest.subarray(0, n));
      rest = rest.subarray(n);
      return n;
    },
    cancel: (reason) => reader.cancel(reason),
  };
}

/** UFTPD's LIST reads a lone `-a` as its option (the directory itself). */
function listPath(path: string): string {
  return path === "-a" ? "./-a" : path;
}

/**
 * The client seen through UFTPD's dialect. Methods not named here pass
 * through unchanged.
 *
 * @example
 * ```ts
 * const session = uftpDialect(await FtpClient.connect({ host, port }), { streams: 1 });
 * await session.pwd(); // "/" (the base directory)
 * await session.cwd("sp ace"); // checked by the UFTPD; its session stays at the base
 * await session.list(); // LIST sp ace
 * ```
 */
export function uftpDialect(client: FtpClient, options: DialectOptions = {}): FtpClient {
  const streams = Math.max(1, options.streams ?? 1);
  /** The working directory, `/` being the base; the UFTPD session stays at the base. */
  let here = "/";
  const rel = (p: string) => relativePath(resolveFrom(here, p));
  /**
   * CWD `to` and back to the base in one hold of the client (no command of
   * another caller between them), so the UFTPD says whether `to` may be
   * entered (missing, a file, no permission: its refusal is thrown).
   */
  const visit = (to: string) =>
    client.exclusive(async (ctl) => {
      const there = relativePath(to);
      const line = `CWD ${there}`;
      const reply = await ctl.command(line);
      if (reply.code >= 300) throw errorForReply(reply, line);
      // One `..` per name of `to` (`./ lead` is one name, not two).
      const up = `CWD ${upToBase(to)}`;
      const back = await ctl.command(up);
      if (back.code >= 300) {
        // Left in `to`, every relative path would be wrong: the session goes.
        client.close({ force: true });
        throw errorForReply(back, up);
      }
    });
  const cwd = async (p: string) => {
    const to = resolveFrom(here, p);
    if (to !== "/") await visit(to);
    here = to;
  };
  /** How {@link factThenRename} holds the control connection. */
  const facts = <T>(fn: (cx: FactContext) => Promise<T>) =>
    client.exclusive((ctl) => fn({ ctl, lost: () => client.close({ force: true }) }));
  /**
   * A command with a path at its end (MFMT, MFF) on `p`: as it is when the
   * path has no space (the UFTPD splits these commands' argument at spaces),
   * else by way of facts.ts. A refusal throws.
   */
  const onPath = async (p: string, line: (sent: string) => string) => {
    const at = resolveFrom(here, p);
    const sent = relativePath(at);
    if (!sent.includes(" ")) return await client.voidcmd(line(sent));
    const reply = await facts((cx) => factThenRename(cx, line, at, at));
    if (reply.code < 200 || reply.code >= 300) throw errorForReply(reply, line(sent));
    return reply;
  };
  const mfmt = (p: string, at: Date) =>
    onPath(p, (sent) => `MFMT ${timeVal(at, client.timeShift)} ${sent}`);
  /**
   * FtpHost.renameWithMtime's `MFMT <UTC time> <path>` goes in the rename's
   * write; on a spaced path, by way of facts.ts (one round trip per command).
   */
  const renameAfter = (command: string, a: string, b: string): Promise<Reply> => {
    const set = parseMfmt(command);
    const from = resolveFrom(here, a);
    // The time of the file renamed, on a path the UFTPD would split.
    if (set && resolveFrom(here, set.path) === from && relativePath(from).includes(" ")) {
      const line = (sent: string) => `MFMT ${timeVal(set.at, client.timeShift)} ${sent}`;
      return facts((cx) => factThenRename(cx, line, from, resolveFrom(here, b)));
    }
    return client.renameAfter(uftpMfmt(command, client.timeShift), rel(a), rel(b));
  };
  /** A failed ranged transfer must not leave its RANG for the next one. */
  const resetRange = async () => {
    if (!client.closed) await client.sendcmd("RANG 1 0").catch(() => undefined);
  };
  /**
   * A download of `p` from `o.offset` (`RANG`, end exclusive): `open` on one
   * stream, else the multi-stream reader's stream through `adapt`.
   */
  const retrieving = async <T>(
    p: string,
    o: TransferOptions,
    open: (path: string, o: TransferOptions) => Promise<T>,
    adapt: (stream: ReadableStream<Uint8Array>) => T,
  ): Promise<T> => {
    const offset = o.offset ?? 0;
    if (streams > 1) {
      const { multiRetrieve } = await multiClient();
      const stream = await multiRetrieve(client, rel(p), streams, { ...o, offset });
      return adapt(o.onSettled ? settling(stream, o.onSettled) : stream);
    }
    const before = [
      ...(o.before ?? []),
      ...(offset > 0 ? [`RANG ${offset} ${RANGE_END_MAX}`] : []),
    ];
    try {
      return await open(rel(p), { ...o, offset: undefined, before });
    } catch (error) {
      if (before.length) await resetRange();
      throw error;
    }
  };
  const overrides: Partial<Record<keyof FtpClient | typeof CWD_TURN_KEY, unknown>> = {
    [CWD_TURN_KEY]: client,
    pwd: () => Promise.resolve(here),
    cwd,
    cdup: () => cwd(".."),
    mkd: async (p: string) => (await client.mkd(rel(p)), p),
    rmd: (p: string) => client.rmd(rel(p)),
    delete: (p: string) => client.delete(rel(p)),
    rename: (a: string, b: string) => client.rename(rel(a), rel(b)),
    renameAfter,
    size: (p: string) => client.size(rel(p)),
    mlst: (p = "") => client.mlst(rel(p)),
    mlsd: (p = "") => client.mlsd(rel(p)),
    list: (p = "", o?: { hidden?: boolean }) =>
      client.list(listPath(rel(p)), { hidden: false, ...o, literal: true }),
    listLines: (p = "") => client.listLines(listPath(rel(p)), { hidden: false, literal: true }),
    nlst: (p = "") => client.nlst(rel(p)),
    mdtm: (p: string) => client.mdtm(rel(p)),
    mfmt: async (p: string, at: Date) => void await mfmt(p, at),
    setMtime: async (p: string, at: Date) => void await mfmt(p, at),
    chmod: async (p: string, mode: number) =>
      void await onPath(
        p,
        (sent) => `MFF UNIX.mode=${(mode & 0o7777).toString(8).padStart(3, "0")}; ${sent}`,
      ),
    hash: async (p: string, algorithm = "SHA-256") => {
      const h = await uftpHash(client, resolveFrom(here, p), algorithm);
      return { algorithm: h.algorithm, hash: h.hash };
    },
    retrieve: (p: string, o: TransferOptions = {}) =>
      retrieving(p, o, (path, opts) => client.retrieve(path, opts), (stream) => stream),
    // FtpEndpoint.readDirect's way (not offered by the uftp:// endpoint, but the client is).
    retrieveSource: (p: string, o: TransferOptions = {}) =>
      retrieving(p, o, (path, opts) => client.retrieveSource(path, opts), sourceOf),
    store: async (p: string, o: TransferOptions & { append?: boolean } = {}) => {
      // An append continues at the size the server has now. UFTPD's APPE is broken, and a STOR
      // without RANG truncates the file: a size that cannot be learnt is an error, never 0.
      const offset = o.append ? await serverSize(client, rel(p)) : o.offset ?? 0;
      const before = [
        ...(o.before ?? []),
        ...(offset > 0 ? [`RANG ${offset} ${RANGE_END_MAX}`] : []),
      ];
      if (streams > 1) {
        const { multiStore } = await multiClient();
        return await multiStore(client, rel(p), streams, { ...o, before });
      }
      try {
        return await client.store(rel(p), { ...o, offset: undefined, append: false, before });
      } catch (error) {
        if (before.length) await resetRange();
        throw error;
      }
    },
  };
  return new Proxy(client, {
    get(target, prop) {
      if (prop in overrides) return overrides[prop as keyof typeof overrides];
      // Bound to the real client: its #private state is not visible through a proxy.
      const value = Reflect.get(target, prop, target);
      return typeof value === "function" ? value.bind(target) : value;
    },
    set(target, prop, value) {
      return Reflect.set(target, prop, value, target);
    },
  });
}
