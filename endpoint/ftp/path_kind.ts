/**
 * Whether a server path is a directory, something else, or missing, for the
 * checks before a write or a rename (`FtpHost.probe`): the stat cache where
 * it knows, else for a one-file command one MLST of the path (a 550 counts
 * as missing: the write or rename then meets the server's own refusal), else
 * a listing's lstat.
 * @module
 */
import { CommandNotImplementedError, FtpPermanentError } from "../../ftp/errors.ts";
import type { Stat } from "../types.ts";
import { NotFoundError } from "../errors.ts";
import type { SessionPool } from "./pool.ts";
import type { StatCache } from "./stat_cache.ts";
import type { StatReader } from "./stat.ts";

/** What a path is, as far as a write or a rename onto it cares. */
export type PathKind = "dir" | "other" | "missing";

/** What {@link pathKind} looks with. */
export interface PathKindDeps {
  pool: SessionPool;
  statCache: StatCache;
  reader: Pick<StatReader, "fellBackToList" | "features">;
  /** One file is all the command touches: one MLST beats a listing of the parent. */
  oneFile?: boolean;
  /** The lstat of a listing (cached or made now). */
  lstat(path: string): Promise<Stat>;
}

/**
 * The kind of the absolute server path `target`.
 *
 * @example
 * ```ts
 * if (await pathKind(deps, "/up/a.bin") === "dir") throw new Error("a directory");
 * ```
 */
export async function pathKind(deps: PathKindDeps, target: string): Promise<PathKind> {
  const kind = (stat: Stat) => stat.type === "dir" ? "dir" : "other";
  const hit = deps.statCache.lookup(target);
  if (hit === "missing") return "missing";
  if (hit) return kind(hit.stat);
  if (
    deps.oneFile && target !== "/" && !deps.reader.fellBackToList &&
    (await deps.reader.features()).has("MLST")
  ) {
    try {
      const entry = await deps.pool.withCommand((c) => c.mlst(target), { retry: true });
      return entry.type === "dir" || entry.type === "cdir" ? "dir" : "other";
    } catch (error) {
      if (!(error instanceof FtpPermanentError)) throw error;
      // 500/502: no MLST after all, the listing tells; else (550) missing or not visible.
      if (!(error instanceof CommandNotImplementedError)) return "missing";
    }
  }
  return await deps.lstat(target).then(kind, (error) => {
    if (error instanceof NotFoundError) return "missing" as const;
    throw error;
  });
}
