/**
 * An exclusive OS lock on a small file (flock through `FsFile.tryLockSync`):
 * freed by the kernel when the process dies, so a killed run leaves no stale
 * lock behind. The file keeps who holds it (`pid N on HOST since ISO`) for the
 * message of whoever finds it taken; it stays on disk, unlocked, afterwards.
 * @module
 */
import { dirname } from "./paths.ts";

/** A lock this process holds until `release()`. */
export interface HeldLock {
  /** Lets the lock go. */
  release(): void;
}

/**
 * Takes the lock on `file` (created, with its directory, if missing), or
 * tells who holds it.
 *
 * @example
 * ```ts
 * const got = tryLockFile(".ferry/nightly.pull.lock");
 * if ("holder" in got) throw new Error(`running elsewhere: ${got.holder}`);
 * try { /* work *\/ } finally { got.release(); }
 * ```
 */
export function tryLockFile(file: string): HeldLock | { holder: string } {
  Deno.mkdirSync(dirname(file), { recursive: true });
  const handle = Deno.openSync(file, { read: true, write: true, create: true });
  let locked = false;
  try {
    locked = handle.tryLockSync(true);
  } finally {
    if (!locked) handle.close();
  }
  if (!locked) {
    let holder = "";
    try {
      holder = Deno.readTextFileSync(file).trim();
    } catch {
      // unreadable: said below
    }
    return { holder: holder || "its holder did not say who it is" };
  }
  let host = "this host";
  try {
    host = Deno.hostname();
  } catch {
    // no hostname permission: "this host"
  }
  handle.truncateSync(0);
  handle.writeSync(
    new TextEncoder().encode(`pid ${Deno.pid} on ${host} since ${new Date().toISOString()}\n`),
  );
  return {
    release() {
      try {
        handle.unlockSync();
      } finally {
        handle.close();
      }
    },
  };
}
