/**
 * UFTPD transfers: RETR and HASH honour RANG (end exclusive) or REST; STOR
 * truncates unless RANG was given and reads exactly ALLO/RANG bytes or up to
 * the end of the data; LIST/MLSD close the data connection after the listing;
 * KEEP-ALIVE keeps it open after RETR/STOR.
 * @module
 */
import { createHash } from "node:crypto";
import { dataSink, dataSource } from "./data.ts";
import { asCommandError, entries, type Handler, HASHES, statOf } from "./commands.ts";
import { listLine, mlsdLine } from "./listing.ts";
import { CommandError, type UftpdSession } from "./session.ts";

const CLOSE_TIMEOUT_MS = 30_000;

function requireData(s: UftpdSession): void {
  if (s.links.length === 0 || s.links.length < s.numStreams) {
    throw new CommandError(503, "no data connection: send PASV or EPSV first");
  }
}

/** After a transfer: the range is forgotten, the data closed unless KEEP-ALIVE. */
async function finish(s: UftpdSession, sink?: { close(t: number): Promise<void> }): Promise<void> {
  s.resetRange();
  if (!s.keepAlive) {
    await sink?.close(CLOSE_TIMEOUT_MS);
    s.closeData();
  }
  await s.reply("226 File transfer successful");
}

async function listing(s: UftpdSession, arg: string, mlsd: boolean): Promise<void> {
  s.require("INFO");
  requireData(s);
  // Only LIST's argument, exactly `-a`, is the option (Session.py `list`); MLSD lists a `-a`.
  const path = s.resolve(!mlsd && arg === "-a" ? "." : arg);
  const st = await statOf(s, path).catch(() => undefined);
  if (st?.type !== "dir") throw new CommandError(550, "Directory does not exist.", true);
  const list = await entries(s, path);
  await s.reply("150 OK");
  const sink = dataSink(s.links);
  const now = new Date(s.ctx.now());
  for (const e of list) {
    const line = mlsd
      ? mlsdLine(e, e.name, s.ctx.utcOffset)
      : listLine(e, e.name, now, s.ctx.utcOffset);
    await sink.write(new TextEncoder().encode(`${line}${mlsd ? "" : "\r"}\n`));
  }
  s.resetRange();
  await sink.close(CLOSE_TIMEOUT_MS);
  s.closeData();
  await s.reply("226 File transfer successful");
}

/** Reads `count` bytes of a file from `offset` (to its end when count < 0). */
async function* fileBytes(s: UftpdSession, path: string, offset: number, count: number) {
  const stream = await s.fs.read(s.fsPath(path), { offset });
  const reader = stream.getReader();
  let left = count < 0 ? Number.POSITIVE_INFINITY : count;
  try {
    while (left > 0) {
      const { value, done } = await reader.read();
      if (done) break;
      const chunk = value.length > left ? value.subarray(0, left) : value;
      left -= chunk.length;
      yield chunk;
    }
  } finally {
    await reader.cancel().catch(() => {});
  }
}

const RETR: Handler = async (s, arg) => {
  s.require("READ");
  requireData(s);
  const path = s.resolve(arg);
  const st = await statOf(s, path);
  if (st.type === "dir") {
    throw new CommandError(550, "Directory/file does not exist or cannot be accessed!");
  }
  const count = s.haveRange ? s.count : Math.max(0, st.size - s.offset);
  await s.reply(`150 OK ${s.haveRange ? s.count : st.size} bytes available for reading.`);
  const sink = dataSink(s.links);
  try {
    for await (const chunk of fileBytes(s, path, s.offset, count)) await sink.write(chunk);
  } catch (error) {
    s.resetRange();
    throw asCommandError(error);
  }
  await finish(s, sink);
};

async function store(s: UftpdSession, arg: string, append: boolean): Promise<void> {
  s.require("WRITE");
  requireData(s);
  const path = s.resolve(arg);
  const ep = s.fsPath(path);
  const existing = await s.fs.stat(ep).catch(() => undefined);
  if (existing?.type === "dir") throw new CommandError(550, `${path} is a directory`);
  let offset = s.offset;
  if (append && !s.haveRange) offset = existing?.size ?? 0;
  const keep = append || s.haveRange;
  if (keep && offset !== (existing?.size ?? 0)) {
    // The endpoint contract cannot write inside a file (FTP cannot either).
    throw new CommandError(
      500,
      `writing at byte ${offset} of ${path} (${existing?.size ?? 0} bytes) is not supported; ` +
        "ranged writes must continue at the end",
    );
  }
  let writable: WritableStream<Uint8Array>;
  try {
    writable = await s.fs.write(ep, { atomic: false, offset: keep ? offset : 0 });
  } catch (error) {
    throw asCommandError(error);
  }
  const writer = writable.getWriter();
  await s.reply("150 OK");
  const source = dataSource(s.links, s.readers);
  let left = s.count < 0 ? Number.POSITIVE_INFINITY : s.count;
  try {
    while (left > 0) {
      const chunk = await source.read(Math.min(left, 1 << 20));
      if (chunk === null) break;
      left -= chunk.length;
      await writer.write(chunk);
    }
    await writer.close();
  } catch (error) {
    await writer.abort(error).catch(() => {});
    s.resetRange();
    throw asCommandError(error);
  }
  await finish(s);
}

const HASH: Handler = async (s, arg) => {
  s.require("READ");
  const path = s.resolve(arg);
  const st = await statOf(s, path);
  if (st.type === "dir") {
    throw new CommandError(550, "Directory/file does not exist or cannot be accessed!");
  }
  const count = s.haveRange ? s.count : Math.max(0, st.size - s.offset);
  const hash = createHash(HASHES[s.hashAlgorithm]);
  const offset = s.offset;
  try {
    for await (const chunk of fileBytes(s, path, offset, count)) hash.update(chunk);
  } finally {
    s.resetRange();
  }
  const last = Math.max(0, offset + count - 1);
  await s.reply(`213 ${s.hashAlgorithm} ${offset}-${last} ${hash.digest("hex")} ${path}`);
};

/** The transfer handlers, by command. */
export const TRANSFERS: Record<string, Handler> = {
  LIST: (s, arg) => listing(s, arg, false),
  MLSD: (s, arg) => listing(s, arg, true),
  RETR,
  STOR: (s, arg) => store(s, arg, false),
  APPE: (s, arg) => store(s, arg, true),
  HASH,
};
