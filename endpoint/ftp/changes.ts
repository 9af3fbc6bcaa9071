/**
 * What an `FtpHost` changes on the server: directories (MKD, with the
 * missing parents; RMD), files (DELE), names (RNFR/RNTO, with the time set
 * in the same write), modes (SITE CHMOD) and times (MFMT, or vsftpd's
 * `MDTM time path` in the zone it lists in). Each change forgets what it
 * touched in the stat cache, also when it failed: the server may have acted
 * and failed to say so (ftputil #150). Paths are absolute server paths.
 * @module
 */
import { logger } from "../../util/log.ts";
import { CommandNotImplementedError, FtpPermanentError } from "../../ftp/errors.ts";
import { formatFtpTime } from "../../ftp/reply.ts";
import type { Stat } from "../types.ts";
import { mtimeNotSet } from "../mtime_warning.ts";
import { AlreadyExistsError, NotFoundError } from "../errors.ts";
import type { SessionPool } from "./pool.ts";
import type { StatCache } from "./stat_cache.ts";
import type { FtpHostOptions } from "./host_options.ts";

const log = logger("endpoint", "ftp", "host");

/** How a server's file times are set (see {@link ServerChanges.mtimeMethod}). */
export type MtimeMethod = "mfmt" | "mdtm" | "none";

/** What {@link ServerChanges} works with of its host. */
export interface ChangesDeps {
  pool: SessionPool;
  statCache: StatCache;
  options: Pick<FtpHostOptions, "setMtime">;
  /** The server's welcome text (vsftpd sets times with MDTM). */
  welcome: string;
  /** The server's FEAT. */
  features(): Promise<Map<string, string>>;
  /** A stat following links (`makedirs` looks before each MKD). */
  stat(path: string): Promise<Stat>;
}

/**
 * The changing commands of one host (its public methods are `FtpHost`'s:
 * see there for each).
 *
 * @example
 * ```ts
 * const changes = new ServerChanges({ pool, statCache, options, welcome, features, stat });
 * await changes.makedirs("/pub/a/b", { existOk: true });
 * ```
 */
export class ServerChanges {
  readonly #deps: ChangesDeps;
  #mtimeMethod?: Promise<MtimeMethod>;

  /** Changes on `deps.pool`'s sessions, forgetting in `deps.statCache`. */
  constructor(deps: ChangesDeps) {
    this.#deps = deps;
  }

  /**
   * MKD.
   *
   * @example
   * ```ts
   * await changes.mkdir("/pub/new");
   * ```
   */
  async mkdir(target: string): Promise<void> {
    await this.#changing([target], () => this.#deps.pool.withCommand((c) => c.mkd(target)));
  }

  /**
   * MKD of `target` and its missing parents (`FtpHost.makedirs`).
   *
   * @example
   * ```ts
   * await changes.makedirs("/pub/a/b/c", { existOk: true });
   * ```
   */
  async makedirs(target: string, options: { existOk?: boolean } = {}): Promise<void> {
    const parts = target.split("/").filter(Boolean);
    let current = "";
    for (let i = 0; i < parts.length; i++) {
      current += "/" + parts[i];
      const last = i === parts.length - 1;
      // A directory above the login one may exist without being listable: try MKD.
      const stat = await this.#deps.stat(current).catch((error) => {
        if (error instanceof NotFoundError) return undefined;
        if (!last && error instanceof FtpPermanentError) return undefined;
        throw error;
      });
      if (stat) {
        if (stat.type !== "dir") throw new AlreadyExistsError(current);
        if (last && !options.existOk) throw new AlreadyExistsError(current);
        continue;
      }
      try {
        await this.mkdir(current);
      } catch (error) {
        // Some servers (and chroots) refuse MKD on directories above the login one
        // that exist but cannot be listed: only the final MKD must succeed.
        if (last || !(error instanceof FtpPermanentError)) throw error;
        log.debug("MKD {path} refused ({error}); going on", {
          path: current,
          error: String(error),
        });
      }
    }
  }

  /**
   * RMD; the cache forgets everything below.
   *
   * @example
   * ```ts
   * await changes.rmdir("/pub/empty");
   * ```
   */
  async rmdir(target: string): Promise<void> {
    await this.#changing(
      [target],
      () => this.#deps.pool.withCommand((c) => c.rmd(target)),
      { recursive: true },
    );
  }

  /**
   * DELE.
   *
   * @example
   * ```ts
   * await changes.remove("/pub/old.txt");
   * ```
   */
  async remove(target: string): Promise<void> {
    await this.#changing([target], () => this.#deps.pool.withCommand((c) => c.delete(target)));
  }

  /**
   * RNFR/RNTO; the cache forgets both names and everything below them.
   *
   * @example
   * ```ts
   * await changes.rename("/pub/a.part", "/pub/a");
   * ```
   */
  async rename(from: string, to: string): Promise<void> {
    await this.#changing(
      [from, to],
      () => this.#deps.pool.withCommand((c) => c.rename(from, to)),
      { recursive: true },
    );
  }

  /**
   * The time set on `from` in the rename's own write (`FtpHost.renameWithMtime`);
   * whether the time was set.
   *
   * @example
   * ```ts
   * await changes.renameWithMtime("/up/.a.ferry.part", "/up/a", new Date());
   * ```
   */
  async renameWithMtime(from: string, to: string, mtime: Date): Promise<boolean> {
    const method = await this.mtimeMethod();
    if (method === "none") {
      await this.rename(from, to);
      return false;
    }
    const reply = await this.#changing(
      [from, to],
      () =>
        this.#deps.pool.withCommand((c) =>
          c.renameAfter(this.#setMtimeCommand(method, from, mtime), from, to)
        ),
      { recursive: true },
    );
    if (reply.code >= 200 && reply.code < 300) return true;
    log.debug("setting the time of {from} before its rename refused ({reply}); setting {to}'s", {
      from,
      to,
      reply: reply.text,
    });
    try {
      await this.setMtime(to, mtime);
      return true;
    } catch (error) {
      // As a transfer's own setMtime: the bytes are in place, the time is not fatal.
      return mtimeNotSet(log, to, error);
    }
  }

  /**
   * SITE CHMOD.
   *
   * @example
   * ```ts
   * await changes.chmod("/pub/run.sh", 0o755);
   * ```
   */
  async chmod(target: string, mode: number): Promise<void> {
    await this.#changing(
      [target],
      () => this.#deps.pool.withCommand((c) => c.chmod(target, mode)),
    );
  }

  /**
   * MFMT, or vsftpd's MDTM in its zone; `CommandNotImplementedError` with neither.
   *
   * @example
   * ```ts
   * await changes.setMtime("/pub/a", new Date("2024-01-01T00:00:00Z"));
   * ```
   */
  async setMtime(target: string, mtime: Date): Promise<void> {
    const method = await this.mtimeMethod();
    if (method === "none") {
      throw new CommandNotImplementedError("the server offers no way to set modification times");
    }
    await this.#changing([target], () =>
      this.#deps.pool.withCommand(async (c) => {
        if (method === "mfmt") return void await c.mfmt(target, mtime);
        await c.voidcmd(this.#setMtimeCommand(method, target, mtime));
      }));
  }

  /**
   * How {@link setMtime} sets times on this server: the option, else MFMT
   * when FEAT offers it, else MDTM when the welcome names vsftpd.
   *
   * @example
   * ```ts
   * await changes.mtimeMethod(); // "mfmt"
   * ```
   */
  mtimeMethod(): Promise<MtimeMethod> {
    const method = this.#mtimeMethod ??= (async () => {
      const wanted = this.#deps.options.setMtime ?? "auto";
      if (wanted !== "auto") return wanted;
      if ((await this.#deps.features()).has("MFMT")) return "mfmt";
      return /vsftpd/i.test(this.#deps.welcome) ? "mdtm" : "none";
    })();
    // A FEAT lost with its session is asked again next time, not remembered as failed.
    method.catch(() => {
      if (this.#mtimeMethod === method) this.#mtimeMethod = undefined;
    });
    return method;
  }

  /** The command that sets `path`'s mtime the way this server can. */
  #setMtimeCommand(method: "mfmt" | "mdtm", path: string, mtime: Date): string {
    if (method === "mfmt") return `MFMT ${formatFtpTime(mtime)} ${path}`;
    // vsftpd reads the time in the zone it lists in: add the shift.
    const local = new Date(mtime.getTime() + this.#deps.pool.timeShift * 1000);
    return `MDTM ${formatFtpTime(local)} ${path}`;
  }

  /** Runs a changing command and forgets what it touched, also when it failed. */
  async #changing<T>(
    paths: string[],
    run: () => Promise<T>,
    options: { recursive?: boolean } = {},
  ): Promise<T> {
    try {
      return await run();
    } finally {
      for (const path of paths) this.#deps.statCache.invalidate(path, options);
    }
  }
}
