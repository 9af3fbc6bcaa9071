/**
 * The last step of an atomic write: the checked partial renamed onto its real
 * name, replacing it, with the source's mtime given to it where the endpoint
 * can. Small on purpose: `ferry put` loads it with the command, not after the
 * upload (sync/transfer.ts, which re-exports these, cost ~17 ms there).
 * @module
 */
import type { Capabilities, Endpoint } from "../endpoint/types.ts";
import { AlreadyExistsError } from "../endpoint/errors.ts";
import { asideName, moveWithOldAside } from "../endpoint/atomic.ts";
import { mtimeNotSet } from "../endpoint/mtime_warning.ts";
import { logger } from "../util/log.ts";

const log = logger("sync", "transfer");

/**
 * What the last step of a transfer needs of the target: an {@link Endpoint},
 * or anything with these of its methods (`ferry put`'s FTP host, whose own
 * rename skips the contract's look at the target: one RNFR/RNTO, no listing).
 */
export type RenameTarget =
  & Pick<Endpoint, "rename" | "renameWithMtime" | "remove" | "lstat" | "setMtime">
  & { capabilities(): Pick<Capabilities, "setMtime"> };

/**
 * Renames `from` onto `to`, replacing `to`. Backends whose rename cannot
 * replace get the old file moved aside first: a short moment without the
 * file, never a half one, and never the old file lost to a failed rename.
 *
 * @example
 * ```ts
 * await replace(disk, ".a.iso.ferry.part", "a.iso");
 * ```
 */
export async function replace(ep: RenameTarget, from: string, to: string): Promise<void> {
  await ontoExisting(ep, to, () => ep.rename(from, to));
}

/**
 * Runs `move` (a rename onto `to`); a backend that refuses because `to`
 * exists gets the old file moved aside (`asideName`), `move` again, and the
 * old file put back if that still fails, removed once the new one stands.
 * The FTP endpoint does the same for servers that refuse (`moveAsideOnto`
 * in endpoint/ftp/endpoint_write.ts).
 */
function ontoExisting<T>(ep: RenameTarget, to: string, move: () => Promise<T>): Promise<T> {
  // The first try's own promise when it works (a mirror's every file): no async frame
  // around it. A backend may refuse synchronously: that is met the same way.
  let first: Promise<T>;
  try {
    first = move();
  } catch (error) {
    first = Promise.reject(error);
  }
  return first.catch((error) => {
    if (!(error instanceof AlreadyExistsError)) throw error;
    return ontoMovedAside(ep, to, move);
  });
}

/** {@link ontoExisting} once the backend refused because `to` exists. */
async function ontoMovedAside<T>(ep: RenameTarget, to: string, move: () => Promise<T>): Promise<T> {
  const aside = asideName(to);
  await ep.rename(to, aside);
  return await moveWithOldAside(ep, to, aside, move, log);
}

/**
 * {@link replace}, then the mtime set on the target when it can; in one step
 * where the endpoint offers `renameWithMtime` (FTP: the time goes with the
 * rename, a round trip fewer). Returns whether the mtime was set (a failure to
 * set it is logged, not thrown: the bytes are in place).
 *
 * @example
 * ```ts
 * await replaceDated(dst, ".a.iso.ferry.part", "a.iso", new Date("2026-11-30T08:15:00Z"));
 * ```
 */
export async function replaceDated(
  ep: RenameTarget,
  from: string,
  to: string,
  mtime: Date | undefined,
): Promise<boolean> {
  if (!mtime || !ep.capabilities().setMtime || !ep.renameWithMtime) {
    await replace(ep, from, to);
    return await applyMtime(ep, to, mtime);
  }
  return await ontoExisting(ep, to, () => ep.renameWithMtime!(from, to, mtime));
}

/**
 * Sets the mtime when the endpoint can; a failure is logged, not fatal (the data is right).
 *
 * @example
 * ```ts
 * const set = await applyMtime(disk, "a.iso", new Date("2026-01-01"));
 * ```
 */
export async function applyMtime(ep: RenameTarget, path: string, mtime?: Date): Promise<boolean> {
  if (!mtime || !ep.capabilities().setMtime) return false;
  try {
    await ep.setMtime(path, mtime);
    return true;
  } catch (error) {
    return mtimeNotSet(log, path, error);
  }
}
