/**
 * `ferry time-shift URL`: measure a server's time shift (LIST time minus
 * UTC) with a probe file, as ftputil's `synchronize_times` does, and print it
 * in the form a workflow's `timeShift:` takes, and whether the server's MLSD
 * times are local time too (against RFC 3659).
 * @module
 */
import type { Command } from "../../deps/commander.ts";
import { FtpEndpoint } from "../../endpoint/ftp/endpoint.ts";
import { formatTimeShift } from "../../endpoint/ftp/time_shift.ts";
import { UsageError } from "../../workflow/errors.ts";
import { runAction } from "../action.ts";
import type { CliContext } from "../context.ts";
import { openCliEndpoint } from "../endpoint.ts";
import { withAuthOptions, withConnectionOptions, withGlobalOptions } from "../options.ts";

/**
 * Adds `time-shift` to the program.
 *
 * @example
 * ```ts
 * registerTimeShift(program, cli);
 * ```
 */
export function registerTimeShift(program: Command, cli: CliContext): void {
  const cmd = program.command("time-shift")
    .description("measure an FTP server's time shift with a probe file in the URL's directory")
    .argument("<url>", "ftp://, ftpes:// or ftps:// URL of a writable directory");
  withGlobalOptions(withConnectionOptions(withAuthOptions(cmd))).action((url, opts) =>
    runAction(cli, program.opts(), opts, async () => {
      const flags = opts as Record<string, unknown>;
      // Measured against UTC; `--no-mlsd` measures only LIST's shift.
      const ep = await openCliEndpoint(cli, url, { ...flags, timeShift: "0" });
      try {
        if (!(ep instanceof FtpEndpoint)) {
          throw new UsageError(`${url}: time shifts are an FTP matter; this endpoint reports UTC`);
        }
        const seconds = await ep.host.synchronizeTimes({ dir: ep.root });
        // The shift is LIST's; MLSD times are UTC unless this server writes them in local time.
        const mlsdLocalTime = ep.host.mlsdLocalTime();
        if (cli.globals.json) {
          cli.out(
            JSON.stringify({
              url,
              timeShift: seconds,
              hhmm: formatTimeShift(seconds),
              mlsdLocalTime,
            }),
          );
        } else {
          const local = mlsdLocalTime ? ", and options: { mlsdLocalTime: true }" : "";
          cli.out(
            `${formatTimeShift(seconds)}  (${seconds} s; use timeShift: "${
              formatTimeShift(seconds)
            }"${local})`,
          );
        }
      } finally {
        await ep.close();
      }
    })
  );
}
