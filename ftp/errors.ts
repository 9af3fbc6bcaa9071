/**
 * Errors of the FTP wire client, by reply class (ftplib's error_temp / error_perm /
 * error_reply / error_proto, ftputil's names). Each reply error carries the
 * server's code and text; timeouts and dropped connections are typed too.
 * @module
 */
import { FerryError } from "../util/errors.ts";
import type { Reply } from "./reply_shape.ts";

/** Base of every error raised by the wire client. */
export class FtpError extends FerryError {
  /** The FTP reply code when the error came from a reply (e.g. 550), else undefined. */
  readonly ftpCode?: number;
  /** The server's full reply text when there was one. */
  readonly reply?: Reply;
  /** The command that was answered (PASS argument masked). */
  readonly command?: string;
  /**
   * True when the server answered the command 421 ("closing control
   * connection") as its first reply (no 1xx before): RFC 959's 421 says the
   * service is not available, so the command was not carried out and is safe
   * to run on a new session (lftp and rclone reconnect and retry so). False for
   * a 421 as the final reply after a 1xx (a transfer may have moved bytes).
   */
  readonly notRun: boolean;
  /** Makes the error; `reply` and `command` say what the server answered to what. */
  constructor(
    message: string,
    options: {
      code?: string;
      reply?: Reply;
      command?: string;
      cause?: unknown;
      notRun?: boolean;
    } = {},
  ) {
    super(message, { code: options.code ?? "EFTP", cause: options.cause });
    this.reply = options.reply;
    this.ftpCode = options.reply?.code;
    this.command = options.command;
    this.notRun = options.notRun ?? false;
  }
}

/** A 4xx reply: try again later (ftplib `error_temp`). */
export class FtpTemporaryError extends FtpError {}

/**
 * The server turned a new session away because it has too many: `421` to the
 * greeting or the login (vsftpd's `max_per_ip`, Pure-FTPd, pyftpdlib), or a
 * `530` whose text says so (ProFTPD's `MaxClients*`: "Sorry, the maximum
 * number of clients (2) from your host are already connected."). Worth
 * another try later, with fewer connections; the code stays the server's.
 */
export class TooManyConnectionsError extends FtpTemporaryError {
  /** A 530 of this kind is temporary too (sync/retry's `isTemporary` reads this). */
  readonly temporary = true;
}

/** lftp's `ftp:retry-530` default: 530 texts that mean "busy", not "wrong password". */
const busyText =
  /too many|overloaded|try (again |back )?later|is restricted to|maximum number|only.*session allowed/i;

/** Whether a reply to the greeting or the login turns the session away. */
function refusesSession(reply: Reply): boolean {
  return reply.code === 421 || (reply.code === 530 && busyText.test(reply.text));
}

/** A 5xx reply: do not repeat as is (ftplib `error_perm`). */
export class FtpPermanentError extends FtpError {}

/** 502/500/504 to a command: the server does not implement it. */
export class CommandNotImplementedError extends FtpPermanentError {}

/** A reply of a class the command did not expect (ftplib `error_reply`). */
export class FtpReplyError extends FtpError {}

/** Bytes that are not an FTP reply, or a reply too large (ftplib `error_proto`). */
export class FtpProtocolError extends FtpError {}

/** A wait ran past its deadline; the connection is closed afterwards. */
export class FtpTimeoutError extends FtpError {
  /** Makes the error (code `ETIMEDOUT`); `command` names what was waited for. */
  constructor(message: string, options: { command?: string; cause?: unknown } = {}) {
    super(message, { code: "ETIMEDOUT", ...options });
  }
}

/** The peer closed the connection or the network failed. */
export class FtpConnectionError extends FtpError {
  /** Makes the error (code `ECONNRESET` unless given). */
  constructor(message: string, options: { command?: string; cause?: unknown; code?: string } = {}) {
    super(message, { code: options.code ?? "ECONNRESET", ...options });
  }
}

/**
 * The session had closed before a command was sent (another command retired
 * it, or the server left): nothing reached the server, so the command is safe
 * to run on another session, whatever it does.
 */
export class FtpSessionClosedError extends FtpConnectionError {
  /** Always true: the command never left this process. */
  readonly unsent = true;
  /** Makes the error for `command` (masked when it is PASS). */
  constructor(command?: string) {
    super(
      `control connection closed before ${command ? maskCommand(command) : "the command"} was sent`,
      { command: command && maskCommand(command) },
    );
  }
}

const notImplementedCodes = new Set([500, 502, 504]);

/** Masks secrets in a command line before it reaches a message or a log. */
export function maskCommand(command: string): string {
  return /^PASS\b/i.test(command) ? "PASS ****" : command;
}

/**
 * Builds the typed error for an error reply to `command`; `cause` is what the
 * client saw go wrong first (e.g. the data connection the server then refused).
 * A 421 is taken as the command's first reply (`notRun`, see `FtpError.notRun`)
 * unless `afterMark` says a 1xx came before it.
 *
 * @example
 * ```ts
 * const err = errorForReply({ code: 550, lines: ["550 No such file"], text: "No such file" }, "RETR x");
 * err instanceof FtpPermanentError; // true
 * ```
 */
export function errorForReply(
  reply: Reply,
  command?: string,
  cause?: unknown,
  options: { afterMark?: boolean } = {},
): FtpError {
  const masked = command === undefined ? undefined : maskCommand(command);
  const where = masked === undefined ? "" : ` to ${masked}`;
  const said = reply.code >= 400 && reply.code < 600 ? "server replied" : "unexpected reply";
  const session = command === undefined || command === "login";
  return typedReplyError(reply, `${said} ${reply.code} ${reply.text}${where}`, {
    command: masked,
    cause,
    session,
    notRun: !session && reply.code === 421 && !options.afterMark,
  });
}

/**
 * The typed error for a login the server refused (its reply to USER, PASS or
 * ACCT), its message naming who logged in where (`bob@ftp.example.org:21`,
 * never the password) and the server's reply; `command` is `"login"`.
 *
 * @example
 * ```ts
 * const err = loginRefused({ code: 530, lines: ["530 Login incorrect."], text: "Login incorrect." }, "bob@127.0.0.1:21");
 * err.message; // "login as bob@127.0.0.1:21 refused: 530 Login incorrect."
 * ```
 */
export function loginRefused(reply: Reply, who: string): FtpError {
  return typedReplyError(reply, `login as ${who} refused: ${reply.code} ${reply.text}`, {
    command: "login",
    session: true,
  });
}

function typedReplyError(
  reply: Reply,
  message: string,
  o: { command?: string; cause?: unknown; session: boolean; notRun?: boolean },
): FtpError {
  const options = { reply, command: o.command, cause: o.cause, notRun: o.notRun };
  if (o.session && refusesSession(reply)) {
    return new TooManyConnectionsError(message, { ...options, code: `EFTP${reply.code}` });
  }
  if (reply.code >= 400 && reply.code < 500) {
    return new FtpTemporaryError(message, { ...options, code: `EFTP${reply.code}` });
  }
  if (reply.code >= 500 && reply.code < 600) {
    if (notImplementedCodes.has(reply.code)) {
      return new CommandNotImplementedError(message, { ...options, code: "ENOSYS" });
    }
    return new FtpPermanentError(message, { ...options, code: `EFTP${reply.code}` });
  }
  return new FtpReplyError(message, options);
}
