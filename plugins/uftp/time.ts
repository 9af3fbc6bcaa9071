/**
 * UFTPD lists MLSD/MLST `modify` in its own local time. Its `STAT` lines carry
 * the same entry's time as epoch milliseconds, so the shift is measured
 * exactly and read-only: MLST and STAT of the session's base directory.
 * @module
 */
import { type FtpClient, parseMlstReply, parseTimeShift, type Reply } from "../../host.ts";
import { UftpProtocolError } from "./errors.ts";

/**
 * The epoch-ms time of the first entry of a `STAT` reply
 * (` drwx <size> <ms> <name>` lines).
 *
 * @example
 * ```ts
 * statReplyTime(["211- Sending file list", " drwx 0 1700000000000 .", "211 End of file list"]); // 1700000000000
 * ```
 */
export function statReplyTime(lines: string[]): number | undefined {
  for (const line of lines.slice(1)) {
    const m = /^\s*[d-][r-][w-][x-]\s+\d+\s+(\d+)\s/.exec(line);
    if (m) return Number(m[1]);
  }
  return undefined;
}

/** The commands of the time-shift probe, in order: STAT's UTC time and MLST's local one. */
export const TIME_PROBE: readonly string[] = ["STAT F .", "MLST ."];

/** Probe replies a session's login already had (openUftpSession), by session. */
const probed = new WeakMap<FtpClient, Reply[]>();

/**
 * Keeps the replies to {@link TIME_PROBE} that `client`'s login asked in its
 * FEAT's write, for {@link measureUftpTimeShift} (no round trip of its own).
 *
 * @example
 * ```ts
 * rememberTimeProbe(session, [statReply, mlstReply]);
 * ```
 */
export function rememberTimeProbe(client: FtpClient, replies: Reply[]): void {
  if (replies.length === TIME_PROBE.length) probed.set(client, replies);
}

/**
 * Seconds the server's listing times are ahead of UTC, rounded to 15
 * minutes: MLST of the base directory (local time, read as if UTC) against
 * its STAT time (UTC). Both commands go out in one write (one round trip),
 * or went with the login's FEAT ({@link rememberTimeProbe}: none);
 * the session's `nudgeAcks` answers the first reply so that the second is
 * not held by the UFTPD's Nagle until the client's delayed ACK (~40 ms).
 *
 * @example
 * ```ts
 * const shift = await measureUftpTimeShift(session); // 19800 for a server in +05:30
 * ```
 */
export async function measureUftpTimeShift(client: FtpClient): Promise<number> {
  const known = probed.get(client);
  probed.delete(client);
  const [stat, mlst] = known ?? await client.exclusive(async (ctl) => {
    ctl.send(TIME_PROBE[0]);
    ctl.send(TIME_PROBE[1]);
    return [await ctl.read(), await ctl.read()];
  });
  const utc = stat.code < 300 ? statReplyTime(stat.lines) : undefined;
  const listed = mlst.code < 300 ? parseMlstReply(mlst.lines.join("\n")).mtime : undefined;
  if (utc === undefined || listed === undefined) {
    throw new UftpProtocolError(
      `the UFTPD's STAT or MLST shows no time (${brief(stat)}; ${
        brief(mlst)
      }); set timeShift yourself`,
    );
  }
  const seconds = (listed.getTime() - Math.floor(utc / 1000) * 1000) / 1000;
  const rounded = Math.round(seconds / 900) * 900;
  return parseTimeShift(rounded) as number;
}

function brief(reply: Reply): string {
  return `${reply.code} ${reply.lines[0].replace(/^\d{3}[- ]?/, "").trim()}`;
}
