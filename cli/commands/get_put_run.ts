/**
 * `ferry get URL [LOCAL]` and `ferry put LOCAL URL`: one file, streamed; FTP
 * over the wire client, every other scheme the registry knows through the
 * endpoint contract; written atomically on the local side (temp name + rename),
 * resumable with `--continue`; over FTP the size the server reports is
 * checked before the rename (a short copy fails). Like lftp, the copy keeps the source's
 * modification time: `get` reads it from the listing (`--time-shift` applied to LIST times;
 * the second from MDTM, sent in the download's write, where the listing is coarser:
 * get_mtime.ts), `put` sets it with MFMT (or vsftpd's MDTM, in its zone).
 * The command-line wiring is in get_put.ts (commander) and cli/quick.ts (by hand).
 * @module
 */
import { basename, dirname, join, resolve } from "../../util/paths.ts";
import type { CliContext } from "../context.ts";
import { formatBytes, formatDuration, formatRate } from "../format.ts";
import { connectFtp } from "../lazy.ts";
import { isFtpUrl, openCliEndpoint } from "../endpoint.ts";
import { splitLocation } from "../location.ts";
import { UsageError } from "../../workflow/errors.ts";
import { urlScheme } from "../../workflow/validate.ts";
import { redactUrl } from "../../util/redact.ts";
import type { FtpClient } from "../../ftp/client.ts";
import { SEGMENT_DEFAULTS, segmentCount } from "../../sync/segments.ts";
import { late } from "../late.ts";
import { streamToFile } from "../../util/files.ts";
import { openPutSource } from "./put_source.ts";
import { STDIO, streamToStdout } from "./get_put_stdio.ts";
import { continueVerdict } from "./get_continue.ts";
import { logger } from "../../util/log.ts";
import type * as FtpErrors from "../../ftp/errors.ts";
import type { FtpHost } from "../../endpoint/ftp/host.ts";
import type { Stat } from "../../endpoint/types.ts";
import { partialName } from "../../endpoint/atomic.ts";
import { TransferVerificationError } from "../../sync/verify.ts";
import { replaceChecked } from "../../sync/replace_checked.ts";
import { applyMtime, type RenameTarget } from "../../sync/replace.ts";
import { LOOK_FIRST_BYTES, putRefused, refuseDirectory } from "./put_onto_dir.ts";

const log = logger("cli", "transfer");

/** The remote file's listing entry, or undefined (said in the log) when it cannot be had. */
async function remoteStat(host: FtpHost, path: string): Promise<Stat | undefined> {
  try {
    return await host.stat(path);
  } catch (error) {
    log.warn("cannot list {path} ({error}); the copy keeps its own time, its size is not checked", {
      path,
      error: String(error),
    });
    return undefined;
  }
}

/**
 * Throws unless the downloaded partial holds as many bytes as the server's
 * listing says the file has (the partial then stays for `--continue`).
 */
async function checkArrived(partial: string, remoteSize: number | undefined): Promise<void> {
  if (remoteSize === undefined) return;
  const { size } = await Deno.stat(partial);
  if (size !== remoteSize) {
    throw new TransferVerificationError(partial, "size", remoteSize, size, false);
  }
}

/**
 * The round trip (ms) from which `get` splits a large file into segments by
 * default. Segments win on a long link, where one stream is held back by its
 * window or a per-connection cap; on the same host or a LAN one stream runs at
 * disk and CPU speed, and each segment's session would add a login and a REST
 * (8 segments from vsftpd on loopback: 1.37 x one stream's wall time). lftp's
 * `get` is one stream there too; its `pget` is asked for.
 */
export const LONG_LINK_MS = 5;

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
 */
async function fillPartial(
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

function done(cli: CliContext, what: string, bytes: number, started: number): void {
  const ms = Date.now() - started;
  if (!cli.globals.quiet) {
    cli.err(`${what}: ${formatBytes(bytes)} in ${formatDuration(ms)} (${formatRate(bytes, ms)})`);
  }
  if (cli.globals.json) cli.out(JSON.stringify({ what, bytes, durationMs: ms }));
}

/**
 * Waits for a transfer, or rejects at once on Ctrl-C/SIGTERM: an aborted pipe
 * waits for its ABOR to be answered, which a stuck server never does; closing
 * the session (see {@link leave}) then ends the transfer.
 */
function unlessInterrupted<T>(work: Promise<T>, cli: CliContext): Promise<T> {
  const signal = cli.signal;
  work.catch(() => {}); // settled by closing the session when it is left behind
  return new Promise<T>((resolve, reject) => {
    const onAbort = () => reject(signal.reason);
    if (signal.aborted) return onAbort();
    signal.addEventListener("abort", onAbort, { once: true });
    work.then(resolve, reject).finally(() => signal.removeEventListener("abort", onAbort));
  });
}

/**
 * Closes the host (QUIT); after Ctrl-C/SIGTERM the session is cut first: it
 * may still wait for an ABOR answer that a stuck server never sends.
 */
async function leave(cli: CliContext, client: FtpClient, host: FtpHost): Promise<void> {
  if (cli.signal.aborted) client.close();
  await host.close();
}

/**
 * Where `get` writes: LOCAL, or the remote name inside LOCAL when it is a
 * directory. LOCAL ending in `/` names a directory: one that is not there is
 * an error (as lftp's and cp's), not a file of that name.
 */
async function localTarget(local: string | undefined, remote: string): Promise<string> {
  const target = resolve(local ?? basename(remote));
  if (local !== undefined && (await Deno.stat(target).catch(() => undefined))?.isDirectory) {
    return join(target, basename(remote));
  }
  if (local !== undefined && /[\\/]$/.test(local)) {
    throw new UsageError(`${local}: no such directory (a name ending in / is where the file goes)`);
  }
  return target;
}

/** `get -c` of a file the local copy holds whole already: said, nothing read. */
function alreadyComplete(cli: CliContext, what: string, target: string, size: number): void {
  if (!cli.globals.quiet) {
    cli.err(`${what}: ${target} is complete already (${formatBytes(size)}): nothing transferred`);
  }
  if (cli.globals.json) cli.out(JSON.stringify({ what, bytes: 0, complete: true }));
}

/**
 * An FTP URL ending in `/` (its root too) names a directory: refused before
 * connecting (before: `RETR dir/`, or a `RETR` of nothing, and the server's
 * 550 "Failed to open file").
 */
function refuseDirectoryUrl(url: string): void {
  if (new URL(url).pathname.endsWith("/")) {
    throw new UsageError(
      `${
        redactUrl(url)
      }: names a directory, not a file (ferry ls lists it, ferry mirror copies it)`,
    );
  }
}

/**
 * The download's stream; a RETR the server refused is looked into: a
 * directory of that name (CWD works) is said as such (`IsADirectoryError`),
 * instead of vsftpd's "550 Failed to open file.".
 */
async function retrieveFile(
  client: FtpClient,
  path: string,
  open: () => Promise<ReadableStream<Uint8Array>>,
): Promise<ReadableStream<Uint8Array>> {
  try {
    return await open();
  } catch (error) {
    const errors = await late<typeof FtpErrors>(import.meta.url, "../../ftp/errors.ts");
    if (error instanceof errors.FtpPermanentError || error instanceof errors.FtpTemporaryError) {
      await refuseDirectory(client, path, errors, error);
    }
    throw error;
  }
}

/** `get URL -` with `-c`: standard output has nothing to resume. */
function refuseResumeToStdout(local: string | undefined, opts: Record<string, unknown>): void {
  if (local === STDIO && opts.continue === true) {
    throw new UsageError("--continue needs a local file: standard output (-) cannot be resumed");
  }
}

/**
 * `get URL -`: the stream to standard output, then its byte count held to the
 * size the server told (a short copy fails, as curl's "transfer closed with
 * bytes remaining"; what came is out already).
 */
async function getToStdout(
  cli: CliContext,
  what: string,
  open: () => Promise<ReadableStream<Uint8Array>>,
  size: () => Promise<number | undefined>,
): Promise<void> {
  const started = Date.now();
  const bytes = await unlessInterrupted(open().then((s) => streamToStdout(s, cli.signal)), cli);
  const expected = await size();
  if (expected !== undefined && expected !== bytes) {
    throw new TransferVerificationError(what, "size", expected, bytes, false);
  }
  // The line goes to stderr; --json's record is left out (stdout holds the file).
  if (!cli.globals.quiet) {
    const ms = Date.now() - started;
    cli.err(
      `get ${what}: ${formatBytes(bytes)} in ${formatDuration(ms)} (${formatRate(bytes, ms)})`,
    );
  }
}

/**
 * The download's file beside the target (renamed only when complete), opened
 * to append to what an earlier run left when resuming, else empty.
 */
async function openPartial(
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

/** A put from standard input to a URL ending in `/`: there is no name to keep. */
function noName(url: string): never {
  throw new UsageError(
    `${redactUrl(url)}: standard input (-) has no name to keep; end the URL with the file's name`,
  );
}

/** The endpoint holding a file URL's last name, and that name; a root is no file. */
function fileLocation(url: string): { root: string; name: string } {
  const { root, path } = splitLocation(url);
  if (path === "") throw new UsageError(`${redactUrl(url)}: names a directory root, not a file`);
  return { root, name: path };
}

/**
 * `get` of any other scheme than FTP's, through the endpoint contract: renamed
 * once the partial holds the size the endpoint's stat told before the read.
 */
async function getFromEndpoint(
  cli: CliContext,
  url: string,
  local: string | undefined,
  opts: Record<string, unknown>,
): Promise<void> {
  const { root, name } = fileLocation(url);
  const ep = await openCliEndpoint(cli, root, opts, { oneFile: true });
  try {
    const stat = await ep.stat(name);
    if (stat.type === "dir") throw new UsageError(`${redactUrl(url)}: is a directory`);
    if (local === STDIO) {
      const size = () => Promise.resolve(stat.size);
      return await getToStdout(cli, name, () => ep.read(name, { signal: cli.signal }), size);
    }
    const target = await localTarget(local, name);
    if (
      opts.continue === true && await continueVerdict(target, stat, redactUrl(url)) === "complete"
    ) return alreadyComplete(cli, `get ${name}`, target, stat.size);
    // A scheme that cannot read from an offset starts over.
    const resume = opts.continue === true && ep.capabilities().readOffset;
    const { partial, offset, file } = await openPartial(target, resume, stat.size);
    const started = Date.now();
    const bytes = await fillPartial(
      cli,
      { partial, file },
      opts.continue === true,
      () => ep.read(name, { offset: offset || undefined, signal: cli.signal }),
    );
    // The size the stat told (no round trip: a stream's clean end proves no byte count).
    await checkArrived(partial, stat.size);
    if (stat.mtime) await Deno.utime(partial, stat.mtime, stat.mtime);
    await Deno.rename(partial, target);
    done(cli, `get ${name}`, bytes, started);
  } finally {
    await ep.close();
  }
}

/**
 * `put` to any other scheme than FTP's: written under the temporary name and
 * renamed once the endpoint's fresh size of it is the file's (as mirror checks,
 * sync/verify.ts); a scheme whose writes are whole-or-nothing (S3) is written
 * under the real name; `--no-atomic` writes the real name directly.
 */
async function putToEndpoint(
  cli: CliContext,
  local: string,
  url: string,
  opts: Record<string, unknown>,
): Promise<void> {
  const source = openPutSource(local, true);
  let root: string, name: string;
  try {
    ({ root, name } = url.endsWith("/")
      ? { root: url, name: source.name ?? noName(url) }
      : fileLocation(url));
  } catch (error) {
    source.close();
    throw error;
  }
  const ep = await openCliEndpoint(cli, root, opts, {
    create: urlScheme(root) === undefined,
    oneFile: true,
  });
  try {
    const started = Date.now();
    const atomic = opts.atomic !== false;
    const staged = atomic && !ep.capabilities().wholeWrites;
    const target = staged ? partialName(name) : name;
    let sink: WritableStream<Uint8Array>;
    try {
      // A whole-or-nothing write (S3) gets the size and mtime up front: one PUT carrying the
      // mtime (no copy to set it after), refused if the file changed size while it was read
      // (standard input: neither is known before).
      const whole = atomic && !staged;
      const { size, mtime } = source.size === undefined ? {} : await source.after(0);
      sink = await ep.write(target, { atomic: whole, ...(whole ? { size, mtime } : {}) });
    } catch (error) {
      source.close();
      throw error;
    }
    let bytes = 0;
    let dated: boolean | undefined; // whether the rename carried the time; undefined: no rename
    try {
      bytes = await unlessInterrupted(source.send(sink, cli.signal), cli);
      if (staged) {
        const { size, mtime } = await source.after(bytes);
        const stored = (await ep.lstat(target, { fresh: true })).size;
        if (stored !== size) {
          throw new TransferVerificationError(target, "size", size, stored, false);
        }
        // The engine's last step of a transfer: the time goes with the rename where the
        // endpoint can (FTP, UFTP: MFMT on the checked partial, then RNFR/RNTO), and a
        // rename cut on the way is looked into before the put fails (replace_checked.ts).
        dated = await replaceChecked(ep, target, name, { size, mtime, signal: cli.signal });
      }
    } catch (error) {
      // Interrupted, the write may still be under way: the partial keeps its temporary name.
      if (staged && !cli.signal.aborted) await ep.remove(target).catch(() => undefined);
      throw error;
    }
    // Written under the real name, the time is set now; renamed, it went with the rename
    // (false: the endpoint cannot set one, or refused it, said in the log). A refused time
    // is a warning: the bytes are there (as the FTP path's, and the endpoints' own writes).
    const mtime = dated === undefined ? (await source.after(bytes)).mtime : undefined;
    if (mtime && ep.capabilities().setMtime) await applyMtime(ep, name, mtime);
    else if (!dated && !ep.capabilities().setMtime) {
      log.info("{path} keeps the upload time: the endpoint cannot set it", { path: name });
    }
    done(cli, `put ${name}`, bytes, started);
  } finally {
    await ep.close();
  }
}

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
  refuseDirectoryUrl(url);
  const segments = (opts.segments as number | undefined) ?? SEGMENT_DEFAULTS.segments;
  // One file: as many sessions as segments unless --connections says otherwise (lftp's
  // pget opens its -n connections; its default connection limit is none).
  const connections = ((opts as Record<string, unknown>).connections as number | undefined) ??
    segments;
  // The FTP branches' own modules load beside the connection (which brings the wire
  // client, ftp/reply.ts and ftp/errors.ts with it): a get or put of another scheme
  // (the disk, S3) loads nothing of FTP.
  const [{ client, host, path, naming }, { getMtime }] = await Promise.all([
    connectFtp(cli, url, opts, { connections }),
    late<typeof import("./get_mtime.ts")>(import.meta.url, "./get_mtime.ts"),
  ]);
  try {
    if (local === STDIO) {
      const size = async () => (await remoteStat(host, path))?.size;
      return await getToStdout(
        cli,
        path,
        () => retrieveFile(client, path, () => client.retrieve(path, { signal: cli.signal })),
        size,
      );
    }
    const target = await localTarget(local, path);
    // -c: SIZE tells whether the copy there is whole (or larger: refused), and where a partial
    // left by an earlier version of the file is no beginning of this one.
    const remoteSize = opts.continue === true
      ? await client.size(path).catch(() => undefined)
      : undefined;
    if (opts.continue === true && (await Deno.stat(target).catch(() => undefined))?.isFile) {
      const stat = await remoteStat(host, path);
      const remote = {
        size: remoteSize ?? stat?.size,
        mtime: stat?.mtime,
        precision: stat?.precision,
      };
      if (await continueVerdict(target, remote, redactUrl(url)) === "complete") {
        return alreadyComplete(cli, `get ${path}`, target, remote.size!);
      }
    }
    // Asked for (--segments, --connections), or by default on a long link only.
    const asked = opts.segments !== undefined ||
      (opts as Record<string, unknown>).connections !== undefined;
    if (segments > 1 && (asked || client.fastestReplyMs >= LONG_LINK_MS)) {
      // The segment code loads while the listing crosses the long link (~0.1 s under load).
      const segmented = late<typeof import("./get_segmented.ts")>(
        import.meta.url,
        "./get_segmented.ts",
      );
      segmented.catch(() => {}); // awaited below when the file is large, else not needed
      const able = {
        rangedReads: (await host.features()).has("REST"),
        writeAt: true,
        maxConnections: connections,
      };
      // SIZE (one round trip) tells a large file early: the other sessions then connect
      // and log in while the listing (for the time) runs, instead of after it.
      const size = remoteSize ?? await client.size(path).catch(() => undefined);
      if (size !== undefined && segmentCount(size, { segments }, able) > 1) {
        void host.warm(connections - 1);
      }
      const stat = await remoteStat(host, path);
      if (stat?.type === "file" && segmentCount(stat.size, { segments }, able) > 1) {
        const started = Date.now();
        const { getSegmented } = await segmented;
        const r = await unlessInterrupted(
          getSegmented(host, {
            path,
            target,
            stat,
            segments,
            connections,
            resume: opts.continue === true,
            signal: cli.signal,
          }),
          cli,
        );
        done(cli, `get ${path} (${r.segments ?? 1} segments)`, r.bytesSent, started);
        return;
      }
    }
    const { partial, offset, file } = await openPartial(
      target,
      opts.continue === true,
      remoteSize,
    );
    const time = await getMtime(host, path);
    const started = Date.now();
    const bytes = await fillPartial(
      cli,
      { partial, file },
      opts.continue === true,
      () =>
        retrieveFile(
          client,
          path,
          () =>
            client.retrieve(path, {
              offset: offset || undefined,
              signal: cli.signal,
              ...time.ahead,
            }),
        ),
    );
    // One listing gives the time to keep and the size to check (the 226 alone does not
    // prove every byte arrived: a server or proxy may close the data connection early).
    const stat = await remoteStat(host, path);
    await checkArrived(partial, stat?.size);
    const mtime = time.keep(stat);
    if (mtime) await Deno.utime(partial, mtime, mtime);
    await Deno.rename(partial, target);
    done(cli, `get ${path}`, bytes, started);
  } catch (error) {
    throw naming(error, path);
  } finally {
    await leave(cli, client, host);
  }
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
  const [{ client, host, path: rawPath, naming }, errors] = await Promise.all([
    connectFtp(cli, url, opts),
    late<typeof FtpErrors>(import.meta.url, "../../ftp/errors.ts"), // see runGet
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
