/**
 * The errors of copying a file that decide what a retry does (resume, or
 * leave the file for the next run), shared by the one-stream and the
 * segmented transfer.
 * @module
 */
import { SizeMismatchError } from "../endpoint/errors.ts";
import { errorMessage, FerryError } from "../util/errors.ts";
import { isTemporary } from "./retry.ts";

/** A transfer failed in a way worth retrying (short data, a partial to redo). */
export class TransferInterruptedError extends FerryError {
  /** Always true: sync/retry's `isTemporary` retries it. */
  readonly temporary = true;
  /** Makes the error; `cause` is the underlying failure. */
  constructor(message: string, options: { cause?: unknown } = {}) {
    super(message, { code: "EINTERRUPTED", cause: options.cause });
  }
}

/** The source file changed size while it was copied; it is tried again next run. */
export class SourceChangedError extends FerryError {
  /** Makes the error for `path`; `cause` says what changed. */
  constructor(path: string, cause: unknown) {
    super(`${path} changed while being copied`, { code: "ECHANGED", cause });
  }
}

/**
 * A short write (the stream ended early) is worth resuming; other errors keep their class.
 *
 * @example
 * ```ts
 * throw classify(error, ".a.bin.ferry.part", bytesMoved > 0);
 * ```
 */
export function classify(error: unknown, partial: string, progressed: boolean): unknown {
  if (error instanceof SizeMismatchError && error.actual < error.expected) {
    return new TransferInterruptedError(`${partial}: ${error.message}`, { cause: error });
  }
  // Bytes moved, then the transfer broke: a cut, whatever the server called it (the UFTPD
  // answers a reset data connection with 500). Retried from the confirmed size, as lftp does.
  if (progressed && !isTemporary(error)) {
    return new TransferInterruptedError(`${partial}: ${errorMessage(error)}`, { cause: error });
  }
  return error;
}
