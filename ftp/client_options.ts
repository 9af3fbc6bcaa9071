/**
 * What an `FtpClient` is told: its options (`FtpClientOptions`), a
 * transfer's (`TransferOptions`), and the raw control connection it lends to
 * protocol extensions (`RawControl`). Kept apart from the client so the
 * modules that carry out its sequences (login, transfer, listing) read the
 * same types without importing the client.
 * @module
 */
import type { ListingParser } from "./listing/types.ts";
import type { Reply } from "./reply.ts";
import type { FtpEncoding } from "./socket.ts";
import type { TlsOptions } from "./tls.ts";

/**
 * How long (ms) a passive port opened ahead (`FtpClientOptions.epsvAhead`) is
 * used: a server may stop listening on one left waiting.
 */
export const READY_PORT_MS = 5_000;

/** How the control connection is secured. */
export type TlsMode = "none" | "explicit" | "implicit";

/** Options of {@link FtpClient.connect}. */
export interface FtpClientOptions {
  /** Host name or IP address of the server. */
  host: string;
  /** Default 21, or 990 for implicit TLS. */
  port?: number;
  /** Deadline for every wait (connect, reply, data), in milliseconds. Default 30 s. */
  timeoutMs?: number;
  /** Local address to bind (ftplib's `source_address`). */
  sourceAddress?: string;
  /** `explicit` = AUTH TLS on the plain port (ftpes://), `implicit` = TLS from the first byte (ftps://). */
  tls?: TlsMode;
  /** Extra TLS settings (CA, pinned certificate, insecure, session reuse). */
  tlsOptions?: TlsOptions;
  /** Data channel protection after login under TLS: `P` (private, default) or `C` (clear). */
  dataProtection?: "P" | "C";
  /** Passive mode (default true). */
  passive?: boolean;
  /** Try EPSV before PASV (default true). */
  epsv?: boolean;
  /**
   * Send EPSV and a download command in one write once EPSV has worked on the
   * session (default true); turn off for a server that loses pipelined commands.
   */
  pipeline?: boolean;
  /**
   * Send a download's EPSV and RETR while the session's previous download
   * still runs, so they wait in the server's input and its 229 follows the
   * previous 226 at once: a round trip less per file on a far server. Only
   * for servers that read commands one after another (not during a
   * transfer; pyftpdlib answers them at once, Pure-FTPd with 500); default:
   * when the welcome names vsftpd. ProFTPD only where it sends downloads with
   * sendfile (its default `UseSendfile on`): with `UseSendfile off` it answers
   * a queued EPSV "450 EPSV: data transfer in progress" before the 226.
   * Plain (unencrypted) binary downloads of up to 1 MiB are queued behind.
   */
  queueReads?: boolean;
  /**
   * Send an upload's bytes (STOR, APPE) as soon as its plain data connection
   * is open, not after the server's 150: a round trip less per file on a far
   * server (the server takes them from its socket once it reads the
   * command). A refusal instead of the 150 cuts the data connection and is
   * the upload's error. Default true; TLS data connections always wait, and
   * so do uploads to pyftpdlib (its welcome), which drops a data connection
   * whose bytes reach it before the STOR (`welcomeTakesEarlyData`). A
   * write-ahead upload that gets its 1xx but no final reply after its data
   * (another server that drops early bytes) fails with its timeout, and the
   * session, and a pool's new sessions, write ahead no more.
   */
  writeAhead?: boolean;
  /**
   * Send EPSV in the same write as an upload's last steps (`renameAfter`:
   * MFMT, RNFR, RNTO) and keep the port it opens for the session's next
   * transfer, which then connects at once instead of asking: a round trip
   * less per upload on a far server. Its reply is read after the rename's, in
   * turn; a refusal only means no port is kept. A port older than
   * {@link READY_PORT_MS} is not used. Only on plain sessions where EPSV has
   * worked; default: `queueReads` if given, else when the welcome names
   * vsftpd or ProFTPD.
   */
  epsvAhead?: boolean;
  /**
   * Log in with USER, PASS and what follows a login (PBSZ/PROT under TLS,
   * FEAT, or OPTS UTF8 when the features are known) in one write: one round
   * trip instead of three to five, for each session. Only for servers that
   * read commands one after another; default: when the welcome names vsftpd,
   * ProFTPD or Pure-FTPd (lftp's `ftp:sync-mode` off). Not pyftpdlib: it
   * answers FEAT while a wrong password's 530 is held back, out of order.
   */
  pipelineLogin?: boolean;
  /**
   * EPSV is known to work on this server (another session used it): the first
   * download already pipelines EPSV with its command (a refusal is handled).
   */
  epsvWorks?: boolean;
  /**
   * Plain passive data connections on `Deno.Conn` (default true): leaner than
   * node:net for many small files. False keeps every data connection on node:net.
   */
  nativeDataConnections?: boolean;
  /**
   * With `tls: "none"`: the control connection on `Deno.connect` instead of
   * node:net (no `sourceAddress`), so a session that never needs TLS loads no
   * Node socket layer (~10-20 ms of a process's start-up: the UFTP sessions).
   * Such a connection cannot be upgraded later ({@link FtpClient.auth} refuses).
   */
  nativeControl?: boolean;
  /** Follow the PASV reply's host even when it differs from the control peer (default false). */
  trustPasvHost?: boolean;
  /** Address announced in active mode. */
  activeAddress?: string;
  /** Names on the wire: UTF-8 (default) or latin-1. */
  encoding?: FtpEncoding;
  /**
   * Commands sent in the write of the FEAT a login asks (for UTF-8 names, when
   * FEAT is not known yet), their replies, refusals included, handed to
   * `onReplies` in turn: one round trip for both (a UFTP session's time-shift
   * probe). Not sent when the login asks no FEAT. Two kinds the session takes
   * itself as well: a `TYPE` answered 2xx sets the session's type (the first
   * transfer sends none), and an `MLST path`'s reply answers {@link FtpClient.mlst}
   * of that path while no line has gone since (a one-file download's stat in
   * the login's round trip).
   */
  featuresAhead?: { lines: readonly string[]; onReplies(replies: Reply[]): void };
  /** Extra listing parsers tried before the built-in ones. */
  listParsers?: ListingParser[];
  /**
   * Seconds to subtract from server-local listing times (ftputil's time
   * shift): LIST times always, MLSD/MLST times only with `mlsdLocalTime`.
   */
  timeShift?: number;
  /**
   * The server writes MLSD/MLST `modify` in its own local time, against RFC
   * 3659's UTC (the UNICORE UFTPD, pyftpdlib with `use_gmt_times` off): apply
   * `timeShift` to those times too. Default false, as lftp's `ftp:timezone`.
   */
  mlsdLocalTime?: boolean;
  /** Largest listing accepted, in bytes (default 256 MiB). */
  maxListingBytes?: number;
  /**
   * Largest listing taken over the control connection (`FtpClient.statList`),
   * in characters (default: `maxListingBytes`). A longer STAT reply is read
   * to its end and dropped (the session stays in step) and the call fails
   * with `StatListingError` (`truncated`): list it with LIST instead.
   */
  maxStatListingBytes?: number;
  /**
   * The server's FEAT answer when it is already known (from another session
   * to the same server, as `features()` returned it): not asked again. Saves
   * a round trip per session, and more on servers whose multi-line replies
   * wait for a delayed ACK (UFTPD).
   */
  features?: ReadonlyMap<string, string>;
  /**
   * Once logged in, answer incomplete and preliminary replies with an empty
   * line so their ACK is not delayed (see `ControlConnection.nudgeAcks`): for
   * servers that skip empty lines and send reply lines one by one (UFTPD).
   */
  nudgeAcks?: boolean;
}

/** Options of transfers (RETR/STOR/APPE). */
export interface TransferOptions {
  /** REST offset: start reading or writing at this byte. */
  offset?: number;
  /** Called with the cumulative byte count as data flows. */
  onProgress?: (bytes: number) => void;
  /** Aborts the transfer (ABOR is sent, the data connection closed). */
  signal?: AbortSignal;
  /**
   * Commands sent after the data connection was set up (and after REST) and
   * right before the transfer command, each expecting a 1xx-3xx reply: for
   * dialects that qualify a transfer with extra commands, e.g. UFTPD's
   * `RANG <from> <to>` and `ALLO <bytes>`. Sent under the same lock as the
   * transfer, so no other command can come between.
   */
  before?: readonly string[];
  /**
   * Queries sent before the transfer, in the same write as EPSV and RETR
   * where those are pipelined (no extra round trip): e.g. `MDTM path`, to
   * learn a file's exact time on the way to its bytes. Their replies go to
   * `onAhead` (in order, whatever they say) before the transfer starts; a
   * refusal there does not stop the transfer.
   */
  ahead?: readonly string[];
  /** Hears the replies to `ahead` (must not throw). */
  onAhead?: (replies: Reply[]) => void;
  /**
   * Uploads: a query sent as the data connection closes, before the final
   * reply arrives (e.g. `SIZE path`, the check of what arrived, in the same
   * round trip as the 226). Only where `queuesReads`; elsewhere it is not
   * sent. ProFTPD sometimes answers it before its 226 (it reads commands
   * during a transfer): `onAfter` is then told it came early. A transfer that
   * fails with it sent closes the session (its reply would be out of step).
   */
  after?: string;
  /**
   * Hears the reply to `after` (must not throw); `early` when it came before
   * the final reply, so the server answered it while the transfer ran.
   */
  onAfter?: (reply: Reply, early: boolean) => void;
  /**
   * Downloads: the size the caller expects (from its listing). One of up to
   * 1 MiB lets the next download queue behind it (see `queueReads`).
   */
  expectedSize?: number;
  /**
   * Downloads: called once when the session is free again (final reply read,
   * or the transfer aborted or failed, `failed` then true), before the
   * stream ends. See DataStreamOptions.
   */
  onSettled?: (failed: boolean) => void;
}

/**
 * The control connection lent to {@link FtpClient.exclusive}: raw lines and
 * replies for protocol extensions the client does not know.
 */
export interface RawControl {
  /** Sends one command line (CR/LF/NUL refused). */
  send(line: string): void;
  /** Reads the next reply (default deadline: the client's timeout). */
  read(timeoutMs?: number): Promise<Reply>;
  /** Sends a line and reads its first reply; error replies are returned, not thrown. */
  command(line: string): Promise<Reply>;
  /** The server's address as connected (data connections go there). */
  readonly remoteAddress: string;
  /** The client's deadline for every wait, in milliseconds. */
  readonly timeoutMs: number;
}
