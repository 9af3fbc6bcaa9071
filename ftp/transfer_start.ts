/**
 * How a transfer starts on the control connection (ftplib's `ntransfercmd`):
 * the lock taken, or the lines queued behind a running download; TYPE, REST
 * and the caller's lines; the data channel opened by the session's strategies
 * (./transfer_setup.ts); the command sent (an upload's bytes ahead of its
 * reply, the next transfer's EPSV in its write); and the handle whose end
 * ./transfer_end.ts reads. `FtpClient` calls {@link startTransfer} for every
 * RETR, STOR, APPE, STOU, LIST, MLSD and NLST.
 * @module
 */
import type tls from "node:tls";
import type { TransferOptions } from "./client_options.ts";
import { READY_PORT_MS } from "./client_options.ts";
import { type DataChannelOptions, dataConnectionError } from "./data.ts";
import type { DataConnection } from "./data_connection.ts";
import { errorForReply, FtpError, FtpTimeoutError } from "./errors.ts";
import { welcomeTakesEarlyData } from "./login_lines.ts";
import type { Reply } from "./reply.ts";
import type { ClientSession } from "./client_session.ts";
import type { TransferHandle } from "./transfer.ts";
import { refusal, TransferEnd } from "./transfer_end.ts";
import {
  type ChannelOpener,
  channelOpener,
  type ChannelRequest,
  type DataSecurity,
  NextPort,
  plainData,
  tlsData,
} from "./transfer_setup.ts";

/**
 * Opens a data connection and sends `command` (ftplib's `ntransfercmd`).
 * The control connection stays reserved until the returned handle finishes.
 *
 * @example
 * ```ts
 * const handle = await startTransfer(session, "RETR a.bin", "I", "read");
 * const stream = retrieveStream(handle, {}); // ./transfer.ts
 * ```
 */
export async function startTransfer(
  s: ClientSession,
  command: string,
  type: "A" | "I",
  direction: "read" | "write",
  offset?: number,
  before: readonly string[] = [],
  queries: Pick<TransferOptions, "ahead" | "onAhead" | "expectedSize" | "after" | "onAfter"> = {},
): Promise<TransferHandle> {
  const rest = offset && offset > 0 ? [`REST ${offset}`] : [];
  // Whether the command carries the next transfer's EPSV: decided as its lines go, before
  // the channel opens (where EPSV may first work), as the session is then.
  const nextPortOf = () =>
    nextPortFor(s, direction, type, [...rest, ...before], queries.expectedSize);
  const request: ChannelRequest = {
    command,
    direction,
    inBetween: before.length > 0,
    between: rest,
    ahead: queries.ahead,
    // Lines queued behind this transfer would be read before a new EPSV/PASV.
    mayReopen: () => !s.queuedBehind,
  };
  // Behind a running download: the lines go now, the replies are read in turn.
  const behind = s.canQueue() && type === "I" && s.type === "I";
  if (behind) request.nextPort = nextPortOf();
  s.claimed = false;
  const lock = s.acquire();
  let queued = behind && strategies(s).opener.queue(s.control, request);
  if (queued) {
    s.queueable = false;
    s.queuedBehind = true;
  }
  const release = await lock;
  if (queued) s.queuedBehind = false;
  else s.unsentIfClosed(release, command);
  if (!queued) request.nextPort = nextPortOf();
  const { nextPort } = request;
  // A port opened ahead serves this transfer, if recent; any other EPSV closes it.
  const ready = s.ready;
  s.ready = undefined;
  if (!queued && ready && performance.now() - ready.at < READY_PORT_MS) {
    request.readyPort = ready.port;
  }
  // Gives the session back once, the next port's reply read first (./transfer_end.ts).
  const end = new TransferEnd({
    control: s.control,
    timeoutMs: s.timeout,
    command,
    nextPort,
    keepPort: (reply) => s.keepPort(reply),
    release: () => {
      s.queueable = false;
      release();
    },
  });
  try {
    // TYPE goes in the same write as the transfer's lines (its reply read first).
    const typeLines = s.type === type ? [] : [`TYPE ${type}`];
    if (typeLines.length > 0) request.ahead = [...typeLines, ...(request.ahead ?? [])];
    const { opener, security } = strategies(s);
    // A download's lines go out at once when they can (pipelined): from then on,
    // a small one lets the next download queue its lines behind it, unless the next
    // transfer's EPSV went there.
    queued ||= opener.queue(s.control, request);
    if (
      queued && direction === "read" && type === "I" && !security.encrypted &&
      s.queuesReads && (queries.expectedSize ?? Infinity) <= QUEUE_BEHIND_BYTES &&
      !nextPort?.owed
    ) {
      s.queueable = true;
      s.owner.onQueueable?.();
    }
    const opened = await opener.open(s.control, { ...request, queued });
    const { pending } = opened;
    let sent = opened.sent;
    const ahead = opened.ahead.slice(typeLines.length);
    if (typeLines.length > 0) {
      const reply = opened.ahead[0];
      if (reply.code < 200 || reply.code >= 300) {
        // The command went out in the other type (a download would be converted).
        pending.cancel();
        s.control.destroy();
        throw errorForReply(reply, typeLines[0]);
      }
      s.type = type;
    }
    if (ahead.length > 0) queries.onAhead?.(ahead);
    if (rest.length > 0) {
      // Pipelined, RETR went out with REST: a refusal leaves a transfer from byte 0 on its way.
      const reply = opened.between?.[0] ?? await s.control.command(rest[0]);
      if (reply.code !== 350) {
        pending.cancel();
        if (opened.between) s.control.destroy();
        throw errorForReply(reply, rest[0]);
      }
    }
    for (const line of before) {
      const reply = await s.control.command(line);
      if (reply.code >= 400) {
        pending.cancel();
        throw errorForReply(reply, line);
      }
    }
    // The data socket is made ready (TLS, reader attached, idle deadline) in
    // the same microtask it connects: a server may send everything and close
    // before its 1xx reply reaches us, and those bytes must not be lost.
    // TLS downloads also await the final reply alongside the data, to end a
    // stream whose TLS end-of-stream Deno lost (see socketReadable).
    let early: Promise<Reply> | undefined;
    let announce!: (size: number | undefined) => void;
    const announcement = new Promise<number | undefined>((resolve) => announce = resolve);
    let confirmed!: () => void;
    const confirmation = new Promise<void>((resolve) => confirmed = resolve);
    const dataReady = pending.channel().then((raw) =>
      security.connect(raw, {
        command,
        timeoutMs: s.timeout,
        direction,
        mapError: asDataError,
        expectedBytes: announcement,
        confirmation,
      })
    );
    dataReady.catch(() => {});
    // A plain upload's bytes go as soon as its data connection is open, while
    // the command's first reply (150, or a refusal) is on its way: a round
    // trip less per file on a far server. A refusal cuts the data connection
    // (a write the server never reads would wait) and is the transfer's error.
    let first: Promise<Reply> | undefined;
    if (!sent && writesAhead(s, command, direction, security.encrypted)) {
      s.control.send(command);
      announce(undefined);
      first = s.control.read(s.timeout, command);
      const cut = () => dataReady.then((d) => d.destroy(), () => {});
      first.then((reply) => void (refusal(reply) && cut()), cut);
    }
    // The command goes now: the next transfer's EPSV, if wanted, in the same write.
    const after = first || sent ? [] : nextPort?.lines() ?? [];
    if (after.length > 0) {
      s.control.sendMany([command, ...after]);
      sent = true;
    }
    const preliminary = first
      ? undefined
      : sent
      ? await s.control.read(s.timeout, command)
      : await s.control.command(command);
    if (!preliminary) {
      // Read with the final reply (see `firstOrFinal`).
    } else if (refusal(preliminary)) {
      // ProFTPD refuses a data connection whose TLS session is not the
      // control's with 425 here: the handshake's outcome explains why.
      if (security.encrypted && preliminary.code < 500) await settled(dataReady, 2_000);
      pending.cancel();
      dataReady.then((d) => d.destroy(), () => {});
      s.noteRefusal(preliminary);
      throw errorForReply(preliminary, command);
    } else if (preliminary.code >= 200) {
      // Some servers answer an empty transfer with 226 at once.
      pending.cancel();
      dataReady.then((d) => d.destroy(), () => {});
      end.finish();
      return emptyHandle(preliminary);
    } else announce(announcedRemaining(preliminary.text, offset, queries.expectedSize));
    // A binary download from byte 0 must bring what its 1xx announced (see TransferHandle).
    const announcedBytes = direction === "read" && type === "I" && !offset && preliminary
      ? announcedSize(preliminary.text)
      : undefined;
    if (direction === "read" && security.encrypted) {
      early = s.control.read(Number.POSITIVE_INFINITY, command);
      early.then((reply) => reply.code < 300 && confirmed(), () => {});
    }
    // After a failed data connection the server's reply to the command says
    // why (ProFTPD: 425 when the TLS session was not the control's own).
    const finalAfter = async (cause: unknown): Promise<unknown> => {
      let reply: Reply;
      try {
        reply = await end.lastReply(early, first);
      } catch {
        return cause; // no reply in time: the control connection was closed
      } finally {
        end.finish();
      }
      if (reply.code < 400) return cause;
      s.noteRefusal(reply);
      // After a 1xx, or after data sent ahead of the first reply: not "never ran".
      return errorForReply(reply, command, cause, { afterMark: true });
    };
    let sentAfter = false;
    let data: DataConnection;
    try {
      data = await dataReady;
    } catch (error) {
      pending.cancel();
      throw await finalAfter(error);
    }

    return {
      data,
      preliminary,
      command,
      announcedBytes,
      timeoutMs: s.timeout,
      closing: () => {
        if (end.done || !queries.after || sentAfter) return;
        s.control.sendMany([queries.after]);
        sentAfter = true;
      },
      finalReply: async () => {
        try {
          let reply = await end.lastReply(early, first);
          // After a 421 the query's reply never comes: the server closes.
          if (sentAfter && reply.code !== 421) {
            const next = await s.control.read(s.timeout, queries.after!);
            // A transfer ends with 226/250 (or a refusal): if the first reply is not one
            // and the second is, the query was answered first, before the file was done.
            const ended = (r: Reply) => r.code === 226 || r.code === 250;
            if (!ended(reply) && (ended(next) || reply.code < 400)) {
              queries.onAfter?.(reply, true);
              reply = next;
            } else queries.onAfter?.(next, false);
          }
          if (reply.code < 200 || reply.code >= 300) {
            s.noteRefusal(reply);
            // A 421 here ends a transfer that may have moved bytes (see FtpError.notRun).
            throw errorForReply(reply, command, undefined, { afterMark: true });
          }
          return reply;
        } catch (error) {
          // Replies still owed to lines sent after the data: the session is out of step.
          if (sentAfter && !s.control.closed) s.control.destroy();
          throw await droppedEarly(s, first, error);
        } finally {
          end.finish();
        }
      },
      failed: async (cause) => {
        data.destroy();
        if (end.done) return cause;
        const refused = first && await first.then((r) => refusal(r) ? r : undefined, () => {});
        if (refused) {
          // Cut because the server refused the upload: its reply is the error. A
          // query sent with the end is still owed a reply: the session is out of step.
          if (sentAfter) s.control.destroy();
          end.finish();
          s.noteRefusal(refused);
          // Data went ahead of this reply (write-ahead): not taken as "never ran".
          return errorForReply(refused, command, cause, { afterMark: true });
        }
        if (sentAfter) return end.drop(cause);
        if (!(cause instanceof FtpTimeoutError)) return await finalAfter(cause);
        if (s.queuedBehind || nextPort?.owed) return end.drop(cause);
        // A stalled transfer gives no reply of its own: ABOR resynchronises.
        await end.abort(early ?? first).catch(() => {
          /* the session is out of step; its next command fails */
        });
        return cause;
      },
      abort: async () => {
        data.destroy();
        if (end.done) return;
        if (sentAfter || s.queuedBehind || nextPort?.owed) {
          return void end.drop(undefined);
        }
        if (first && await first.then(refusal, () => true)) return void end.finish();
        await end.abort(early ?? first);
      },
    };
  } catch (error) {
    end.finish();
    throw error;
  }
}

/**
 * Whether a transfer's command carries the session's next transfer's EPSV
 * in its own write ({@link NextPort}), where the session keeps ports opened
 * ahead (`epsvAhead`):
 * - a listing (a type A download) on vsftpd, always: it reads no command
 *   while a transfer runs. ProFTPD reads commands during a long LIST (it
 *   answered such an EPSV "450 EPSV: data transfer in progress" before
 *   the 226): never behind a listing there.
 * - a small plain download (binary, from byte 0, no command between, up
 *   to {@link QUEUE_BEHIND_BYTES}) whenever `FtpClient.portBehindReads` says
 *   so as the command's write is made (a session pool: never on a session
 *   that queues downloads, where the place behind is for the next one).
 * `beforeCommand` are the lines between the channel and the command (REST).
 */
function nextPortFor(
  s: ClientSession,
  direction: "read" | "write",
  type: "A" | "I",
  beforeCommand: readonly string[],
  expectedSize: number | undefined,
): NextPort | undefined {
  if (direction !== "read" || !s.epsvAhead) return undefined;
  if (type === "A") return /vsftpd/i.test(s.welcome) ? new NextPort(() => true) : undefined;
  const small = beforeCommand.length === 0 && (expectedSize ?? Infinity) <= QUEUE_BEHIND_BYTES;
  if (!small || s.owner.portBehindReads === undefined) return undefined;
  return new NextPort(() => s.owner.portBehindReads?.() === true);
}

/**
 * Whether an upload's bytes go before its command's first reply (`writeAhead`):
 * not to a server that drops early bytes, known by its welcome
 * ({@link welcomeTakesEarlyData}) or seen on this session ({@link droppedEarly}).
 */
function writesAhead(
  s: ClientSession,
  command: string,
  direction: "read" | "write",
  encrypted: boolean,
): boolean {
  return direction === "write" && !encrypted && s.options.writeAhead !== false &&
    !s.earlyDataDropped && welcomeTakesEarlyData(s.welcome) && /^(STOR|APPE) /.test(command);
}

/**
 * The error of a write-ahead upload (`first`: its first reply) whose data
 * went whole but whose final reply did not come: after a 1xx, the server may
 * have dropped the bytes that came before its 150 (pyftpdlib closes such a
 * data connection, answers 150 and waits for another). The session writes
 * ahead no more ({@link ClientSession.earlyDataDropped}); the timeout says why.
 */
async function droppedEarly(
  s: ClientSession,
  first: Promise<Reply> | undefined,
  error: unknown,
): Promise<unknown> {
  if (!first || !(error instanceof FtpTimeoutError)) return error;
  const reply = await first.catch(() => undefined);
  if (!reply || reply.code >= 200) return error;
  s.earlyDataDropped = true;
  return new FtpTimeoutError(
    `${error.message} after its data: the server may drop bytes sent before its ` +
      `${reply.code} (writeAhead); uploads wait for it from now on`,
    { command: error.command, cause: error },
  );
}

/**
 * The session's data-connection strategies (./transfer_setup.ts), made once
 * and again only when PROT changes what the data connections need.
 */
function strategies(s: ClientSession): { opener: ChannelOpener; security: DataSecurity } {
  if (s.strategies?.protected === s.dataProtected) return s.strategies;
  const security = s.dataProtected
    ? tlsData(s.control.socket as tls.TLSSocket, s.options.tlsOptions ?? {}, s.timeout)
    : plainData(s.options.nativeDataConnections !== false);
  const channel: DataChannelOptions = {
    passive: s.options.passive,
    epsv: s.options.epsv,
    trustPasvHost: s.options.trustPasvHost,
    activeAddress: s.options.activeAddress,
    sourceAddress: s.options.sourceAddress,
    plainConn: security.nativeConn,
    timeoutMs: s.timeout,
  };
  const opener = channelOpener(channel, s.channel, s.options.pipeline !== false);
  s.strategies = { protected: s.dataProtected, opener, security };
  return s.strategies;
}

/** The largest download another is queued behind (a longer one would hold it up). */
const QUEUE_BEHIND_BYTES = 1 << 20;

/** The size a 150 reply announces, as vsftpd and others do: `(1234 bytes)`. */
function announcedSize(text: string): number | undefined {
  const match = /\((\d+) bytes?\)/i.exec(text);
  return match ? Number(match[1]) : undefined;
}

/**
 * The bytes a download's 1xx says are still to come. From byte 0 that is the
 * size it announces. After REST servers differ (ProFTPD announces what is left,
 * vsftpd the whole file), so the announcement counts only where it matches the
 * caller's `expected` either way, and a server that announces nothing is taken
 * at the caller's word. A TLS download needs the number: ProFTPD confirms it
 * only after our close_notify, which Deno's TLSSocket gives only once every
 * byte is in (see socketReadable), and a resumed download hung without it.
 */
function announcedRemaining(
  text: string,
  offset: number | undefined,
  expected: number | undefined,
): number | undefined {
  const announced = announcedSize(text);
  if (!offset) return announced;
  if (expected === undefined) return undefined;
  if (announced === undefined || announced === expected) return expected;
  return announced === expected + offset ? expected : undefined;
}

/** Resolves when `promise` settles or after `ms`, whichever is first; never rejects. */
function settled(promise: Promise<unknown>, ms: number): Promise<void> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const deadline = new Promise<void>((resolve) => timer = setTimeout(resolve, ms));
  return Promise.race([promise.then(() => {}, () => {}), deadline]).finally(() =>
    clearTimeout(timer)
  );
}

function asDataError(error: Error): Error {
  return error instanceof FtpError ? error : dataConnectionError(error);
}

function emptyHandle(reply: Reply): TransferHandle {
  return {
    data: undefined,
    preliminary: reply,
    command: "",
    timeoutMs: 0,
    finalReply: () => Promise.resolve(reply),
    abort: () => Promise.resolve(),
    failed: (cause) => Promise.resolve(cause),
  };
}
