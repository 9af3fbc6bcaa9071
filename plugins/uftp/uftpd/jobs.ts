/**
 * Registered sessions ("jobs") of the UFTPD, keyed by their one-time secret,
 * with UFTPD's lifetime rules: a job nobody logged in with expires 300 s after
 * it was added; once used it lives while one of its sessions runs and is gone
 * when the last one ends; a non-persistent job allows one session at a time.
 * The clock is injectable, so expiry is tested without waiting.
 * @module
 */
import type { TransferRequest } from "../command_port.ts";

/** How long an unused job stays valid (UFTPD's `_REQUEST_LIFETIME`). */
export const JOB_LIFETIME_MS = 300_000;

/** A registered session request and its use. */
export interface Job extends TransferRequest {
  /** When it expires if nobody logs in (ms since the epoch). */
  expires: number;
  /** Sessions running now. */
  running: number;
  /** Whether a session was ever opened. */
  used: boolean;
}

/** Why a login was refused (the reply text follows UFTPD's). */
export type LoginVerdict =
  | { ok: true; job: Job }
  | { ok: false; code: 500 | 530; message: string };

/** Options of {@link JobStore}. */
export interface JobStoreOptions {
  now?: () => number;
  lifetimeMs?: number;
  /** Most jobs plus sessions per user (UFTPD's MAX_CONNECTIONS). Default 16. */
  maxPerUser?: number;
  /** Accept logins from any address (UFTPD's DISABLE_IP_CHECK). */
  disableIpCheck?: boolean;
}

/**
 * The job table.
 *
 * @example
 * ```ts
 * const jobs = new JobStore({ now: () => clock });
 * jobs.add(request);
 * const verdict = jobs.login(secret, "127.0.0.1");
 * if (verdict.ok) { ...; jobs.logout(verdict.job); }
 * ```
 */
export class JobStore {
  readonly #jobs = new Map<string, Job>();
  readonly #now: () => number;
  readonly #lifetime: number;
  readonly #maxPerUser: number;
  readonly #disableIpCheck: boolean;

  /** Makes an empty store (limits and clock from `options`). */
  constructor(options: JobStoreOptions = {}) {
    this.#now = options.now ?? Date.now;
    this.#lifetime = options.lifetimeMs ?? JOB_LIFETIME_MS;
    this.#maxPerUser = options.maxPerUser ?? 16;
    this.#disableIpCheck = options.disableIpCheck ?? false;
  }

  /** Jobs held now (after dropping expired ones). */
  get size(): number {
    this.#sweep();
    return this.#jobs.size;
  }

  /**
   * Registers a request; throws with UFTPD's message on a duplicate secret or
   * too many jobs for the user.
   *
   * @example
   * ```ts
   * const job = jobs.add(request);
   * ```
   */
  add(request: TransferRequest): Job {
    this.#sweep();
    if (this.#jobs.has(request.secret)) throw new Error("Duplicate secret - this is not allowed.");
    const mine = [...this.#jobs.values()].filter((j) => j.user === request.user);
    if (mine.length >= this.#maxPerUser) {
      throw new Error(
        `Too many active sessions for '${request.user}' - server limit is ${this.#maxPerUser}`,
      );
    }
    const job: Job = { ...request, expires: this.#now() + this.#lifetime, running: 0, used: false };
    this.#jobs.set(request.secret, job);
    return job;
  }

  /**
   * Checks a login: the secret, its expiry, the client address, and whether a
   * non-persistent job is already in use. On success the session is counted.
   *
   * @example
   * ```ts
   * jobs.login(secret, "10.0.0.1").ok; // true once, for a non-persistent job
   * ```
   */
  login(secret: string, ip: string): LoginVerdict {
    this.#sweep();
    const job = this.#jobs.get(secret);
    if (!job) return { ok: false, code: 530, message: "no matching transfer request found" };
    if (!this.#disableIpCheck && !job.clientIps.includes(ip)) {
      return {
        ok: false,
        code: 500,
        message:
          `Error establishing connection: Rejecting connection for '${job.user}' from ${ip}, ` +
          `allowed: [${job.clientIps.map((c) => `'${c}'`).join(", ")}]`,
      };
    }
    if (job.running > 0 && !job.persistent) {
      return { ok: false, code: 500, message: "Session for these credentials is already running" };
    }
    job.running++;
    job.used = true;
    return { ok: true, job };
  }

  /**
   * A session ended; the job goes with its last session.
   *
   * @example
   * ```ts
   * jobs.logout(job);
   * ```
   */
  logout(job: Job): void {
    job.running = Math.max(0, job.running - 1);
    if (job.running === 0 && this.#jobs.get(job.secret) === job) this.#jobs.delete(job.secret);
  }

  #sweep(): void {
    const now = this.#now();
    for (const [secret, job] of this.#jobs) {
      if (!job.used && job.running === 0 && now > job.expires) this.#jobs.delete(secret);
    }
  }
}
