/**
 * The host's sessions: one main session for listings and commands, and child
 * sessions lent out for open files, so the host can list while a file is open
 * (ftputil's design). Children are reused after they are returned, checked
 * with NOOP when they sat idle a while, and replaced when they died. A server
 * that turns a new session away as one too many lowers the pool's limit to the
 * sessions it has: callers wait for one of those (lftp's connection limit).
 * @module
 */
import type { FtpClient } from "../../ftp/client.ts";
import {
  FtpConnectionError,
  FtpError,
  FtpSessionClosedError,
  FtpTimeoutError,
  TooManyConnectionsError,
} from "../../ftp/errors.ts";
import { logger } from "../../util/log.ts";
import { deadline } from "../../util/timers.ts";
import type { SessionFactory, SessionHints } from "./session.ts";

const log = logger("endpoint", "ftp", "pool");

/** Options of {@link SessionPool}. */
export interface PoolOptions {
  /** Most child sessions at once; more `acquire()` calls wait. Default 4. */
  maxChildren?: number;
  /**
   * Lend the main session too, as the last one when every child is out: the
   * pool then never holds more than `maxChildren + 1` connections in all, and
   * `maxChildren: 0` works on the main session alone. Commands on the main
   * session wait while it is lent. Default false (ftputil's host: the main
   * session stays free for listings), and always true with `maxChildren: 0`.
   */
  lendMain?: boolean;
  /** A child idle longer than this (ms) is checked with NOOP before reuse. Default 30 s. */
  checkAfterMs?: number;
  /**
   * After the server refused a session as one too many, the limit rises again
   * by one every this many ms (and falls again if the server still refuses);
   * lftp's `net:connection-limit-timer`. Default 10 min.
   */
  raiseLimitAfterMs?: number;
  /** How long `close()` waits for QUIT replies before cutting sessions off (ms). Default 1 s. */
  closeGraceMs?: number;
  /**
   * Whether `close()` waits for a near server's answer to QUIT (a far one's is
   * never awaited, see {@link FAR_REPLY_MS}). Default true. False: QUIT leaves
   * and the session is let go, a round trip less at the end (a one-file copy,
   * whose bytes were checked before, has nothing left to learn from it).
   */
  awaitQuit?: boolean;
  /** The clock (tests). */
  now?: () => number;
}

/**
 * A listing that takes this long (ms) marks the server as far away: later
 * listings go to child sessions while the main one is busy (see
 * `SessionPool.withListing`).
 */
export const SLOW_LISTING_MS = 25;

/**
 * The quickest reply (ms) from which a server counts as far: a slow listing
 * from a nearer one is the server's disk or this process's own work (module
 * loading at a job's start took ~30 ms of the first listing on loopback),
 * which more sessions would not help. The same distance as `longLink`.
 */
export const FAR_REPLY_MS = 5;

/**
 * A timer that resolves `expired` after `ms`; `clear()` it when done. A
 * deadline (util/timers.ts: no Node layer loaded for it): the sessions it
 * bounds keep the process alive while they close.
 */
function graceTimer(ms: number): { expired: Promise<undefined>; clear(): void } {
  let clear = () => {};
  const expired = new Promise<undefined>((resolve) => {
    clear = deadline(ms, () => resolve(undefined));
  });
  return { expired, clear };
}

interface Idle {
  client: FtpClient;
  since: number;
}

/**
 * Whether an error means the session is gone (connection lost, timed out, or
 * the server said 421 "closing control connection").
 *
 * @example
 * ```ts
 * if (isSessionLost(error)) pool.discard(client);
 * ```
 */
export function isSessionLost(error: unknown): boolean {
  return error instanceof FtpConnectionError || error instanceof FtpTimeoutError ||
    (error instanceof FtpError && error.ftpCode === 421);
}

/**
 * Whether a command is known not to have run, so it is safe to run again on
 * another session whatever it does: it never left (the session had closed,
 * {@link FtpSessionClosedError}) or the server answered it 421 as its first
 * reply (`FtpError.notRun`: RFC 959's "closing control connection", e.g.
 * pyftpdlib's "421 Control connection timed out." to a command sent as its
 * idle timeout struck). A 421 after a 1xx (a transfer under way) is not.
 *
 * @example
 * ```ts
 * if (neverRan(error)) return await fn(await pool.main());
 * ```
 */
export function neverRan(error: unknown): boolean {
  return error instanceof FtpSessionClosedError || (error instanceof FtpError && error.notRun);
}

/**
 * A main session and a bounded set of reusable child sessions.
 *
 * @example
 * ```ts
 * const pool = new SessionPool(sessionFactory({ host, port, user, password }));
 * const main = await pool.main();
 * const child = await pool.acquire();
 * try { ... } finally { pool.release(child); }
 * ```
 */
export class SessionPool {
  readonly #factory: SessionFactory;
  readonly #maxChildren: number;
  /** Children allowed now: `maxChildren`, or fewer after the server said "too many". */
  #limit: number;
  #loweredAt = 0;
  #warnedLimit = false;
  /** The refusal not yet logged (see `#reportLimit`). */
  #refusal?: string;
  readonly #raiseLimitAfterMs: number;
  readonly #closeGraceMs: number;
  readonly #awaitQuit: boolean;
  readonly #lendMain: boolean;
  #mainLent?: FtpClient;
  readonly #checkAfterMs: number;
  readonly #now: () => number;
  #main?: Promise<FtpClient>;
  /** The main session once made (its hints for new sessions). */
  #mainClient?: FtpClient;
  #idle: Idle[] = [];
  #leased = new Set<FtpClient>();
  /** Leases beyond the first of a session a download is queued on (see `acquire`). */
  #shared = new Map<FtpClient, number>();
  #connecting = 0;
  /**
   * Child sessions dropped whose connections have not closed yet (`FtpClient.gone`):
   * their slots stay taken, so a new session never overlaps one still closing.
   */
  #closing = 0;
  readonly #dropped = new WeakSet<FtpClient>();
  /** A session's write-ahead upload got no final reply: new sessions wait for the 150. */
  #earlyDataDropped = false;
  /**
   * Sessions let go but maybe still open: retired ones (QUIT after the commands
   * already on them) and dropped ones, until their connection has closed.
   * `close()` cuts those still open when its grace ends (see `#letGo`).
   */
  readonly #outgoing = new Set<FtpClient>();
  #waiting: (() => void)[] = [];
  #closed = false;
  #timeShift = 0;
  #mlsdLocalTime = false;
  /** Commands running or waiting on the main session now (see `withCommand`). */
  #mainCommands = 0;
  /** Listings running on the main session now (see `withListing`). */
  #mainListings = 0;
  /** Whether a listing on the main session took SLOW_LISTING_MS or more. */
  #slowListings = false;

  /**
   * Makes a pool over `factory` (which connects and logs in one session); nothing connects until first use.
   */
  constructor(factory: SessionFactory, options: PoolOptions = {}) {
    this.#factory = factory;
    this.#maxChildren = options.maxChildren ?? 4;
    this.#limit = this.#maxChildren;
    this.#raiseLimitAfterMs = options.raiseLimitAfterMs ?? 600_000;
    this.#closeGraceMs = options.closeGraceMs ?? 1000;
    this.#awaitQuit = options.awaitQuit ?? true;
    // No children and the main session kept back: every transfer would wait for ever.
    this.#lendMain = (options.lendMain ?? false) || this.#maxChildren <= 0;
    this.#checkAfterMs = options.checkAfterMs ?? 30_000;
    this.#now = options.now ?? Date.now;
  }

  /** Sessions lent out now. */
  get leased(): number {
    return this.#leased.size + (this.#mainLent ? 1 : 0);
  }

  /** Idle child sessions kept for reuse. */
  get idle(): number {
    return this.#idle.length;
  }

  /** Child sessions allowed now (below `maxChildren` after the server refused one). */
  get limit(): number {
    return this.#limit;
  }

  /** The time shift every session's listing parser applies (seconds). */
  get timeShift(): number {
    return this.#timeShift;
  }

  set timeShift(seconds: number) {
    this.#timeShift = seconds;
    this.#applyTimes();
  }

  /** Whether the shift applies to MLSD/MLST times too (`FtpClientOptions.mlsdLocalTime`). */
  get mlsdLocalTime(): boolean {
    return this.#mlsdLocalTime;
  }

  set mlsdLocalTime(local: boolean) {
    this.#mlsdLocalTime = local;
    this.#applyTimes();
  }

  #applyTimes(): void {
    const set = (client: FtpClient) => {
      client.timeShift = this.#timeShift;
      client.mlsdLocalTime = this.#mlsdLocalTime;
    };
    for (const client of this.#all()) set(client);
    void this.#main?.then(set, () => {});
  }

  /**
   * The main session, made on first use and again after it was lost.
   *
   * @example
   * ```ts
   * const entries = await (await pool.main()).mlsd("/pub");
   * ```
   */
  main(): Promise<FtpClient> {
    this.#assertOpen();
    if (this.#main) {
      const current = this.#main;
      return current.then((client) => {
        if (!client.closed) return client;
        // The lost session's connection closes before the next one opens: never one more.
        if (this.#main === current) this.#main = this.#newMain(client.gone);
        return this.main();
      }, (error) => {
        if (this.#main === current) this.#main = undefined;
        throw error;
      });
    }
    this.#main = this.#newMain();
    return this.#main;
  }

  /** Makes the main session (once `after` has resolved: the lost one's connection closed). */
  #newMain(after?: Promise<void>): Promise<FtpClient> {
    const make = () => {
      this.#assertOpen();
      return this.#make();
    };
    const made = (after ? after.then(make) : this.#make()).catch((error) =>
      this.#idleAsMain(error)
    );
    made.then((client) => {
      this.#mainClient = client;
      this.#trace(client, "is the main session");
    }, () => {});
    made.catch(() => {
      if (this.#main === made) this.#main = undefined;
    });
    return made;
  }

  /**
   * Runs `fn` on the main session; when the session was lost (or retired
   * itself, `closed`), makes a new one and, if `retry`, runs `fn` once more
   * (only for commands safe to repeat), as it does after a refused data
   * connection (425).
   *
   * @example
   * ```ts
   * const cwd = await pool.withMain((c) => c.pwd(), { retry: true });
   * ```
   */
  async withMain<T>(
    fn: (client: FtpClient) => Promise<T>,
    options: { retry?: boolean } = {},
  ): Promise<T> {
    this.#mainCommands++;
    try {
      return await this.#onMain(fn, options);
    } finally {
      this.#mainCommands--;
    }
  }

  /**
   * Runs a command that any session can carry (absolute paths, no data
   * connection): on the main session, or — when the server is far (a listing
   * took {@link SLOW_LISTING_MS} or more) and the main session is busy or
   * lent — on an idle child, so the steps after many parallel transfers
   * (SIZE, RNFR/RNTO, MFMT) do not queue up one after another on one
   * connection. Never opens a session or waits for one for this: without an
   * idle child it waits for the main session as before. A child lost on the
   * way hands the command to the main session (`withMain`, with its `retry`).
   *
   * @example
   * ```ts
   * await pool.withCommand((c) => c.rename("/pub/.a.part", "/pub/a"));
   * ```
   */
  async withCommand<T>(
    fn: (client: FtpClient) => Promise<T>,
    options: { retry?: boolean } = {},
  ): Promise<T> {
    const busy = this.#mainLent !== undefined || this.#mainCommands > 0;
    const idle = busy && this.#slowListings ? this.#takeIdle() : undefined;
    if (!idle) return await this.withMain(fn, options);
    return await this.#onChild(
      idle,
      fn,
      (error, lost) => neverRan(error) || (lost && options.retry === true),
      options,
    );
  }

  /**
   * `fn` on a lent child, released after; when it fails and `handOver` says
   * so (given whether the session was lost), `fn` runs on the main session.
   */
  async #onChild<T>(
    child: FtpClient,
    fn: (client: FtpClient) => Promise<T>,
    handOver: (error: unknown, lost: boolean) => boolean,
    options: { retry?: boolean },
  ): Promise<T> {
    let result: T;
    try {
      result = await fn(child);
    } catch (error) {
      const lost = isSessionLost(error) || child.closed;
      this.release(child, { broken: lost });
      if (!handOver(error, lost)) throw error;
      return await this.withMain(fn, options);
    }
    this.release(child);
    return result;
  }

  /** An idle child, lent without a check or a wait (undefined when none is idle). */
  #takeIdle(): FtpClient | undefined {
    while (this.#idle.length > 0) {
      const idle = this.#idle.pop()!;
      if (idle.client.closed) {
        this.#drop(idle.client, "dropped (closed)");
        continue;
      }
      if (this.#now() - idle.since > this.#checkAfterMs) {
        this.#idle.push(idle); // a long-idle one is NOOP-checked by acquire(), not here
        return undefined;
      }
      this.#leased.add(idle.client);
      return idle.client;
    }
    return undefined;
  }

  async #onMain<T>(
    fn: (client: FtpClient) => Promise<T>,
    options: { retry?: boolean },
  ): Promise<T> {
    const client = await this.main();
    try {
      return await fn(client);
    } catch (error) {
      if (isSessionLost(error) || client.closed) {
        log.info("main session lost ({error}); reconnecting", { error: String(error) });
        // Retired, not cut: the lock may have gone on to another caller's command, already
        // sent (a data connection's failure leaves the control connection open).
        client.retire("a command on it failed as if the session were lost");
        this.#letGo(client);
        // A command that never left (the session had closed under it) or that the server
        // answered 421 first (not carried out) is safe to run again.
        if (!options.retry && !neverRan(error)) throw error;
        return await fn(await this.main());
      }
      // A refused data connection (425) changed nothing: a command safe to
      // repeat is tried once more (FTPS servers refuse one that did not resume
      // the session, docs/TLS.md).
      if (!options.retry || !(error instanceof FtpError && error.ftpCode === 425)) throw error;
      log.info("data connection refused ({error}); trying once more", { error: String(error) });
      return await fn(await this.main());
    }
  }

  /**
   * Runs a listing (`fn`, safe to repeat) on the main session, or — when the
   * main session is busy with another one and listings have proven slow (a
   * far server: one took {@link SLOW_LISTING_MS} or more) — on a child
   * session, so a walk lists its directories in parallel over the pool
   * instead of one round trip after another on one connection. On loopback a
   * listing takes a few ms and the extra logins would cost more than they
   * save, so there everything stays on the main session.
   *
   * @example
   * ```ts
   * const entries = await pool.withListing((c) => c.mlsd("/pub"));
   * ```
   */
  async withListing<T>(fn: (client: FtpClient) => Promise<T>): Promise<T> {
    if (this.#mainListings > 0 && this.#slowListings && this.#maxChildren > 0) {
      return await this.#withChild(fn);
    }
    this.#mainListings++;
    const started = this.#now();
    try {
      return await this.withMain(fn, { retry: true });
    } finally {
      this.#mainListings--;
      const far = (this.#mainClient?.fastestReplyMs ?? Infinity) >= FAR_REPLY_MS;
      if (far && this.#now() - started >= SLOW_LISTING_MS) this.#slowListings = true;
    }
  }

  /**
   * `fn` on a child session (released after). When the child was lost or its
   * data connection refused (an FTPS child out of TLS tickets), the listing
   * runs on the main session instead, with `withMain`'s own retry: the path
   * every listing took before listings went to children.
   */
  async #withChild<T>(fn: (client: FtpClient) => Promise<T>): Promise<T> {
    return await this.#onChild(await this.acquire(), fn, (error, lost) => {
      const refused = error instanceof FtpError && error.ftpCode === 425;
      if (!(lost || refused)) return false;
      log.info("listing on a child session failed ({error}); listing on the main session", {
        error: String(error),
      });
      return true;
    }, { retry: true });
  }

  /**
   * Lends a child session: an idle one (NOOP-checked if it sat long), a new
   * one, or — at the limit — the next one returned. When the server refuses a
   * new session as one too many ({@link TooManyConnectionsError}) while others
   * are open, the limit drops to those and the caller waits for one of them.
   * With `queue` (a download that pipelines), a session whose running
   * download another may queue behind (`FtpClient.queueable`) is lent too,
   * shared until both are released.
   *
   * @example
   * ```ts
   * const child = await pool.acquire();
   * ```
   */
  async acquire(options: { queue?: boolean } = {}): Promise<FtpClient> {
    for (;;) {
      this.#assertOpen();
      const idle = this.#idle.pop();
      if (idle) {
        if (idle.client.closed) {
          this.#drop(idle.client, "dropped (closed)");
          continue;
        }
        if (this.#now() - idle.since > this.#checkAfterMs) {
          try {
            await idle.client.noop();
          } catch {
            this.#drop(idle.client, "dropped (failed a check)");
            continue;
          }
        }
        this.#leased.add(idle.client);
        return idle.client;
      }
      if (this.#leased.size + this.#connecting + this.#closing < this.#currentLimit()) {
        // Count the slot before the (slow) connect, so parallel callers respect the limit.
        this.#connecting++;
        try {
          const client = await this.#make();
          this.#leased.add(client);
          this.#trace(client, "opened as a child");
          return client;
        } catch (error) {
          if (!this.#lowerLimit(error)) throw error;
          continue;
        } finally {
          this.#connecting--;
          this.#reportLimit();
          this.#wake();
        }
      }
      if (this.#lendMain && !this.#mainLent) {
        const main = await this.main();
        if (!this.#mainLent && !main.closed) {
          this.#mainLent = main;
          return main;
        }
        continue;
      }
      const busy = options.queue ? this.#queueable() : undefined;
      if (busy) {
        this.#shared.set(busy, (this.#shared.get(busy) ?? 0) + 1);
        return busy;
      }
      await new Promise<void>((resolve) => this.#waiting.push(resolve));
    }
  }

  /**
   * Opens and logs in child sessions in parallel, up to `count` idle ones
   * (never above the limit, counting those lent and connecting), so a job's
   * first transfers find them ready instead of each paying a connect and a
   * login in turn. A refusal as one too many lowers the limit as in
   * `acquire`; any other failure is left for `acquire` to meet again.
   *
   * @example
   * ```ts
   * void pool.warm(7); // while the listing runs on the main session
   * ```
   */
  async warm(count: number): Promise<void> {
    const room = Math.min(
      count - this.#idle.length,
      this.#currentLimit() - this.#leased.size - this.#idle.length - this.#connecting -
        this.#closing,
    );
    const opening: Promise<unknown>[] = [];
    for (let n = room; n > 0 && !this.#closed; n--) {
      this.#connecting++;
      // Each resolves to its failure (or undefined) once counted off.
      opening.push(
        this.#make().then((client) => {
          this.#idle.push({ client, since: this.#now() });
          this.#trace(client, "opened ahead");
        }, (error: unknown) => error ?? new Error("failed")).finally(() => {
          this.#connecting--;
          this.#wake();
        }),
      );
    }
    // Judged once all have settled: attempts refused together must not count each other.
    const failure = (await Promise.all(opening)).find((e) => e !== undefined);
    if (failure === undefined) return;
    if (!this.#lowerLimit(failure, 0)) {
      log.debug("opening a session ahead failed: {error}", { error: String(failure) });
    }
    this.#reportLimit();
  }

  /**
   * Returns a child session. A closed one (or one marked `broken`) is dropped
   * instead of kept.
   *
   * @example
   * ```ts
   * pool.release(child, { broken: !child.closed && failed });
   * ```
   */
  release(client: FtpClient, options: { broken?: boolean } = {}): void {
    const shared = this.#shared.get(client);
    if (shared) {
      if (shared > 1) this.#shared.set(client, shared - 1);
      else this.#shared.delete(client);
      // Another lease holds it still, its download queued on it, and when it is the lent main
      // session, commands through `withMain` may be on it too (a rename, not safe to repeat):
      // retired, not cut. Those already sent run to their replies; the holder's release then
      // drops it (or has main made anew); `close()` ends it at the latest.
      if (options.broken) {
        client.retire("a transfer sharing it failed");
        this.#letGo(client);
      }
      return;
    }
    if (client === this.#mainLent) {
      this.#mainLent = undefined;
      // A broken main session is made anew on next use (see `main()`); retired, not cut:
      // commands on it through `withMain` may be on their way.
      if (options.broken) {
        client.retire("the transfer lent it failed");
        this.#letGo(client);
      }
      this.#wake();
      return;
    }
    if (!this.#leased.delete(client)) return;
    if (options.broken || client.closed || this.#closed) {
      this.#drop(client, options.broken ? "dropped (broken)" : "dropped (closed)");
    } else {
      client.timeShift = this.#timeShift;
      client.mlsdLocalTime = this.#mlsdLocalTime;
      this.#idle.push({ client, since: this.#now() });
    }
    this.#wake();
  }

  /**
   * NOOP on the main session and on idle children, so none times out during a
   * long transfer elsewhere; lost ones are retired (and the main one re-made on
   * next use), ones that answer, even with a refusal, kept.
   *
   * @example
   * ```ts
   * const timer = setInterval(() => pool.keepAlive(), 60_000);
   * ```
   */
  async keepAlive(): Promise<void> {
    const checks: Promise<unknown>[] = [];
    // A NOOP answered, even refused (a server without it), shows the session alive: kept. A
    // lost one is retired, not cut: a command queued behind the NOOP (a rename through
    // `withMain`, or on an idle child `withCommand` took meanwhile) may already be on it.
    const check = (client: FtpClient, lost: () => void, alive: () => void) =>
      client.noop().then(alive, (error) => {
        log.debug("keep-alive on session #{conn} failed: {error}", {
          conn: client.conn,
          error: String(error),
        });
        if (isSessionLost(error) || client.closed) lost();
        else alive();
      });
    if (this.#main && !this.#mainLent) {
      checks.push(this.#main.then((main) =>
        check(main, () => {
          main.retire("its keep-alive NOOP failed");
          this.#letGo(main);
        }, () => {}), () => {}));
    }
    for (const idle of [...this.#idle]) {
      checks.push(check(idle.client, () => {
        const held = this.#idle.includes(idle);
        this.#idle = this.#idle.filter((i) => i !== idle);
        // One lent meanwhile is dropped when its holder returns it (closed).
        if (held) this.#drop(idle.client, "dropped (failed a keep-alive)");
        else {
          idle.client.retire("its keep-alive NOOP failed");
          this.#letGo(idle.client);
        }
      }, () => idle.since = this.#now()));
    }
    await Promise.all(checks);
  }

  /**
   * QUITs every session (without awaiting a far server's 221, see
   * {@link FAR_REPLY_MS}); leased ones are closed at once. A QUIT that has not
   * been answered after `closeGraceMs` (a session still busy with a stuck
   * transfer, a server that went silent) is cut off, and so is a session
   * retired earlier whose QUIT still waits behind a command: closing never
   * hangs, and leaves no connection open behind it.
   *
   * @example
   * ```ts
   * await pool.close();
   * ```
   */
  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    const sessions = this.#idle.map((i) => i.client);
    this.#idle = [];
    // A main session still connecting is closed by #make when it arrives.
    const main = this.#main?.catch(() => undefined);
    this.#main = undefined;
    for (const wake of this.#waiting.splice(0)) wake();
    for (const client of this.#leased) {
      client.close(); // a retired one (a command on it finishing) waits for the grace's end
      this.#letGo(client);
    }
    const grace = graceTimer(this.#closeGraceMs);
    try {
      // A far server's 221 is not awaited (FtpClient.quit): QUIT leaves, the job ends.
      const quit = (c: FtpClient) =>
        c.quit({ wait: this.#awaitQuit && c.fastestReplyMs < FAR_REPLY_MS });
      const quits = sessions.map(quit);
      const m = await Promise.race([main, grace.expired]);
      if (m) {
        sessions.push(m);
        quits.push(quit(m));
      }
      // Sessions let go earlier get the same grace: a retired one QUITs after the commands on it.
      const going = [...this.#outgoing].map((c) => c.gone);
      await Promise.race([Promise.allSettled([...quits, ...going]), grace.expired]);
    } finally {
      grace.clear();
      // Retired sessions too: a command hung on one would otherwise hold it open until its
      // own timeout (30 s by default), after the job had ended.
      for (const client of [...sessions, ...this.#outgoing]) client.close({ force: true });
    }
  }

  /**
   * When the server refuses a new main session as one too many, an idle child
   * becomes the main one (one child fewer from now on); otherwise the error stands.
   */
  #idleAsMain(error: unknown): FtpClient {
    const idle = error instanceof TooManyConnectionsError && !this.#closed
      ? this.#idle.findLast((i) => !i.client.closed)
      : undefined;
    if (!idle) throw error;
    this.#idle = this.#idle.filter((i) => i !== idle);
    this.#limit = Math.min(this.#limit, this.#leased.size + this.#idle.length);
    this.#loweredAt = this.#now();
    log.debug("the server refused a new main session; an idle child takes its place", {});
    return idle.client;
  }

  /** The child limit, raised by one when it was lowered long enough ago. */
  #currentLimit(): number {
    if (
      this.#limit < this.#maxChildren && this.#now() - this.#loweredAt > this.#raiseLimitAfterMs
    ) {
      this.#limit++;
      this.#loweredAt = this.#now();
      log.debug("trying {limit} child session(s) again", { limit: this.#limit });
    }
    return this.#limit;
  }

  /**
   * After a refused child session: lowers the limit to the sessions that work
   * (and those still connecting) and says so once. False when nothing would be
   * left to wait for, so the caller fails instead of waiting forever.
   */
  #lowerLimit(error: unknown, ownAttempts = 1): boolean {
    if (!(error instanceof TooManyConnectionsError) || this.#closed) return false;
    // The caller's own attempt is still counted in #connecting (not so for `warm`).
    const working = this.#leased.size + this.#idle.length + this.#connecting - ownAttempts;
    if (working === 0 && !this.#lendMain) return false;
    this.#limit = Math.min(this.#limit, working);
    this.#loweredAt = this.#now();
    this.#refusal = error.message;
    return true;
  }

  /**
   * Closes a child session the pool no longer holds; its slot stays taken
   * until its connection has closed for the system (`FtpClient.gone`): a
   * session made at once would otherwise reach the server while the dropped
   * one is still open there (Deno releases a socket with a read in flight a
   * turn later: a new connect went out before the old close, seen with strace),
   * one more than `maxChildren` at once.
   */
  #drop(client: FtpClient, why: string): void {
    client.close();
    this.#letGo(client);
    if (this.#dropped.has(client)) return;
    this.#dropped.add(client);
    this.#trace(client, why);
    this.#closing++;
    void client.gone.then(() => {
      this.#closing--;
      this.#wake();
    });
  }

  /**
   * Keeps a session the pool let go (retired or dropped) in `#outgoing` until
   * its connection has closed: a retired one still runs the commands on it,
   * and `close()` must be able to end it.
   */
  #letGo(client: FtpClient): void {
    if (client.earlyDataDropped) this.#earlyDataDropped = true;
    if (this.#outgoing.has(client)) return;
    this.#outgoing.add(client);
    void client.gone.then(() => this.#outgoing.delete(client));
  }

  /** Says what the limit came to, once the connects in flight have settled. */
  #reportLimit(): void {
    if (this.#refusal === undefined || this.#connecting > 0) return;
    const fields = { error: this.#refusal, total: this.#limit + (this.#lendMain ? 1 : 0) };
    this.#refusal = undefined;
    const message =
      "the server refused another session ({error}); going on with {total} connection(s)";
    if (this.#warnedLimit) log.debug(message, fields);
    else log.warn(message, fields);
    this.#warnedLimit = true;
  }

  /** A debug line on a session's coming or going, with what the pool holds then (the trace's count). */
  #trace(client: FtpClient, what: string): void {
    log.debug(
      "session {what}: {leased} lent, {idle} idle, {connecting} connecting, main {main}",
      () => ({
        what,
        conn: client.conn,
        leased: this.#leased.size,
        idle: this.#idle.length,
        connecting: this.#connecting,
        main: this.#mainLent
          ? `lent (#${this.#mainLent.conn})`
          : this.#mainClient
          ? `#${this.#mainClient.conn}`
          : "none",
      }),
    );
  }

  /** What the sessions so far learned, for the next one (see `SessionHints`). */
  #hints(): SessionHints {
    const hints: SessionHints = this.#earlyDataDropped ? { writeAhead: false } : {};
    for (const client of [...this.#all(), ...(this.#mainClient ? [this.#mainClient] : [])]) {
      if (client.closed) continue;
      hints.features ??= client.knownFeatures;
      if (client.epsvWorked) hints.epsvWorks = true;
    }
    return hints;
  }

  async #make(): Promise<FtpClient> {
    const client = await this.#factory(this.#hints());
    // Another session may have seen EPSV work while this one logged in.
    if (this.#hints().epsvWorks) client.assumeEpsvWorks();
    client.timeShift = this.#timeShift;
    client.mlsdLocalTime = this.#mlsdLocalTime;
    // Callers waiting for a session may queue a download behind this one's now.
    client.onQueueable = () => this.#wakeAll();
    // A session that does not queue downloads (ProFTPD, by default) sends the next transfer's
    // EPSV behind a download while nobody waits for a session. One that queues (vsftpd) never:
    // in a mirror the next copy often asks a moment after the download's lines went, finds
    // the place behind it taken by the EPSV and waits for the 226 (at 40 ms, 2,000 files: 264
    // downloads so, ~0.1 round trip a file more on average, 27.6 s against 26.8).
    client.portBehindReads = () => !client.queuesReads && this.#waiting.length === 0;
    if (this.#closed) {
      client.close();
      this.#assertOpen();
    }
    return client;
  }

  *#all(): Iterable<FtpClient> {
    for (const idle of this.#idle) yield idle.client;
    yield* this.#leased;
  }

  #wake(): void {
    this.#waiting.shift()?.();
  }

  #wakeAll(): void {
    for (const wake of this.#waiting.splice(0)) wake();
  }

  /** A lent session a download may queue behind now (see `FtpClient.queueable`). */
  #queueable(): FtpClient | undefined {
    for (const client of this.#leased) if (client.claimQueue()) return client;
    const main = this.#mainLent;
    return main?.claimQueue() ? main : undefined;
  }

  #assertOpen(): void {
    if (this.#closed) throw new FtpConnectionError("the FTP host is closed", { code: "ECLOSED" });
  }
}
