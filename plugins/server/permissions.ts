/**
 * pyftpdlib's permission letters and per-directory overrides.
 *
 * Read:  `e` change directory (CWD, CDUP), `l` list (LIST, NLST, STAT, MLSD,
 * MLST, SIZE, MDTM), `r` retrieve (RETR, HASH).
 * Write: `a` append (APPE), `d` delete (DELE, RMD), `f` rename (RNFR, RNTO),
 * `m` make directory (MKD), `w` store (STOR, STOU), `M` SITE CHMOD, `T` MFMT.
 * @module
 */
import { FtpServerError } from "./errors.ts";
import { isInside, parentOf } from "./paths.ts";

/** The read letters. */
export const READ_PERMS = "elr";
/** The write letters. */
export const WRITE_PERMS = "adfmwMT";
/** Every letter. */
export const ALL_PERMS: string = READ_PERMS + WRITE_PERMS;

/** A permission override for one virtual directory of one user. */
export interface PermissionOverride {
  /** Virtual absolute directory (as the user sees it, e.g. `/incoming`). */
  directory: string;
  /** The letters that apply there instead of the user's `perm`. */
  perm: string;
  /** Applies to the whole subtree; otherwise to the directory and the files directly in it. */
  recursive: boolean;
}

/**
 * Throws `FtpServerError` unless `perm` only holds known letters.
 *
 * @example
 * ```ts
 * checkPerm("elrw"); // ok
 * checkPerm("x");    // throws
 * ```
 */
export function checkPerm(perm: string): void {
  for (const c of perm) {
    if (!ALL_PERMS.includes(c)) {
      throw new FtpServerError(
        `unknown permission letter ${JSON.stringify(c)} (use ${ALL_PERMS})`,
        {
          code: "ESERVERCONFIG",
        },
      );
    }
  }
}

/**
 * Whether `perm` is granted on virtual `path`, pyftpdlib's `has_perm`: the most
 * specific override that covers the path wins; a non-recursive one covers the
 * directory itself and the non-directories directly inside it.
 *
 * @example
 * ```ts
 * const o = [{ directory: "/in", perm: "elrw", recursive: false }];
 * hasPerm("elr", o, "w", "/in/a.txt");   // true
 * hasPerm("elr", o, "w", "/in/sub/a");   // false
 * ```
 */
export function hasPerm(
  basePerm: string,
  overrides: readonly PermissionOverride[] | undefined,
  perm: string,
  path?: string,
  isDir = false,
): boolean {
  if (path !== undefined && overrides?.length) {
    const sorted = [...overrides].sort((a, b) => b.directory.length - a.directory.length);
    for (const o of sorted) {
      if (!isInside(path, o.directory)) continue;
      if (o.recursive) return o.perm.includes(perm);
      if (path === o.directory || (parentOf(path) === o.directory && !isDir)) {
        return o.perm.includes(perm);
      }
    }
  }
  return basePerm.includes(perm);
}
