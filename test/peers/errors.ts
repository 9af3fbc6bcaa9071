/**
 * Typed errors of the test peers, so a failing integration test says which peer
 * failed and why (with the peer's own output attached) instead of timing out.
 * @module
 */
import { FerryError } from "../../util/errors.ts";

/**
 * A real peer (vsftpd, pyftpdlib, ...) could not be started or became unusable.
 * `log` holds what the peer printed, which is usually the actual reason.
 *
 * @example
 * ```ts
 * throw new PeerError("vsftpd exited before it was ready", { peer: "vsftpd", log: "500 OOPS: ..." });
 * ```
 */
export class PeerError extends FerryError {
  /** Which peer failed. */
  readonly peer: string;
  /** The peer's captured stdout/stderr at the time of failure. */
  readonly log: string;
  constructor(
    message: string,
    options: { peer: string; log?: string; code?: string; cause?: unknown },
  ) {
    const log = options.log ?? "";
    super(log.trim() ? `${message}\n--- ${options.peer} output ---\n${log.trim()}` : message, {
      code: options.code ?? "EPEERSTART",
      cause: options.cause,
    });
    this.peer = options.peer;
    this.log = log;
  }
}
