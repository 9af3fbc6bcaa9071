/**
 * The UFTPD command table (Python UFTPD `Session.init_functions`), apart from
 * transfers (transfer.ts): files and directories, listings on the control
 * channel, the data-connection setup, and the session options. Paths go
 * through the session's base-directory check; access levels as UFTPD's.
 * @module
 */
import { NotFoundError, PermissionDeniedError, type Stat } from "../../../plugin.ts";
import { acceptPassive } from "./data.ts";
import { mlsdLine, parseLocalTimeVal, statLine } from "./listing.ts";
import { CommandError, type UftpdSession } from "./session.ts";

/** A command handler; `"end"` ends the session. */
export type Handler = (s: UftpdSession, arg: string) => Promise<"end" | void>;

/** Hash algorithms of `OPTS HASH`, with their node:crypto names. */
export const HASHES: Record<string, string> = {
  "MD5": "md5",
  "SHA-1": "sha1",
  "SHA-256": "sha256",
  "SHA-512": "sha512",
};

const OPTION_KEYS = new Set([
  "RATE_LIMIT",
  "BUFFER_SIZE",
  "FILE_READ_BUFFER_SIZE",
  "FILE_WRITE_BUFFER_SIZE",
  "SENDFILE_ENABLED",
]);

/**
 * The stat of a virtual path, with endpoint errors as FTP codes.
 *
 * @example
 * ```ts
 * const st = await statOf(session, "/data/a.txt");
 * ```
 */
export async function statOf(s: UftpdSession, virtual: string): Promise<Stat> {
  try {
    return await s.fs.stat(s.fsPath(virtual));
  } catch (error) {
    throw asCommandError(error);
  }
}

/**
 * Endpoint errors as UFTPD reply codes (550 for missing things, else 500).
 *
 * @example
 * ```ts
 * throw asCommandError(new NotFoundError("a")); // a 550 CommandError
 * ```
 */
export function asCommandError(error: unknown): unknown {
  if (error instanceof CommandError) return error;
  if (error instanceof NotFoundError) {
    return new CommandError(550, "Directory/file does not exist or cannot be accessed!");
  }
  if (error instanceof PermissionDeniedError) return new CommandError(534, error.message);
  return error;
}

async function run<T>(fn: () => Promise<T>): Promise<T> {
  try {
    return await fn();
  } catch (error) {
    throw asCommandError(error);
  }
}

function baseName(virtual: string): string {
  return virtual === "/" ? "/" : virtual.slice(virtual.lastIndexOf("/") + 1);
}

/**
 * Lists a directory's entries, following links as UFTPD's `os.stat` does.
 *
 * @example
 * ```ts
 * for (const st of await entries(session, "/data")) console.log(st.name);
 * ```
 */
export async function entries(s: UftpdSession, dir: string): Promise<Stat[]> {
  const ep = s.fs;
  const list = await run(() => ep.list(s.fsPath(dir)));
  const out: Stat[] = [];
  for (const st of list) {
    if (st.type !== "symlink") out.push(st);
    else {
      const target = await ep.stat(s.fsPath(`${dir}/${st.name}`)).catch(() => undefined);
      if (target) out.push({ ...target, name: st.name });
    }
  }
  return out;
}

async function passive(s: UftpdSession, epsv: boolean): Promise<void> {
  if (s.links.length >= s.numStreams) {
    const streams = s.numStreams;
    s.closeData();
    s.numStreams = streams;
  }
  const host = s.localIp;
  const socket = await acceptPassive(host, s.peerIp, async (port) => {
    if (epsv) return await s.reply(`229 Entering Extended Passive Mode (|||${port}|)`);
    const shown = (s.ctx.advertiseHost ?? host).replaceAll(".", ",");
    await s.reply(`227 Entering Passive Mode (${shown},${port >> 8},${port & 255})`);
  }, s.ctx.acceptTimeoutMs);
  s.links.push(socket);
}

/** The handlers, by command. */
export const COMMANDS: Record<string, Handler> = {
  QUIT: (s) => {
    s.closeData();
    return Promise.resolve("end");
  },
  BYE: (s) => COMMANDS.QUIT(s, ""),
  SYST: async (s) => await s.reply("215 Unix Type: L8"),
  async FEAT(s) {
    await s.reply("211-Features:");
    // As the Python UFTPD prints them, adjacent literals run together included
    // (so MFMT and KEEP-ALIVE hide inside other lines); ARCHIVE is left out.
    for (
      const f of [
        "PASV",
        "EPSV",
        "RANG STREAM",
        "REST STREAMMFMT",
        "MLSD",
        "MLST",
        "APPE",
        "MFF Modify;UNIX.mode;KEEP-ALIVE",
        "UTF-8",
      ]
    ) await s.reply(` ${f}`);
    const hashes = Object.keys(HASHES).map((h) => h === s.hashAlgorithm ? `${h}*` : h);
    await s.reply(` HASH ${hashes.join(";")}`);
    await s.reply("211 END");
  },
  async NOOP(s, arg) {
    const n = Number(arg.trim());
    if (arg.trim() === "" || !Number.isInteger(n) || n < 1) return await s.reply("200 OK");
    s.numStreams = Math.min(n, s.ctx.maxStreams);
    const code = s.numStreams === n ? 222 : 223;
    await s.reply(`${code} Opening ${s.numStreams} data connections`);
  },
  async PWD(s) {
    s.require("INFO");
    await s.reply(`257 "${s.cwd}"`);
  },
  async CWD(s, arg) {
    s.require("INFO");
    const path = s.resolve(arg);
    const st = await statOf(s, path).catch(() => undefined);
    if (st?.type !== "dir") throw new CommandError(550, `Can't cwd to directory: ${path}`);
    s.cwd = path;
    await s.reply("200 OK");
  },
  async CDUP(s) {
    if (s.cwd === s.base) throw new CommandError(534, "Can't cd up, already at base directory");
    s.cwd = s.resolve("..");
    await s.reply("200 OK");
  },
  async MKD(s, arg) {
    s.require("WRITE");
    const path = s.resolve(arg);
    await run(() => s.fs.mkdir(s.fsPath(path)));
    await s.reply(`257 "${path}" directory created`);
  },
  async RMD(s, arg) {
    s.require("FULL");
    const path = s.resolve(arg);
    await run(() => s.fs.rmdir(s.fsPath(path)));
    await s.reply("200 OK");
  },
  async DELE(s, arg) {
    s.require("FULL");
    const path = s.resolve(arg);
    await run(() => s.fs.remove(s.fsPath(path)));
    await s.reply("200 OK");
  },
  async RNFR(s, arg) {
    s.require("WRITE");
    s.renameFrom = s.resolve(arg);
    await s.reply("350 File action OK Please send rename-to");
  },
  async RNTO(s, arg) {
    s.require("WRITE");
    const to = s.resolve(arg);
    const from = s.renameFrom;
    s.renameFrom = undefined;
    if (!from) {
      throw new CommandError(503, "Illegal sequence of FTP commands - must send RNFR first");
    }
    await run(() => s.fs.rename(s.fsPath(from), s.fsPath(to)));
    await s.reply("200 OK");
  },
  async SIZE(s, arg) {
    s.require("INFO");
    const st = await statOf(s, s.resolve(arg));
    await s.reply(`213 ${st.type === "dir" ? 0 : st.size}`);
  },
  PASV: (s) => passive(s, false),
  async EPSV(s, arg) {
    if (arg.trim().toUpperCase() === "ALL") return await s.reply("200 OK");
    await passive(s, true);
  },
  async MLST(s, arg) {
    s.require("INFO");
    const path = s.resolve(arg);
    const st = await statOf(s, path);
    await s.reply(`250- Listing ${path}`);
    await s.reply(` ${mlsdLine(st, baseName(path), s.ctx.utcOffset)}`);
    await s.reply("250 End");
  },
  async STAT(s, arg) {
    s.require("INFO");
    const space = arg.indexOf(" ");
    const mode = space < 0 ? arg : arg.slice(0, space);
    const path = s.resolve(space < 0 ? "." : arg.slice(space + 1));
    const st = await statOf(s, path);
    const list = mode === "N" && st.type === "dir"
      ? (await entries(s, path)).map((e) => statLine(e, e.name))
      : [statLine(st, baseName(path) === "/" ? "." : baseName(path))];
    await s.reply("211- Sending file list");
    for (const line of list) await s.reply(` ${line}`);
    await s.reply("211 End of file list");
  },
  async RANG(s, arg) {
    // As Session.py `rang`: `params.split(" ")`, the first two words numbers (`1  5` is not).
    const [a, b] = arg.split(" ").slice(0, 2).map((t) => /^\d+$/.test(t) ? BigInt(t) : -1n);
    if (a === undefined || b === undefined || a < 0n || b < 0n) {
      throw new CommandError(501, "Argument syntax error");
    }
    if (a === 1n && b === 0n) {
      s.resetRange();
      return await s.reply("350 Resetting range");
    }
    if (b < a) throw new CommandError(501, "Argument syntax error");
    s.offset = clamp(a);
    s.count = clamp(b - a);
    s.haveRange = true;
    await s.reply(`350 Restarting at ${a}. End byte range at ${b}`);
  },
  async REST(s, arg) {
    if (!/^\d+$/.test(arg.trim())) throw new CommandError(501, "Argument syntax error");
    s.haveRange = false;
    s.offset = clamp(BigInt(arg.trim()));
    await s.reply(`350 Restarting at ${s.offset}.`);
  },
  async ALLO(s, arg) {
    s.require("WRITE");
    if (!/^\d+$/.test(arg.trim())) throw new CommandError(501, "Argument syntax error");
    const n = clamp(BigInt(arg.trim()));
    if (!s.haveRange) s.offset = 0;
    s.count = n;
    await s.reply(`200 OK Will read up to ${n} bytes from data connection.`);
  },
  async MFMT(s, arg) {
    s.require("WRITE");
    const [time, target] = twoWords(arg);
    await setFacts(s, [`Modify=${time}`], target);
    await s.reply(`213 Modify=${time}; ${target}`);
  },
  async MFF(s, arg) {
    s.require("WRITE");
    const [spec, target] = twoWords(arg);
    const facts = spec.split(";").filter(Boolean);
    await setFacts(s, facts, target);
    await s.reply(`213 ${facts.join(";")}; ${target}`);
  },
  async TYPE(s, arg) {
    if (arg.trim().toUpperCase() === "ARCHIVE") {
      throw new CommandError(504, "archive mode is not supported by this UFTPD");
    }
    await s.reply("200 OK");
  },
  async "KEEP-ALIVE"(s, arg) {
    s.keepAlive = ["true", "yes", "1"].includes(arg.trim().toLowerCase());
    await s.reply("200 OK");
  },
  async OPTS(s, arg) {
    const [key, value] = arg.trim().split(/\s+/, 2);
    if (!key) {
      await s.reply("211-OPTS");
      for (const [k, v] of s.opts) await s.reply(` ${k} ${v}`);
      await s.reply(` KEEP_ALIVE ${s.keepAlive}`);
      await s.reply(` HASH ${s.hashAlgorithm}`);
      return await s.reply("211 END");
    }
    const k = key.toUpperCase();
    if (value === undefined) throw new CommandError(501, `option ${k} needs a value`);
    if (k === "HASH") {
      const algo = value.toUpperCase();
      if (!(algo in HASHES)) throw new CommandError(500, `Unsupported hash algorithm ${value}`);
      s.hashAlgorithm = algo;
    } else if (k === "KEEP_ALIVE") {
      s.keepAlive = ["true", "yes", "1"].includes(value.toLowerCase());
    } else if (OPTION_KEYS.has(k)) {
      s.opts.set(k, value);
    } else {
      throw new CommandError(500, `Unknown option '${k}'`);
    }
    await s.reply(`200 ${k}=${value}`);
  },
};

/**
 * MFMT's and MFF's argument as the Python UFTPD takes it apart
 * (`a, b = params.split(" ", 2)`): exactly two words between single spaces, so
 * a path with a space is refused with Python's own message.
 *
 * @example
 * ```ts
 * twoWords("20240102030405 a.txt"); // ["20240102030405", "a.txt"]
 * twoWords("20240102030405 a b");   // throws "too many values to unpack (expected 2)"
 * ```
 */
export function twoWords(arg: string): [string, string] {
  const words = arg.split(" ");
  if (words.length > 2) throw new CommandError(500, "too many values to unpack (expected 2)");
  if (words.length < 2) {
    throw new CommandError(500, `not enough values to unpack (expected 2, got ${words.length})`);
  }
  return [words[0], words[1]];
}

async function setFacts(s: UftpdSession, facts: string[], target: string): Promise<void> {
  const virtual = s.resolve(target);
  await statOf(s, virtual);
  const path = s.fsPath(virtual);
  for (const fact of facts) {
    const eq = fact.indexOf("=");
    const key = fact.slice(0, eq).toLowerCase();
    const value = fact.slice(eq + 1);
    if (eq > 0 && key === "modify") {
      const when = parseLocalTimeVal(value, s.ctx.utcOffset);
      if (!when) throw new CommandError(501, `bad time ${value}`);
      await run(() => s.fs.setMtime(path, when));
    } else if (eq > 0 && key === "unix.mode" && /^[0-7]{1,6}$/.test(value)) {
      await run(() => s.fs.chmod(path, parseInt(value, 8) & 0o7777));
    } else {
      throw new CommandError(500, `Not supported: '${fact}'`);
    }
  }
}

function clamp(n: bigint): number {
  return n > BigInt(Number.MAX_SAFE_INTEGER) ? Number.MAX_SAFE_INTEGER : Number(n);
}
