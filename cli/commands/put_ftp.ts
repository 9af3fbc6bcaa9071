/**
 * `ferry put` over FTP: a local file or standard input stored under a
 * temporary name beside the target, its size checked with SIZE, renamed with
 * the file's time (MFMT, or vsftpd's MDTM, in its zone) by the engine's
 * checked rename; a name taken by a directory is said as such
 * (put_onto_dir.ts). The FTP modules load beside the connection (`late`).
 * @module
 */
import type { CliContext } from "../context.ts";
import { connectFtp } from "../lazy.ts";
import { late } from "../late.ts";
import type { FtpClient } from "../../ftp/client.ts";
import type * as FtpErrors from "../../ftp/errors.ts";
import type { FtpHost } from "../../endpoint/ftp/host.ts";
import { TransferVerificationError } from "../../sync/verify.ts";
import { replaceChecked } from "../../sync/replace_checked.ts";
import type { RenameTarget } from "../../sync/replace.ts";
import { logger } from "../../util/log.ts";
import { openPutSource } from "./put_source.ts";
import { noName } from "./get_put_stdio.ts";
import { done, leave, unlessInterrupted } from "./get_put_transfer.ts";
import { LOOK_FIRST_BYTES, putRefused, refuseDirectory } from "./put_onto_dir.ts";

const log = logger("cli", "transfer");

/**
 * The buffer an FTP put sends from. 128 KiB against 1 MiB, 512 MiB to vsftpd
 * on loopback (bench/getput.ts, 5 rounds, load 1.3-1.6, 2026-12-05): 0.39 s
 * against 0.43-0.44 s of wall time (curl 0.36-0.41), for 0.33 s of cpu
 * against 0.27; 64 KiB was the same as 128. Likely the copies (file to
 * buffer, buffer to socket) staying in the core's cache. `get` keeps 1 MiB:
 * 128 KiB made it slower (0.62 against 0.54 s).
 */
const PUT_BLOCK = 128 * 1024;

/**
 * Throws unless the server's SIZE of the uploaded file is the local file's
 * size; a server without SIZE (or refusing it) is taken at its 226's word.
 */
async function checkStored(
  client: FtpClient,
  path: string,
  localSize: number,
  { FtpPermanentError }: typeof FtpErrors,
): Promise<void> {
  let size: number;
  try {
    size = await client.size(path);
  } catch (error) {
    if (!(error instanceof FtpPermanentError)) throw error;
    log.info("cannot check the size of {path}: {error}", { path, error: error.message });
    return;
  }
  if (size !== localSize) throw new TransferVerificationError(path, "size", localSize, size, false);
}

/**
 * The command's host as the target of the engine's checked rename
 * (sync/replace_checked.ts): the host's own RNFR/RNTO (with MFMT, or vsftpd's
 * MDTM, in the same write), not the endpoint contract's, whose look at the
 * target first (is it a directory?) costs a listing on a server without MLST;
 * a rename onto a directory meets the server's own refusal, as it always has.
 * After a cut, the fresh stat is SIZE (or MLST), the dated one the listing.
 */
async function renameTarget(host: FtpHost): Promise<RenameTarget> {
  const setMtime = await host.mtimeMethod() !== "none";
  return {
    capabilities: () => ({ setMtime }),
    rename: (from, to) => host.rename(from, to),
    renameWithMtime: (from, to, mtime) => host.renameWithMtime(from, to, mtime),
    remove: (path) => host.remove(path),
    lstat: (path, options) => options?.fresh ? host.freshLstat(path) : host.lstat(path),
    setMtime: (path, mtime) => host.setMtime(path, mtime),
  };
}

/**
 * `ferry put` to an ftp://, ftpes:// or ftps:// URL: STOR under a temporary
 * name (`--no-atomic`: the real one), its size checked with SIZE, then the
 * engine's checked rename carrying the file's time (MFMT, or vsftpd's MDTM).
 *
 * @example
 * ```ts
 * await putOverFtp(cli, "a.bin", "ftp://h/in/", opts);
 * ```
 */
export async function putOverFtp(
  cli: CliContext,
  local: string,
  url: string,
  opts: Record<string, unknown>,
): Promise<void> {
  const [{ client, host, path: rawPath, naming }, errors] = await Promise.all([
    connectFtp(cli, url, opts),
    late<typeof FtpErrors>(import.meta.url, "../../ftp/errors.ts"), // see get_ftp.ts
  ]);
  const { CommandNotImplementedError, FtpPermanentError } = errors;
  let path = rawPath; // the file's, once the source's name is known
  try {
    // After the connection's flags and URL are checked (a bad one is the usage error told);
    // a directory or a missing file then ends the session before anything is sent.
    const source = openPutSource(local);
    path = rawPath === "" || rawPath.endsWith("/")
      ? rawPath + (source.name ?? noName(url))
      : rawPath;
    const slash = path.lastIndexOf("/");
    const temp = opts.atomic
      ? `${path.slice(0, slash + 1)}.${path.slice(slash + 1)}.ferry.part`
      : path;
    const started = Date.now();
    // A large file (or standard input, of no known size) is not sent to find its name taken
    // by a directory (put_onto_dir.ts).
    if (temp !== path && (source.size ?? Infinity) >= LOOK_FIRST_BYTES) {
      await refuseDirectory(client, path, errors).catch((error) => {
        source.close();
        throw error;
      });
    }
    let bytes = 0;
    try {
      let sink: WritableStream<Uint8Array>;
      try {
        sink = await client.store(temp, { signal: cli.signal });
      } catch (error) {
        source.close(); // not yet handed to fileToSink (which closes it)
        throw error;
      }
      bytes = await unlessInterrupted(source.send(sink, cli.signal, PUT_BLOCK), cli);
      await checkStored(client, temp, (await source.after(bytes)).size, errors);
    } catch (error) {
      // Interrupted, the session may be stuck in an ABOR: the partial keeps its temporary name.
      if (opts.atomic && !cli.signal.aborted) await client.delete(temp).catch(() => undefined);
      // --no-atomic: a STOR onto a directory's name is refused; say so.
      if (temp === path && !cli.signal.aborted) throw await putRefused(client, path, error, errors);
      throw error;
    }
    const { size, mtime } = await source.after(bytes);
    if (temp !== path) {
      // The engine's checked rename: the time goes with it, and a rename cut on the way is
      // looked into on a new session before the put fails; never uploaded again.
      const set = await replaceChecked(await renameTarget(host), temp, path, {
        size,
        mtime,
        signal: cli.signal,
      }).catch(async (error) => {
        throw cli.signal.aborted ? error : await putRefused(client, path, error, errors, temp);
      });
      if (!set && mtime) log.info("{path} keeps the upload time", { path });
    } else if (mtime) {
      await host.setMtime(path, mtime).catch((error) => {
        // The bytes are there; a server that will not take the time is no failure (lftp).
        if (!(error instanceof FtpPermanentError)) throw error;
        // No MFMT at all is the server's way; a refused one is worth a warning.
        const level = error instanceof CommandNotImplementedError ? "info" : "warn";
        log[level]("{path} keeps the upload time: {error}", { path, error: error.message });
      });
    }
    done(cli, `put ${path}`, bytes, started);
  } catch (error) {
    throw naming(error, path);
  } finally {
    await leave(cli, client, host);
  }
}
