/**
 * Commands that use the data connection (RETR, STOR, APPE, STOU, LIST, NLST,
 * MLSD) and those that steer or report on transfers (REST, ABOR, STAT, MLST).
 * @module
 */
import { isTemporary, replaceChecked } from "../../plugin.ts";
import { errorCode, ReplyError, UploadVetoError } from "./errors.ts";
import type { JailedFs, ListedEntry } from "./filesystem.ts";
import { runHooks, type TransferEvent } from "./hooks.ts";
import { formatFacts, formatListLine } from "./listing.ts";
import { baseName, ftpNormalize } from "./paths.ts";
import type { Session, TransferResult } from "./session.ts";
import { stripListOptions } from "./paths.ts";
import { receiveFromSocket, sendToSocket, type UploadSink } from "./transfer.ts";

const encoder = new TextEncoder();

/** The endpoint path for hook events (only worked out when someone listens). */
async function endpointPath(s: Session, jail: JailedFs, path: string): Promise<string> {
  return s.hooks.length ? await jail.resolve(path).catch(() => "") : "";
}

/** The payload of an upload's hooks (callers ask only when a hook listens). */
async function uploadEvent(
  s: Session,
  jail: JailedFs,
  path: string,
  r: TransferResult,
  temp?: string,
): Promise<TransferEvent> {
  const event = s.transferEvent(path, await endpointPath(s, jail, path), r);
  if (temp !== undefined) event.stagedPath = await jail.resolve(temp).catch(() => "");
  return event;
}

/**
 * RETR, from the REST offset if one is pending.
 *
 * @example
 * ```text
 * C: RETR a.bin
 * S: 150 ... then 226 Transfer complete.
 * ```
 */
export async function RETR(s: Session, _arg: string, path?: string): Promise<void> {
  const rest = s.state.restPosition;
  s.state.restPosition = 0;
  // Kept for after the transfer: a session closed meanwhile has no jail any more.
  const jail = s.jail;
  const stream = await jail.readChecked(path!, (st) => {
    if (st.type !== "file") throw new ReplyError(550, `${path} is not retrievable.`);
    if (rest > st.size) throw new ReplyError(554, "Invalid REST parameter.");
    return rest;
  });
  const r = await s.transfer("RETR", path!, (sock, o) => sendToSocket(stream, sock, o), {
    onSetupFailed: () => stream.cancel().catch(() => {}),
  });
  s.logTransfer("RETR", path!, r.ok, r.bytes, r.seconds);
  if (r.ok) s.reply(226, "Transfer complete.");
  if (!s.hooks.length) return;
  const event = s.transferEvent(path!, await endpointPath(s, jail, path!), r);
  await runHooks(s.hooks, r.ok ? "onFileSent" : "onIncompleteFileSent", event);
}

async function store(
  s: Session,
  command: "STOR" | "APPE" | "STOU",
  path: string,
  preliminary?: string,
): Promise<void> {
  const rest = s.state.restPosition;
  s.state.restPosition = 0;
  const jail = s.jail;
  const existing = await jail.statIfAny(path);
  if (existing && existing.type !== "file") throw new ReplyError(550, "Is a directory.");
  let offset = 0;
  if (command === "APPE") {
    if (rest) throw new ReplyError(550, "Can't APPE while REST request is pending.");
    offset = existing?.size ?? 0;
  } else if (rest) {
    if (!existing || rest > existing.size) throw new ReplyError(554, "Invalid REST parameter.");
    offset = rest;
  }
  if (s.options.atomicUploads) await staged(s, command, path, offset, preliminary);
  else await inPlace(s, command, path, offset, !!existing, preliminary);
}

/** The outcome of `onFileReceived`: a refusal's reason, or undefined when accepted. */
async function verdict(s: Session, event: TransferEvent): Promise<string | undefined> {
  const verdicts = await runHooks(s.hooks, "onFileReceived", event);
  const veto = verdicts.find((v) =>
    v === false || typeof v === "string" || v instanceof UploadVetoError
  );
  if (veto === undefined) return undefined;
  const why = veto instanceof UploadVetoError
    ? veto.message
    : typeof veto === "string"
    ? veto
    : "refused by the server";
  return why.replace(/[\r\n]/g, " ");
}

/** Runs the upload's data transfer into `writable` and logs it. */
async function receive(
  s: Session,
  command: string,
  path: string,
  writable: UploadSink,
  preliminary?: string,
  cleanup?: () => Promise<unknown>,
): Promise<TransferResult> {
  const r = await s.transfer(
    command,
    path,
    (sock, o) => receiveFromSocket(sock, writable, o),
    {
      upload: true,
      preliminary,
      onSetupFailed: async () => {
        await writable.abort().catch(() => {});
        await cleanup?.();
      },
    },
  );
  s.logTransfer(command, path, r.ok, r.bytes, r.seconds);
  return r;
}

/**
 * A staged upload (the default, SFTPGo's atomic mode): the bytes go to a
 * temporary name beside the target, and the target changes only after the
 * transfer completed and every `onFileReceived` hook accepted it. A fresh
 * STOR renames the temporary file over the target; APPE and REST+STOR
 * append it to the target at the offset (the endpoint contract appends, it
 * never overwrites in the middle). A veto, an abort, a cut connection or a
 * failing endpoint leave the target as it was and remove the temporary file.
 */
async function staged(
  s: Session,
  command: "STOR" | "APPE" | "STOU",
  path: string,
  offset: number,
  preliminary?: string,
): Promise<void> {
  const jail = s.jail;
  let temp = stagingName(path);
  let writable;
  for (let tries = 1;; tries++) {
    try {
      writable = await jail.writeFresh(temp);
      break;
    } catch (e) {
      // Something sits at the random name (planted, or a stale stage): never
      // write into it, take another name.
      if (errorCode(e) !== "EEXIST" || tries === 3) throw e;
      temp = stagingName(path);
    }
  }
  const drop = () => jail.remove(temp).catch(() => {});
  const r = await receive(s, command, path, writable, preliminary, drop);
  // No event to build and no verdict to wait for when no hook listens (the
  // usual server): two async calls and their promises less per upload.
  const event = s.hooks.length ? await uploadEvent(s, jail, path, r, temp) : undefined;
  if (!r.ok) {
    await drop();
    if (event) await runHooks(s.hooks, "onIncompleteFileReceived", event);
    return;
  }
  const why = event ? await verdict(s, event) : undefined;
  if (why !== undefined) {
    await drop();
    s.reply(550, `Upload rejected: ${why}`);
    return;
  }
  try {
    if (offset === 0) await replace(jail, temp, path, r.bytes);
    else await appendFrom(jail, temp, path, offset);
  } catch (e) {
    await drop();
    throw e;
  }
  s.reply(226, "Transfer complete.");
}

/**
 * Renames the staged file over the target (removing it first where rename
 * cannot replace). A rename whose outcome is unknown (the endpoint's
 * connection cut on the way: a remote endpoint) is looked into by the
 * engine's checked rename before the upload is failed: renamed again while the
 * staged file is there whole, done when the target has its `size`.
 */
async function replace(jail: JailedFs, temp: string, path: string, size: number): Promise<void> {
  try {
    await jail.rename(temp, path);
  } catch (e) {
    if (isTemporary(e)) {
      const [from, to] = [await jail.resolve(temp, false), await jail.resolve(path, false)];
      return await replaceChecked(jail.endpoint, from, to, { size, cut: e }).then(() => {});
    }
    if (!(await jail.exists(path)) || !(await jail.exists(temp))) throw e;
    await jail.remove(path);
    await jail.rename(temp, path);
  }
}

/** Appends the staged file to the target at `offset`, then removes it. */
async function appendFrom(jail: JailedFs, temp: string, path: string, offset: number) {
  const source = await jail.read(temp);
  await source.pipeTo(await jail.write(path, { offset, atomic: false }));
  await jail.remove(temp).catch(() => {});
}

/** A temporary name beside `path` (hidden, as the endpoints' own atomic writes name theirs). */
function stagingName(path: string): string {
  const dir = path.slice(0, path.lastIndexOf("/") + 1) || "/";
  return `${dir}.${baseName(path)}.ferry-${crypto.randomUUID().slice(0, 8)}.part`;
}

/**
 * `atomicUploads: false` (pyftpdlib's and vsftpd's way): the bytes go to the
 * target itself; a broken upload stays, resumable with REST/APPE, and a veto
 * removes the file.
 */
async function inPlace(
  s: Session,
  command: "STOR" | "APPE" | "STOU",
  path: string,
  offset: number,
  existed: boolean,
  preliminary?: string,
): Promise<void> {
  const jail = s.jail;
  let writable;
  try {
    writable = await jail.write(path, { offset, atomic: false });
  } catch (e) {
    // An endpoint that cannot truncate in place (ERANGE at offset 0): replace the file instead.
    if (!(offset === 0 && existed && errorCode(e) === "ERANGE")) throw e;
    await jail.remove(path);
    writable = await jail.write(path, { offset, atomic: false });
  }
  const r = await receive(s, command, path, writable, preliminary);
  const event = s.hooks.length ? await uploadEvent(s, jail, path, r) : undefined;
  if (!r.ok) {
    const verdicts = event ? await runHooks(s.hooks, "onIncompleteFileReceived", event) : [];
    if (verdicts.includes("delete")) await jail.remove(path).catch(() => {});
    return;
  }
  const why = event ? await verdict(s, event) : undefined;
  if (why !== undefined) {
    // The upload is complete but refused: it must not stay where clients can see it.
    await jail.remove(path).catch(() => {});
    s.reply(550, `Upload rejected: ${why}`);
    return;
  }
  s.reply(226, "Transfer complete.");
}

/**
 * STOR (from the REST offset if one is pending).
 *
 * @example
 * ```text
 * C: STOR a.bin
 * S: 150 ... then 226 Transfer complete.
 * ```
 */
export async function STOR(s: Session, _arg: string, path?: string): Promise<void> {
  await store(s, "STOR", path!);
}

/**
 * APPE: append to (or create) a file.
 *
 * @example
 * ```text
 * C: APPE log.txt
 * S: 150 ... then 226 Transfer complete.
 * ```
 */
export async function APPE(s: Session, _arg: string, path?: string): Promise<void> {
  await store(s, "APPE", path!);
}

/**
 * STOU: store under a new unique name in the current directory (150 FILE: name).
 *
 * @example
 * ```text
 * C: STOU
 * S: 150 FILE: ftp.1a2b3c4d ... then 226
 * ```
 */
export async function STOU(s: Session, arg: string): Promise<void> {
  const prefix = arg ? baseName(ftpNormalize("/", arg)) || "ftp" : "ftp";
  for (let i = 0; i < 100; i++) {
    const name = `${prefix}.${crypto.randomUUID().slice(0, 8)}`;
    const path = ftpNormalize(s.state.cwd, name);
    s.requirePerm("w", path);
    if (await s.jail.exists(path)) continue;
    await store(s, "STOU", path, `FILE: ${name}`);
    return;
  }
  throw new ReplyError(450, "Can't find a unique file name.");
}

/** The entries a listing command shows: a directory's content or one file. */
async function entriesOf(s: Session, path: string): Promise<ListedEntry[]> {
  const st = await s.jail.stat(path);
  if (st.type === "dir") return await s.jail.list(path);
  return [{ name: baseName(path), stat: st }];
}

async function sendListing(s: Session, command: string, path: string, lines: string[]) {
  const body = lines.length ? encoder.encode(lines.join("\r\n") + "\r\n") : new Uint8Array(0);
  const r = await s.transfer(
    command,
    path,
    (sock, o) => sendToSocket([body], sock, { ...o, ascii: false }),
  );
  if (r.ok) s.reply(226, "Transfer complete.");
}

/**
 * LIST: `ls -l` lines (options like `-la` are accepted and ignored).
 *
 * @example
 * ```text
 * C: LIST -la /pub
 * S: 150 ... ls -l lines ... 226
 * ```
 */
export async function LIST(s: Session, _arg: string, path?: string): Promise<void> {
  const now = new Date();
  const lines = (await entriesOf(s, path!)).map((e) => formatListLine(e, now));
  await sendListing(s, "LIST", path!, lines);
}

/**
 * NLST: names only.
 *
 * @example
 * ```text
 * C: NLST
 * S: 150 ... names ... 226
 * ```
 */
export async function NLST(s: Session, _arg: string, path?: string): Promise<void> {
  const lines = (await entriesOf(s, path!)).map((e) => e.name);
  await sendListing(s, "NLST", path!, lines);
}

/**
 * MLSD: RFC 3659 facts, directories only.
 *
 * @example
 * ```text
 * C: MLSD /pub
 * S: 150 ... type=file;size=3;modify=...; a.txt ... 226
 * ```
 */
export async function MLSD(s: Session, _arg: string, path?: string): Promise<void> {
  const st = await s.jail.stat(path!);
  if (st.type !== "dir") throw new ReplyError(501, "No such directory.");
  const entries = await s.jail.list(path!);
  const a = s.state.account!;
  const base = path === "/" ? "" : path;
  const lines = entries.map((e) =>
    `${
      formatFacts(e, s.state.mlstFacts, {
        perm: a.perm,
        overrides: a.overrides,
        path: `${base}/${e.name}`,
      })
    } ${e.name}`
  );
  await sendListing(s, "MLSD", path!, lines);
}

/**
 * MLST: the facts of one entry on the control connection.
 *
 * @example
 * ```text
 * C: MLST a.txt
 * S: 250-Listing "/a.txt": / type=file;size=3; /a.txt / 250 End MLST.
 * ```
 */
export async function MLST(s: Session, _arg: string, path?: string): Promise<void> {
  const st = await s.jail.stat(path!);
  const a = s.state.account!;
  const facts = formatFacts({ name: baseName(path!), stat: st }, s.state.mlstFacts, {
    perm: a.perm,
    overrides: a.overrides,
    path: path!,
  });
  s.reply(250, `Listing "${path}":\n${facts} ${path}\nEnd MLST.`);
}

/**
 * REST n: the next RETR/STOR starts at byte n (binary mode only, as pyftpdlib).
 *
 * @example
 * ```text
 * C: REST 100
 * S: 350 Restarting at position 100.
 * ```
 */
export function REST(s: Session, arg: string): void {
  if (!/^\d+$/.test(arg.trim())) throw new ReplyError(501, "Invalid parameter.");
  if (s.state.type === "A") {
    throw new ReplyError(501, "Resuming transfers not allowed in ASCII mode.");
  }
  const n = Number(arg.trim());
  if (!Number.isSafeInteger(n)) throw new ReplyError(501, "Invalid parameter.");
  s.state.restPosition = n;
  s.reply(350, `Restarting at position ${n}.`);
}

/**
 * ABOR: 426 + 226 when a transfer runs, 225 otherwise.
 *
 * @example
 * ```text
 * C: ABOR
 * S: 426 Transfer aborted via ABOR. / 226 ABOR command successful.
 * ```
 */
export function ABOR(s: Session): void {
  const t = s.activeTransfer;
  if (t) {
    t.controller.abort();
    s.data.close();
    s.reply(426, "Transfer aborted via ABOR.");
    s.reply(226, "ABOR command successful.");
  } else if (s.data.ready) {
    s.data.close();
    s.reply(225, "ABOR command successful; data channel closed.");
  } else s.reply(225, "No transfer to abort.");
}

/**
 * STAT: server status, or a LIST of a path on the control connection.
 *
 * @example
 * ```text
 * C: STAT
 * S: 211-FTP server status: ... 211 End of status.
 * ```
 */
export async function STAT(s: Session, arg: string): Promise<void> {
  if (!arg) {
    const lines = [
      "FTP server status:",
      `Connected to: ${s.localAddress}`,
      s.state.account ? `Logged in as: ${s.state.account.username}` : "Waiting for username.",
      `TYPE: ${s.state.type === "A" ? "ASCII" : "Binary"}; STRUcture: File; MODE: Stream`,
      s.activeTransfer
        ? `Data connection open: ${s.activeTransfer.command} ${s.activeTransfer.path}, ${s.activeTransfer.progress.bytes} bytes transferred.`
        : s.data.ready
        ? "Data connection established."
        : "Data connection closed.",
      "End of status.",
    ];
    s.reply(211, lines.join("\n"));
    return;
  }
  if (!s.state.account) throw new ReplyError(530, "Log in with USER and PASS first.");
  const target = stripListOptions(arg);
  if (/[*?]/.test(target)) throw new ReplyError(550, "Globbing not supported.");
  const path = ftpNormalize(s.state.cwd, target || s.state.cwd);
  s.requirePerm("l", path, true);
  const now = new Date();
  const lines = (await entriesOf(s, path)).map((e) => formatListLine(e, now));
  s.reply(213, [`Status of "${path}":`, ...lines, "End of status."].join("\n"));
}
