/**
 * Far or near: the main session's first timed round trip (PWD) tells a far
 * server from a near one (`FtpClient.fastestReplyMs`), which decides walks
 * over more sessions, all sessions opened at once, segments
 * (`FAR_REPLY_MS`, pool.ts). A first reply that says far is checked again
 * when it may only have been this process being busy.
 * @module
 */
import type { FtpClient } from "../../ftp/client.ts";
import { FtpError } from "../../ftp/errors.ts";
import { FAR_REPLY_MS, isSessionLost } from "./pool.ts";

/**
 * Below this (ms), a first timed reply that says far (`FAR_REPLY_MS`) is
 * checked once more (see {@link confirmFar}).
 */
export const RECHECK_FAR_BELOW_MS = 30;

/**
 * A reply read while this process is busy looks far: with the login made
 * ahead (cli/head_start.ts) PWD goes out while the job's other modules load,
 * and 9-17 ms came back from loopback in 4 of 5 runs at load ~6, so a
 * no-change mirror opened 7 sessions it did not need (7 password checks on
 * the server). A first reply of `FAR_REPLY_MS` to `RECHECK_FAR_BELOW_MS` is
 * checked with up to two NOOPs, whose times count too (the quickest wins):
 * two round trips of that length at most, only then. (One NOOP still said
 * far in 1 of 6 runs at load ~6: 27 ms, then 12.)
 *
 * @example
 * ```ts
 * await confirmFar(await pool.main());
 * ```
 */
export async function confirmFar(main: FtpClient): Promise<void> {
  if (main.fastestReplyMs >= RECHECK_FAR_BELOW_MS) return;
  for (let n = 0; n < 2 && main.fastestReplyMs >= FAR_REPLY_MS; n++) {
    try {
      await main.noop();
    } catch (error) {
      // A refused NOOP is an answer all the same: its time counts.
      if (!(error instanceof FtpError) || isSessionLost(error)) throw error;
    }
  }
}
