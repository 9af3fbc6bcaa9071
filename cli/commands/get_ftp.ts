/**
 * `ferry get` over FTP: the file by RETR on the command's own session, or in
 * segments over several (on a long link, or when `--segments` or
 * `--connections` ask), into a partial renamed when whole; the time kept is
 * the listing's (`--time-shift` applied to LIST times; the second from MDTM,
 * sent in the download's write, where the listing is coarser: get_mtime.ts).
 * The FTP modules themselves load beside the connection (`late`): a get of
 * another scheme loads none of them.
 * @module
 */
import { redactUrl } from "../../util/redact.ts";
import type { CliContext } from "../context.ts";
import { connectFtp } from "../lazy.ts";
import { late } from "../late.ts";
import { UsageError } from "../../workflow/errors.ts";
import type { FtpClient } from "../../ftp/client.ts";
import type * as FtpErrors from "../../ftp/errors.ts";
import type { FtpHost } from "../../endpoint/ftp/host.ts";
import type { Stat } from "../../endpoint/types.ts";
import { SEGMENT_DEFAULTS, segmentCount } from "../../sync/segments.ts";
import { logger } from "../../util/log.ts";
import { continueVerdict } from "./get_continue.ts";
import {
  alreadyComplete,
  checkArrived,
  fillPartial,
  localTarget,
  openPartial,
} from "./get_local.ts";
import { getToStdout, STDIO } from "./get_put_stdio.ts";
import { done, leave, unlessInterrupted } from "./get_put_transfer.ts";
import { refuseDirectory } from "./put_onto_dir.ts";
import { parseUrl } from "../../util/url_problem.ts";

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
 * The round trip (ms) from which `get` splits a large file into segments by
 * default. Segments win on a long link, where one stream is held back by its
 * window or a per-connection cap; on the same host or a LAN one stream runs at
 * disk and CPU speed, and each segment's session would add a login and a REST
 * (8 segments from vsftpd on loopback: 1.37 x one stream's wall time). lftp's
 * `get` is one stream there too; its `pget` is asked for.
 */
export const LONG_LINK_MS = 5;

/**
 * An FTP URL ending in `/` (its root too) names a directory: refused before
 * connecting (before: `RETR dir/`, or a `RETR` of nothing, and the server's
 * 550 "Failed to open file").
 */
function refuseDirectoryUrl(url: string): void {
  if (parseUrl(url).pathname.endsWith("/")) {
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

/**
 * `ferry get` of an ftp://, ftpes:// or ftps:// URL: RETR on the command's
 * session (a directory's name refused before connecting), or in segments over
 * several sessions on a long link or when asked (get_segmented.ts); kept with
 * the listing's time and checked against its size.
 *
 * @example
 * ```ts
 * await getOverFtp(cli, "ftp://h/a.bin", undefined, opts);
 * ```
 */
export async function getOverFtp(
  cli: CliContext,
  url: string,
  local: string | undefined,
  opts: Record<string, unknown>,
): Promise<void> {
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
