/**
 * File and directory commands: CWD/CDUP/PWD, MKD/RMD, DELE, RNFR/RNTO, SIZE,
 * MDTM, MFMT, SITE CHMOD, HASH. Paths arrive normalized and permission-checked
 * by the session's gate; what needs a stat is checked here.
 * @module
 */
import { createHash } from "node:crypto";
import { errorCode, ReplyError } from "./errors.ts";
import { formatFtpTime, parseFtpTime } from "./listing.ts";
import { ftpNormalize, parentOf, quotePath } from "./paths.ts";
import type { Session } from "./session.ts";

/**
 * CWD/XCWD.
 *
 * @example
 * ```text
 * C: CWD /pub
 * S: 250 "/pub" is the current directory.
 * ```
 */
export async function CWD(s: Session, _arg: string, path?: string): Promise<void> {
  const st = await s.jail.stat(path!);
  if (st.type !== "dir") throw new ReplyError(550, "Not a directory.");
  s.state.cwd = path!;
  s.reply(250, `${quotePath(path!)} is the current directory.`);
}

/**
 * CDUP/XCUP: CWD to the parent.
 *
 * @example
 * ```text
 * C: CDUP
 * S: 250 "/" is the current directory.
 * ```
 */
export async function CDUP(s: Session): Promise<void> {
  const path = parentOf(s.state.cwd);
  s.requirePerm("e", path, true);
  await CWD(s, "", path);
}

/**
 * PWD/XPWD.
 *
 * @example
 * ```text
 * C: PWD
 * S: 257 "/pub" is the current directory.
 * ```
 */
export function PWD(s: Session): void {
  s.reply(257, `${quotePath(s.state.cwd)} is the current directory.`);
}

/**
 * MKD/XMKD.
 *
 * @example
 * ```text
 * C: MKD new
 * S: 257 "/new" directory created.
 * ```
 */
export async function MKD(s: Session, _arg: string, path?: string): Promise<void> {
  if (path === "/") throw new ReplyError(550, "File exists.");
  await s.jail.mkdir(path!);
  s.reply(257, `${quotePath(path!)} directory created.`);
}

/**
 * RMD/XRMD.
 *
 * @example
 * ```text
 * C: RMD old
 * S: 250 Directory removed.
 * ```
 */
export async function RMD(s: Session, _arg: string, path?: string): Promise<void> {
  if (path === "/") throw new ReplyError(550, "Can't remove root directory.");
  const st = await s.jail.lstat(path!);
  if (st.type !== "dir") throw new ReplyError(550, "Not a directory.");
  await s.jail.rmdir(path!);
  if (s.state.cwd === path || s.state.cwd.startsWith(path! + "/")) s.state.cwd = parentOf(path!);
  s.reply(250, "Directory removed.");
}

/**
 * DELE: files and symlinks (the link, never its target).
 *
 * @example
 * ```text
 * C: DELE a.txt
 * S: 250 File removed.
 * ```
 */
export async function DELE(s: Session, _arg: string, path?: string): Promise<void> {
  const st = await s.jail.lstat(path!);
  if (st.type === "dir") throw new ReplyError(550, "Is a directory.");
  await s.jail.remove(path!);
  s.reply(250, "File removed.");
}

/**
 * RNFR: remember the source; the next command must be RNTO.
 *
 * @example
 * ```text
 * C: RNFR a.txt
 * S: 350 Ready for destination name.
 * ```
 */
export async function RNFR(s: Session, _arg: string, path?: string): Promise<void> {
  if (path === "/") throw new ReplyError(550, "Can't rename home directory.");
  await s.jail.lstat(path!);
  s.state.renameFrom = path;
  s.reply(350, "Ready for destination name.");
}

/**
 * RNTO: overwriting an existing file also needs `w` there (pyftpdlib #679).
 *
 * @example
 * ```text
 * C: RNTO b.txt
 * S: 250 Renaming ok.
 * ```
 */
export async function RNTO(s: Session, _arg: string, path?: string): Promise<void> {
  const from = s.state.renameFrom;
  s.state.renameFrom = undefined;
  if (from === undefined) throw new ReplyError(503, "Bad sequence of commands: use RNFR first.");
  if (path === "/") throw new ReplyError(550, "Can't overwrite home directory.");
  let existing;
  try {
    existing = await s.jail.lstat(path!);
  } catch (e) {
    if (errorCode(e) !== "ENOENT") throw e;
  }
  if (existing && existing.type !== "dir") s.requirePerm("w", path!);
  await s.jail.rename(from, path!);
  s.reply(250, "Renaming ok.");
}

/**
 * SIZE: refused in ASCII mode, where the byte count would differ (pyftpdlib).
 *
 * @example
 * ```text
 * C: SIZE a.bin
 * S: 213 1048576
 * ```
 */
export async function SIZE(s: Session, _arg: string, path?: string): Promise<void> {
  if (s.state.type === "A") throw new ReplyError(550, "SIZE not allowed in ASCII mode.");
  const st = await s.jail.stat(path!);
  if (st.type !== "file") throw new ReplyError(550, `${path} is not retrievable.`);
  s.reply(213, String(st.size));
}

/**
 * MDTM: GMT, as RFC 3659 says (vsftpd's use_localtime is the counterexample).
 *
 * @example
 * ```text
 * C: MDTM a.bin
 * S: 213 20240102030405
 * ```
 */
export async function MDTM(s: Session, _arg: string, path?: string): Promise<void> {
  const st = await s.jail.stat(path!);
  if (st.type !== "file") throw new ReplyError(550, `${path} is not retrievable.`);
  if (!st.mtime) throw new ReplyError(550, "Modification time unknown.");
  s.reply(213, formatFtpTime(st.mtime));
}

/**
 * MFMT YYYYMMDDHHMMSS path.
 *
 * @example
 * ```text
 * C: MFMT 20240102030405 a.bin
 * S: 213 Modify=20240102030405; /a.bin.
 * ```
 */
export async function MFMT(s: Session, arg: string): Promise<void> {
  const sp = arg.indexOf(" ");
  if (sp < 0) throw new ReplyError(501, "Syntax: MFMT <SP> YYYYMMDDHHMMSS <SP> path.");
  const when = parseFtpTime(arg.slice(0, sp));
  if (!when) throw new ReplyError(501, "Invalid time format; expected YYYYMMDDHHMMSS.");
  const path = ftpNormalize(s.state.cwd, arg.slice(sp + 1));
  s.requirePerm("T", path);
  const st = await s.jail.stat(path);
  if (st.type !== "file") throw new ReplyError(550, `${path} is not a regular file.`);
  await s.jail.setMtime(path, when);
  s.reply(213, `Modify=${formatFtpTime(when)}; ${path}.`);
}

/**
 * SITE CHMOD mode path.
 *
 * @example
 * ```text
 * C: SITE CHMOD 640 a.bin
 * S: 200 SITE CHMOD successful.
 * ```
 */
export async function SITE_CHMOD(s: Session, arg: string): Promise<void> {
  const m = /^([0-7]{1,4})\s+(.+)$/.exec(arg);
  if (!m) throw new ReplyError(501, "Invalid SITE CHMOD format.");
  const path = ftpNormalize(s.state.cwd, m[2]);
  s.requirePerm("M", path);
  await s.jail.chmod(path, parseInt(m[1], 8));
  s.reply(200, "SITE CHMOD successful.");
}

/**
 * SITE HELP.
 *
 * @example
 * ```text
 * C: SITE HELP
 * S: 214-The following SITE commands are recognized: ...
 * ```
 */
export function SITE_HELP(s: Session): void {
  s.reply(
    214,
    "The following SITE commands are recognized:\n CHMOD HELP\nHelp SITE command successful.",
  );
}

/** HASH algorithms: FEAT name to node:crypto name. */
export const HASH_ALGORITHMS: Record<string, string> = {
  "SHA-256": "sha256",
  "SHA-1": "sha1",
  "MD5": "md5",
  "SHA-512": "sha512",
};

/**
 * HASH path (draft-ietf-ftpext2-hash): `213 ALG 0-SIZE HEX path`, streamed, constant memory.
 *
 * @example
 * ```text
 * C: HASH a.bin
 * S: 213 SHA-256 0-3 ba7816bf... /a.bin
 * ```
 */
export async function HASH(s: Session, _arg: string, path?: string): Promise<void> {
  const st = await s.jail.stat(path!);
  if (st.type !== "file") throw new ReplyError(550, `${path} is not a regular file.`);
  const hash = createHash(HASH_ALGORITHMS[s.state.hashAlgorithm]);
  const reader = (await s.jail.read(path!)).getReader();
  try {
    while (true) {
      const { done, value } = await reader.read();
      if (done) break;
      hash.update(value);
      if (s.closed) return;
    }
  } finally {
    reader.releaseLock();
  }
  s.reply(213, `${s.state.hashAlgorithm} 0-${st.size} ${hash.digest("hex")} ${path}`);
}
