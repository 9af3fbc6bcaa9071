/**
 * A stat straight from the server, for the moments a cached size must not be
 * believed: a transfer's resume offset, and its check of what arrived. One
 * round trip where the server allows it: `SIZE` (a file's exact size), else
 * `MLST` when SIZE is refused or broken (the real UFTPD answers every SIZE
 * with 500), else a new listing of the parent. A server whose SIZE answers
 * 500/502/504 is not asked again, nor one whose FEAT lists MLST without SIZE.
 * @module
 */
import { CommandNotImplementedError, FtpPermanentError } from "../../ftp/errors.ts";
import { logger } from "../../util/log.ts";
import { Precision, type Stat } from "../types.ts";
import type { SessionPool } from "./pool.ts";
import { entryToStat } from "./stat.ts";
import { remoteBasename } from "./remote_path.ts";

const log = logger("endpoint", "ftp");

/** What {@link FreshStat} needs besides the sessions. */
export interface FreshStatDeps {
  /** Whether FEAT offers MLST. */
  hasMlst(): Promise<boolean>;
  /**
   * Whether SIZE is worth asking: false when FEAT lists MLST but not SIZE
   * (an RFC 3659 server lists the SIZE it has; the real UFTPD, which answers
   * every SIZE with 500 and logs a traceback, lists none). Default: asked.
   */
  sizeListed?(): Promise<boolean>;
  /** The stat from a listing of the parent made now (the cache entry dropped first). */
  listedStat(path: string): Promise<Stat>;
}

/**
 * Fresh stats of absolute server paths.
 *
 * @example
 * ```ts
 * const fresh = new FreshStat(pool, { hasMlst: async () => true, listedStat: (p) => reader.lstat(p) });
 * (await fresh.lstat("/up/.a.bin.ferry.part")).size;
 * ```
 */
export class FreshStat {
  readonly #pool: SessionPool;
  readonly #deps: FreshStatDeps;
  #sizeWorks = true;
  #mlstWorks = true;

  constructor(pool: SessionPool, deps: FreshStatDeps) {
    this.#pool = pool;
    this.#deps = deps;
  }

  /**
   * The entry's stat without following a final symlink as far as the server
   * tells (SIZE follows links; a file is what a transfer asks about).
   */
  async lstat(path: string): Promise<Stat> {
    const name = remoteBasename(path);
    if (this.#sizeWorks && await this.#deps.sizeListed?.() === false) this.#sizeWorks = false;
    if (this.#sizeWorks) {
      try {
        const size = await this.#pool.withCommand((c) => c.size(path), { retry: true });
        return { name, type: "file", size, precision: Precision.unknown };
      } catch (error) {
        if (!(error instanceof FtpPermanentError)) throw error;
        if (error instanceof CommandNotImplementedError) {
          this.#sizeWorks = false;
          log.info(
            "SIZE does not work on this server ({error}); sizes come from MLST or listings",
            {
              error: error.message,
            },
          );
        }
        // Else 550: missing, a directory, or not allowed; MLST or the listing tells which.
      }
    }
    if (this.#mlstWorks && await this.#deps.hasMlst()) {
      try {
        const entry = await this.#pool.withCommand((c) => c.mlst(path), { retry: true });
        const stat = entryToStat({ ...entry, name });
        if (stat) return stat;
      } catch (error) {
        if (!(error instanceof FtpPermanentError)) throw error;
        if (error instanceof CommandNotImplementedError) this.#mlstWorks = false;
      }
    }
    return await this.#deps.listedStat(path);
  }
}
