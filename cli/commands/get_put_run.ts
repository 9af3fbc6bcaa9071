/**
 * `ferry get URL [LOCAL]` and `ferry put LOCAL URL`: one file, streamed; FTP
 * over the wire client (get_ftp.ts, put_ftp.ts), every other scheme the
 * registry knows through the endpoint contract (get_put_endpoint.ts); written
 * atomically (temp name + rename: get_local.ts on the local side), resumable
 * with `--continue`, checked by size before the rename (a short copy fails).
 * Like lftp, the copy keeps the source's modification time. `-` is standard
 * output or input (get_put_stdio.ts). The command-line wiring is in
 * get_put.ts (commander) and cli/quick.ts (by hand).
 * @module
 */
import type { CliContext } from "../context.ts";
import { isFtpUrl } from "../endpoint.ts";
import { getOverFtp } from "./get_ftp.ts";
import { getFromEndpoint, putToEndpoint } from "./get_put_endpoint.ts";
import { refuseResumeToStdout } from "./get_put_stdio.ts";
import { putOverFtp } from "./put_ftp.ts";

/**
 * `ferry get URL [LOCAL]` with its parsed options (run inside `runAction`).
 *
 * @example
 * ```ts
 * await runAction(cli, {}, opts, () => runGet(cli, "ftp://h/a.bin", undefined, opts));
 * ```
 */
export async function runGet(
  cli: CliContext,
  url: string,
  local: string | undefined,
  opts: Record<string, unknown>,
): Promise<void> {
  refuseResumeToStdout(local, opts);
  if (!isFtpUrl(url)) return await getFromEndpoint(cli, url, local, opts);
  return await getOverFtp(cli, url, local, opts);
}

/**
 * `ferry put LOCAL URL` with its parsed options (run inside `runAction`).
 *
 * @example
 * ```ts
 * await runAction(cli, {}, opts, () => runPut(cli, "a.bin", "ftp://h/in/", opts));
 * ```
 */
export async function runPut(
  cli: CliContext,
  local: string,
  url: string,
  opts: Record<string, unknown>,
): Promise<void> {
  if (!isFtpUrl(url)) return await putToEndpoint(cli, local, url, opts);
  return await putOverFtp(cli, local, url, opts);
}
