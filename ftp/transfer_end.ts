/**
 * How a transfer ends on the control connection: its last reply (read
 * alongside the data, after a first reply read early, or now), the reply of
 * the next transfer's EPSV sent with its command ({@link NextPort}) read right
 * behind it, and the session given back once; or, when the data connection
 * failed, ABOR resynchronised by a NOOP (sent once the ABOR's first reply is
 * in), or the session closed where lines sent behind the transfer would be
 * read before the abort's. `FtpClient` makes one per transfer.
 * @module
 */
import type { ControlConnection } from "./control.ts";
import { FtpProtocolError, FtpTimeoutError } from "./errors.ts";
import type { Reply } from "./reply.ts";
import type { NextPort } from "./transfer_setup.ts";

/** What {@link TransferEnd} needs of the session. */
export interface TransferEndOptions {
  control: ControlConnection;
  timeoutMs: number;
  /** The transfer's command (as replies are checked against it). */
  command: string;
  /** The next transfer's EPSV, if it went with the command. */
  nextPort?: NextPort;
  /** Keeps the port of the next transfer's EPSV (its reply, whatever it says). */
  keepPort: (reply: Reply) => void;
  /** Gives the session back (runs once, after the replies owed are read). */
  release: () => void;
}

/**
 * The end of one transfer: {@link finish} gives the session back once, and
 * reads the next port's reply first where it is owed.
 *
 * @example
 * ```ts
 * const end = new TransferEnd({ control, timeoutMs, command: "LIST", nextPort, keepPort, release });
 * const reply = await end.lastReply(); // 226
 * end.finish(); // the EPSV's 229, then the session is free
 * ```
 */
export class TransferEnd {
  readonly #options: TransferEndOptions;
  #done = false;

  constructor(options: TransferEndOptions) {
    this.#options = options;
  }

  /** Whether {@link finish} ran (the session is given back, or about to be). */
  get done(): boolean {
    return this.#done;
  }

  /**
   * Gives the session back, once. The next transfer's EPSV sent with the
   * command is answered right after the final reply (or the command's
   * refusal): its reply is read first and its port kept, and the session's
   * next command waits for that; a failed read closes the session.
   */
  finish(): void {
    if (this.#done) return;
    this.#done = true;
    const { control, timeoutMs, nextPort, keepPort, release } = this.#options;
    if (!nextPort?.owed || control.closed) return release();
    control.read(timeoutMs, "EPSV").then(keepPort, () => control.destroy()).finally(release);
  }

  /**
   * The command's last reply: `early` when it was read alongside the data
   * (TLS downloads; awaited with the deadline), else after `first` when the
   * first reply was read early (an upload's bytes sent ahead: a refusal, or
   * the final reply after its 150), else read now.
   */
  async lastReply(early?: Promise<Reply>, first?: Promise<Reply>): Promise<Reply> {
    const { control, timeoutMs, command } = this.#options;
    if (early) return await withDeadline(early, timeoutMs, () => control.destroy());
    const reply = first && await first;
    if (reply && (refusal(reply) || reply.code >= 200)) return reply;
    return await control.read(timeoutMs, command);
  }

  /**
   * Closes the session and gives it back, returning `cause`: a transfer with
   * lines sent behind it (a queued download, the next port's EPSV, a query)
   * cannot be aborted, as the server would take those before the ABOR (the
   * queued download fails as a lost connection, which callers retry).
   */
  drop(cause: unknown): unknown {
    this.#options.control.destroy();
    this.finish();
    return cause;
  }

  /**
   * ABOR for a running transfer whose data connection is gone, then reads
   * until in step (`early`: the final reply read early takes the first
   * answer, unless it was a 1xx); gives the session back whatever happens.
   */
  async abort(early: Promise<Reply> | undefined): Promise<void> {
    const { control, timeoutMs, command } = this.#options;
    try {
      control.send("ABOR");
      const answered = early &&
        await withDeadline(early, timeoutMs, () => control.destroy()).catch(() => undefined);
      await readAbortReplies(control, command, timeoutMs, answered);
    } finally {
      this.finish();
    }
  }
}

/** Replies read after an ABOR before giving up on the NOOP's 200. */
const ABORT_REPLIES = 5;

/**
 * After ABOR (sent by the caller) the server sends a transfer reply (426 or
 * 226) and maybe more. The first of them (a final one: a 1xx is passed over)
 * is read before anything else is sent, or is `answered` when read already;
 * then a NOOP marks the end: reads until its 200, at most
 * {@link ABORT_REPLIES} replies in all. The NOOP must not go with the ABOR:
 * Pure-FTPd reads the ABOR of a running transfer in its transfer loop and
 * drops whatever came in the same read, so a NOOP sent along is never
 * answered (the abort waited the whole timeout and lost the session).
 *
 * @example
 * ```ts
 * control.send("ABOR");
 * await readAbortReplies(control, "ABOR", 30_000);
 * ```
 */
export async function readAbortReplies(
  control: ControlConnection,
  command: string,
  timeoutMs: number,
  answered?: Reply,
): Promise<void> {
  let reads = 0;
  let reply = answered;
  while (!reply || reply.code < 200) {
    if (++reads > ABORT_REPLIES) throw outOfStep(command);
    reply = await control.read(timeoutMs, command);
  }
  control.send("NOOP");
  while (++reads <= ABORT_REPLIES) {
    if ((await control.read(timeoutMs, command)).code === 200) return;
  }
  throw outOfStep(command);
}

function outOfStep(command: string): FtpProtocolError {
  return new FtpProtocolError(`could not resynchronise after aborting ${command}`);
}

/**
 * A reply that refuses a command (4xx/5xx), or none an FTP server sends.
 *
 * @example
 * ```ts
 * refusal({ code: 550, text: "550 No such file", lines: [] }); // true
 * ```
 */
export function refusal(reply: Reply): boolean {
  return reply.code >= 400 || reply.code < 100;
}

/**
 * Awaits a promise with a deadline; `onTimeout` runs before the rejection.
 *
 * @example
 * ```ts
 * await withDeadline(finalReply, 30_000, () => control.destroy());
 * ```
 */
export function withDeadline<T>(
  promise: Promise<T>,
  ms: number,
  onTimeout: () => void,
): Promise<T> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const deadline = new Promise<never>((_, reject) => {
    timer = setTimeout(() => {
      onTimeout();
      reject(new FtpTimeoutError(`no final reply within ${ms} ms`));
    }, ms);
  });
  return Promise.race([promise, deadline]).finally(() => clearTimeout(timer));
}
