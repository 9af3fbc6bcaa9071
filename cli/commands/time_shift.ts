/**
 * `ferry time-shift URL`: measure a server's time shift (LIST time minus
 * UTC) with a probe file, as ftputil's `synchronize_times` does, and print it
 * in the form a workflow's `timeShift:` takes, and whether the server's MLSD
 * times are local time too (against RFC 3659).
 * @module
 */
import type { Command } from "../../deps/commander.ts";
import { FtpEndpoint } from "../../endpoint/ftp/endpoint.ts";
import { UsageError } from "../../workflow/errors.ts";
import { runAction } from "../action.ts";
import type { CliContext } from "../context.ts";
import { openCliEndpoint } from "../endpoint.ts";
import { withAuthOptions, withConnectionOptions, withGlobalOptions } from "../options.ts";

/**
 * Seconds as `+HH:MM`.
 *
 * @example
 * ```ts
 * formatShift(19800); // "+05:30"
 * formatShift(-3600); // "-01:00"
 * ```
 */
export function formatShift(seconds: number): string {
  const sign = seconds < 0 ? "-" : "+";
  const abs = Math.abs(Math.round(seconds / 60));
  return `${sign}${String(Math.floor(abs / 60)).padStart(2, "0")}:${
    String(abs % 60).padStart(2, "0")
  }`;
}

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
            JSON.stringify({ url, timeShift: seconds, hhmm: formatShift(seconds), mlsdLocalTime }),
          );
        } else {
          const local = mlsdLocalTime ? ", and options: { mlsdLocalTime: true }" : "";
          cli.out(
            `${formatShift(seconds)}  (${seconds} s; use timeShift: "${
              formatShift(seconds)
            }"${local})`,
          );
        }
      } finally {
        await ep.close();
      }
    })
  );
}
