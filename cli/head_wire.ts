/**
 * The FTP side of a head start (cli/head_start.ts), imported once its TCP
 * connect is under way: the welcome's parser, the pipelined login's lines,
 * the offer to the endpoint's session factory. Kept out of head_start.ts so
 * that a command with no `ftp://` URL (a local mirror, `--help`) loads no
 * module of ftp/, while an FTP run's connect leaves as early as before: the
 * server's welcome takes longer than this import.
 * @module
 */
import { FtpTimeoutError } from "../ftp/errors.ts";
import { type Reply, ReplyParser } from "../ftp/reply.ts";
import { deadline as after } from "../util/timers.ts";

export { offerAhead } from "../ftp/head_sessions.ts";
export { pipelinedLoginLines, welcomePipelinesLogin } from "../ftp/login_lines.ts";
export { formatHostPort } from "../ftp/host_port.ts";
export { FtpTimeoutError };

/**
 * The 220 welcome; undefined (the connection closed) for anything else, or
 * when more came with it than the welcome. Rejects, the connection closed,
 * when no reply comes within `timeoutMs`, as the client would.
 *
 * @example
 * ```ts
 * const welcome = await readWelcome(conn, "127.0.0.1:2121", 30_000);
 * ```
 */
export async function readWelcome(
  conn: Deno.TcpConn,
  peer: string,
  timeoutMs: number,
): Promise<Reply | undefined> {
  const parser = new ReplyParser();
  const decoder = new TextDecoder("utf-8");
  const buffer = new Uint8Array(4096);
  let timedOut = false;
  // A deadline (util/timers.ts, not node:timers): the read keeps the process alive while it waits.
  const cancel = after(timeoutMs, () => {
    timedOut = true;
    conn.close(); // ends the read below
  });
  let welcome: Reply | undefined;
  try {
    while (true) {
      const n = await conn.read(buffer).catch(() => null);
      if (timedOut) throw new FtpTimeoutError(`no reply from ${peer} within ${timeoutMs} ms`);
      if (n === null) break;
      const replies = parser.push(decoder.decode(buffer.subarray(0, n), { stream: true }));
      if (replies.length === 0) continue;
      const only = replies.length === 1 && !parser.partial;
      if (only && replies[0].code === 220) welcome = replies[0];
      break;
    }
  } catch (error) {
    if (error instanceof FtpTimeoutError) throw error;
    // A line the parser refuses: the usual path says so.
  } finally {
    cancel();
  }
  if (!welcome) {
    try {
      conn.close();
    } catch {
      // closed already
    }
  }
  return welcome;
}
