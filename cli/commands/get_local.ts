/**
 * The local side of `ferry get`: where the file goes (LOCAL, or the remote
 * name inside LOCAL when it is a directory), the partial beside it
 * (`.NAME.ferry.part`, appended to on `--continue`), the copy into it, and
 * the size it must hold before the rename.
 * @module
 */
import { basename, dirname, join, resolve } from "../../util/paths.ts";
import type { CliContext } from "../context.ts";
import { formatBytes } from "../format.ts";
import { UsageError } from "../../workflow/errors.ts";
import { streamToFile } from "../../util/files.ts";
import { TransferVerificationError } from "../../sync/verify.ts";
import { logger } from "../../util/log.ts";
import { unlessInterrupted } from "./get_put_transfer.ts";

const log = logger("cli", "transfer");

/**
 * Where `get` writes: LOCAL, or the remote name inside LOCAL when it is a
 * directory. LOCAL ending in `/` names a directory: one that is not there is
 * an error (as lftp's and cp's), not a file of that name.
 *
 * @example
 * ```ts
 * const target = await localTarget("downloads/", "pub/a.bin"); // ".../downloads/a.bin"
 * ```
 */
export async function localTarget(local: string | undefined, remote: string): Promise<string> {
  const target = resolve(local ?? basename(remote));
  if (local !== undefined && (await Deno.stat(target).catch(() => undefined))?.isDirectory) {
    return join(target, basename(remote));
  }
  if (local !== undefined && /[\\/]$/.test(local)) {
    throw new UsageError(`${local}: no such directory (a name ending in / is where the file goes)`);
  }
  return target;
}

/**
 * The download's file beside the target (renamed only when complete), opened
 * to append to what an earlier run left when resuming, else empty.
 *
 * @example
 * ```ts
 * const { partial, offset, file } = await openPartial(target, true, remoteSize);
 * ```
 */
export async function openPartial(
  target: string,
  resume: boolean,
  remoteSize?: number,
): Promise<{ partial: string; offset: number; file: Deno.FsFile }> {
  const partial = join(dirname(target), `.${basename(target)}.ferry.part`);
  let offset = resume ? (await Deno.stat(partial).catch(() => undefined))?.size ?? 0 : 0;
  if (remoteSize !== undefined && offset > remoteSize) {
    // Left by an earlier, larger version of the file: no beginning of this one.
    log.warn("{partial} ({offset} B) is larger than the remote file ({size} B): starting over", {
      partial,
      offset,
      size: remoteSize,
    });
    offset = 0;
  }
  const file = Deno.openSync(partial, {
    write: true,
    create: true,
    truncate: offset === 0,
    append: offset > 0,
  });
  return { partial, offset, file };
}

/**
 * Copies the stream `open` gives into the partial file (closed either way);
 * resolves with the byte count, or rejects at once on Ctrl-C/SIGTERM.
 */
async function download(
  cli: CliContext,
  file: Deno.FsFile,
  open: () => Promise<ReadableStream<Uint8Array>>,
): Promise<number> {
  let stream: ReadableStream<Uint8Array>;
  try {
    stream = await open();
  } catch (error) {
    file.close(); // not yet handed to streamToFile (which closes it)
    throw error;
  }
  return await unlessInterrupted(streamToFile(stream, file, { signal: cli.signal }), cli);
}

/**
 * {@link download} into the partial; when it fails the partial is removed,
 * unless `keep` (`--continue`: a re-run resumes from it) and it holds a byte.
 *
 * @example
 * ```ts
 * const bytes = await fillPartial(cli, { partial, file }, false, () => ep.read(name));
 * ```
 */
export async function fillPartial(
  cli: CliContext,
  into: { partial: string; file: Deno.FsFile },
  keep: boolean,
  open: () => Promise<ReadableStream<Uint8Array>>,
): Promise<number> {
  try {
    return await download(cli, into.file, open);
  } catch (error) {
    // An empty partial has nothing to resume (`get -c` of a name the server refused).
    const empty = keep && (await Deno.stat(into.partial).catch(() => undefined))?.size === 0;
    if (!keep || empty) await Deno.remove(into.partial).catch(() => undefined);
    throw error;
  }
}

/**
 * Throws unless the downloaded partial holds as many bytes as the server's
 * listing says the file has (the partial then stays for `--continue`).
 *
 * @example
 * ```ts
 * await checkArrived(partial, stat.size);
 * ```
 */
export async function checkArrived(partial: string, remoteSize: number | undefined): Promise<void> {
  if (remoteSize === undefined) return;
  const { size } = await Deno.stat(partial);
  if (size !== remoteSize) {
    throw new TransferVerificationError(partial, "size", remoteSize, size, false);
  }
}

/**
 * `get -c` of a file the local copy holds whole already: said, nothing read.
 *
 * @example
 * ```ts
 * return alreadyComplete(cli, "get a.bin", target, stat.size);
 * ```
 */
export function alreadyComplete(cli: CliContext, what: string, target: string, size: number): void {
  if (!cli.globals.quiet) {
    cli.err(`${what}: ${target} is complete already (${formatBytes(size)}): nothing transferred`);
  }
  if (cli.globals.json) cli.out(JSON.stringify({ what, bytes: 0, complete: true }));
}
