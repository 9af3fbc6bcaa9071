/**
 * The FTP host's error hierarchy in one place (ftputil's `error.py`), mostly
 * re-exported from the layers that raise them:
 *
 * - `FtpError` (base; `ftpCode`, `reply`, `command`)
 *   - `FtpTemporaryError` (4xx), `FtpPermanentError` (5xx)
 *     - `CommandNotImplementedError` (500/502/504)
 *   - `FtpTimeoutError`, `FtpConnectionError`, `FtpProtocolError`, `FtpReplyError`
 * - `ListingParseError` (ftputil's `ParserError`)
 * - `TimeShiftError`
 * - `InaccessibleLoginDirError`
 * - from the endpoint contract: `NotFoundError`, `NotADirectoryError`,
 *   `AlreadyExistsError`, `SymlinkLoopError` (ftputil's `RecursiveLinksError`), ...
 * @module
 */
import { FerryError } from "../../util/errors.ts";

export {
  CommandNotImplementedError,
  FtpConnectionError,
  FtpError,
  FtpPermanentError,
  FtpProtocolError,
  FtpReplyError,
  FtpTemporaryError,
  FtpTimeoutError,
} from "../../ftp/errors.ts";
export { ListingParseError } from "../../ftp/listing/errors.ts";
export { TimeShiftError } from "./time_shift.ts";

/** The login directory cannot be determined (PWD failed or gave no absolute path). */
export class InaccessibleLoginDirError extends FerryError {
  /** Wraps why PWD failed (its error or reply) as `cause`. */
  constructor(cause: unknown) {
    super(`cannot determine the login directory: ${String(cause)}`, {
      code: "EFTPLOGINDIR",
      cause,
    });
  }
}
