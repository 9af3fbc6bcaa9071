/**
 * `ferry get` of a large FTP file in segments (lftp's `pget -n`): the same
 * transfer code as mirror (sync/transfer.ts), from an FTP endpoint over the
 * command's host (its pool opens the extra sessions) into the local
 * directory. Loaded only when a download is segmented.
 * @module
 */
import { basename, dirname } from "node:path";
import { FtpEndpoint } from "../../endpoint/ftp/endpoint.ts";
import type { FtpHost } from "../../endpoint/ftp/host.ts";
import { abspath } from "../../endpoint/ftp/remote_path.ts";
import { LocalEndpoint } from "../../endpoint/local.ts";
import { partialName } from "../../endpoint/atomic.ts";
import type { Stat } from "../../endpoint/types.ts";
import { transferFile, type TransferResult } from "../../sync/transfer.ts";
import { dropSegmentState } from "../../sync/segmented.ts";

/** What {@link getSegmented} needs besides the host. */
export interface SegmentedGet {
  /** The URL's path (relative to the login directory unless it began with %2F). */
  path: string;
  /** The local file to make. */
  target: string;
  /** The remote file's listing entry (size and mtime). */
  stat: Stat;
  /** Segments at most (also bounded by `connections`). */
  segments: number;
  /** Sessions the host may open. */
  connections: number;
  /** `--continue`: keep a failed download's partial and its record, and continue them. */
  resume: boolean;
  signal: AbortSignal;
}

/**
 * Downloads `path` to `target` in segments; a failed download without
 * `resume` leaves nothing behind (as a one-stream `get` without `-c`).
 *
 * @example
 * ```ts
 * const r = await getSegmented(host, { path: "pub/big.iso", target: "/tmp/big.iso", stat, segments: 8, connections: 8, resume: false, signal });
 * ```
 */
export async function getSegmented(host: FtpHost, get: SegmentedGet): Promise<TransferResult> {
  const remote = abspath(host.getcwd(), get.path).replace(/^\/+/, "");
  const src = await FtpEndpoint.onHost(host, "/", "ftp://", get.connections);
  const dir = new LocalEndpoint(dirname(get.target));
  const name = basename(get.target);
  try {
    return await transferFile(src, remote, dir, name, {
      size: get.stat.size,
      mtime: get.stat.mtime,
      mtimePrecision: get.stat.precision,
      resume: get.resume,
      segments: { segments: get.segments },
      signal: get.signal,
    });
  } catch (error) {
    if (!get.resume && !get.signal.aborted) {
      await dir.remove(partialName(name)).catch(() => {});
      await dropSegmentState(dir, name);
    }
    throw error;
  }
}
