/**
 * What a transfer trusts: the other side's own word, asked fresh (never a
 * cache, never our count of bytes sent). A resume continues at the size the
 * target reports for the partial; a finished transfer is checked by the size
 * the target reports (and, with `checksum`, by a hash both sides compute)
 * before the partial is renamed onto the real name.
 * @module
 */
import type { Endpoint } from "../endpoint/types.ts";
import { NotFoundError } from "../endpoint/errors.ts";
import { FerryError } from "../util/errors.ts";
import { logger } from "../util/log.ts";
import { commonHash, hashSource } from "./compare.ts";
import { isTemporary } from "./retry.ts";
import { errorMessage } from "../util/errors.ts";

const log = logger("sync", "transfer");

/** How much of a finished transfer is checked: the size (always), or the size and a hash. */
export type VerifyMode = "size" | "checksum";

/**
 * The target does not hold what was sent: a size (or hash) the target
 * reports differs from the source's. `temporary` on the first occurrence, so
 * the transfer is retried from zero; the second one fails the file.
 */
export class TransferVerificationError extends FerryError {
  /** The path on the target that was checked (the partial). */
  readonly path: string;
  /** What the source has (bytes, or a hex hash). */
  readonly expected: number | string;
  /** What the target reported. */
  readonly actual: number | string;
  /** Whether a retry may help (the first mismatch); false once it repeated. */
  readonly temporary: boolean;
  /** Makes the error for `path` with the expected and actual size or hash. */
  constructor(
    path: string,
    what: "size" | string,
    expected: number | string,
    actual: number | string,
    temporary: boolean,
  ) {
    const message = what === "size"
      ? `${path}: the target reports ${actual} bytes, the source has ${expected}`
      : `${path}: the target's ${what} is ${actual}, the source's ${expected}`;
    super(message, { code: "EVERIFY" });
    this.path = path;
    this.expected = expected;
    this.actual = actual;
    this.temporary = temporary;
  }
}

/**
 * Where a resume may start: the size the target reports now for `partial`
 * (less `overlap`, the bytes a cut may have left wrong), or 0 (said in the log) when it is missing, longer than the source, or the
 * target cannot tell. Temporary failures are thrown (the attempt is retried).
 *
 * @example
 * ```ts
 * const offset = await verifiedOffset(dst, "up/.a.bin.ferry.part", 1 << 28);
 * ```
 */
export async function verifiedOffset(
  dst: Endpoint,
  partial: string,
  size: number,
  overlap = 0,
): Promise<number> {
  let have: number;
  try {
    const st = await dst.lstat(partial, { fresh: true });
    if (st.type !== "file") return restartFromZero(partial, `it is a ${st.type}`);
    have = st.size;
  } catch (error) {
    if (error instanceof NotFoundError) return 0;
    if (isTemporary(error) || (error as Error)?.name === "AbortError") throw error;
    return restartFromZero(partial, `its size cannot be learnt (${errorMessage(error)})`);
  }
  if (have > size) return restartFromZero(partial, `it has ${have} bytes, the source ${size}`);
  // The last `overlap` bytes may be torn (capabilities().resumeOverlap): they are sent again.
  return Math.max(0, have - overlap);
}

function restartFromZero(partial: string, why: string): number {
  log.info("not resuming {partial}: {why}; starting from zero", { partial, why });
  return 0;
}

/** Options of {@link verifyArrived}. */
export interface VerifyOptions {
  /** The source's size. */
  size: number;
  /** What to compare after the transfer: size (default), a hash, or nothing. */
  mode?: VerifyMode;
  /** Whether this is the second mismatch in a row (the error is then final). */
  final: boolean;
  /** Aborts reading a hash back. */
  signal?: AbortSignal;
}

/**
 * Checks that `partial` on `dst` holds the source: its fresh size equals
 * `size`; in `checksum` mode, when both endpoints can hash with a common
 * algorithm, the hashes are equal too. Throws {@link TransferVerificationError}.
 *
 * @example
 * ```ts
 * await verifyArrived(src, "a.bin", dst, "up/.a.bin.ferry.part", { size: 3, final: false });
 * ```
 */
export async function verifyArrived(
  src: Endpoint,
  srcPath: string,
  dst: Endpoint,
  partial: string,
  options: VerifyOptions,
): Promise<void> {
  const st = await dst.lstat(partial, { fresh: true });
  if (st.size !== options.size) {
    throw new TransferVerificationError(partial, "size", options.size, st.size, !options.final);
  }
  if (options.mode !== "checksum") return;
  const algorithm = commonHash(src.capabilities(), dst.capabilities());
  const hs = hashSource(src);
  const hd = hashSource(dst);
  if (!algorithm || !hs || !hd) {
    log.debug("no common hash for {partial}: checked by size", { partial });
    return;
  }
  const [a, b] = await Promise.all([
    hs.hash(srcPath, algorithm, options.signal),
    hd.hash(partial, algorithm, options.signal),
  ]);
  if (a.toLowerCase() !== b.toLowerCase()) {
    throw new TransferVerificationError(partial, algorithm, a, b, !options.final);
  }
}
