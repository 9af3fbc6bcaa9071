/**
 * Kinds of directory entries: the one vocabulary of the listing parsers (ftp/)
 * and every endpoint's `Stat`. It lives at the bottom, as `Precision` does, so
 * the local and memory endpoints need nothing of ftp/.
 * @module
 */

/** Kinds of directory entries; `cdir`/`pdir` are MLSD's `.` and `..`, which endpoints drop. */
export type EntryType = "file" | "dir" | "symlink" | "cdir" | "pdir" | "other";
