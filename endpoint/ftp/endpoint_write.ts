/**
 * How an `FtpEndpoint` (./endpoint.ts) puts a file on the server: the hooks of an
 * atomic write (`openPlannedWrite` in ../atomic.ts: open at 0, append, or
 * resume inside the overlap), and a rename onto an existing file for servers
 * that refuse to overwrite one (the old file moved aside, put back if the
 * move still fails). The endpoint hands over what they need (its
 * {@link EndpointFiles}); its contract checks and error mapping stay with it.
 * @module
 */
import { FtpPermanentError } from "../../ftp/errors.ts";
import { logger } from "../../util/log.ts";
import { markReleasesChunks, releasesChunks } from "../../util/files.ts";
import { asideName, moveWithOldAside, type WriteHooks, type WriteSink } from "../atomic.ts";
import { InvalidOffsetError, NotFoundError } from "../errors.ts";
import type { Stat } from "../types.ts";
import type { FtpHost } from "./host.ts";

const log = logger("endpoint", "ftp");

/** What the endpoint lends its writes: its host and its own path lookups. */
export interface EndpointFiles {
  /** The host underneath. */
  host: FtpHost;
  /** The server path of an endpoint path. */
  remote(path: string): string;
  /** The entry asked of the server (not the cache); NotFoundError when missing. */
  freshStat(path: string): Promise<Stat>;
  /** The endpoint's rename of a temporary file onto its target (which may exist). */
  replace(from: string, to: string): Promise<void>;
  /** Bytes a resumed upload may overlap the file's end (`Capabilities.resumeOverlap`). */
  resumeOverlap: number;
  /** Whether the server can set mtimes (`Capabilities.setMtime`). */
  setMtime: boolean;
  /** The endpoint's URL (named in a write's warnings). */
  url: string;
}

/**
 * The hooks of a write whose file must end `size` bytes long (when known).
 *
 * @example
 * ```ts
 * await openPlannedWrite(planWrite("pub/a.txt"), writeHooks(files, 2));
 * ```
 */
export function writeHooks(files: EndpointFiles, size?: number): WriteHooks {
  const { host } = files;
  const hooks: WriteHooks = {
    open: async (name, offset) => {
      const remote = files.remote(name);
      const expect = size === undefined ? {} : { expectSize: size };
      if (offset === 0) return streamSink(await host.open(remote, "w", expect));
      // Asked of the server now: appending to a size from the cache could misplace data.
      const have = await files.freshStat(name).then((s) => s.size, (error) => {
        if (error instanceof NotFoundError) return 0;
        throw error;
      });
      if (have < offset || have - offset > files.resumeOverlap) {
        throw new InvalidOffsetError(name, offset, have);
      }
      if (have === offset) return streamSink(await host.open(remote, "a", expect));
      // Inside the overlap: a write from the offset (RANG/REST + STOR), which not every
      // server does (ferry's own UFTPD only continues at the end).
      try {
        return streamSink(await host.open(remote, "w", { ...expect, rest: offset }));
      } catch (error) {
        if (!(error instanceof FtpPermanentError)) throw error;
        throw new InvalidOffsetError(name, offset, have, { cause: error });
      }
    },
    rename: (from, to) => files.replace(from, to),
    remove: (name) => host.remove(files.remote(name)),
    url: files.url,
  };
  if (files.setMtime) {
    hooks.setMtime = (path, mtime) => host.setMtime(files.remote(path), mtime);
  }
  return hooks;
}

/**
 * Runs `move` (a rename onto `to`, an endpoint path). Some servers refuse to
 * rename onto an existing file; then the old file is moved aside, `move` is
 * tried again, and the old file is put back if it still fails, so a refusal
 * for any other reason never costs the old file. The aside copy is removed
 * only once the new file stands under the name. Errors come as the host
 * raised them (the endpoint names its own path in them).
 *
 * @example
 * ```ts
 * await moveAsideOnto(files, "pub/a.txt", true, () => host.rename("/pub/.a.part", "/pub/a.txt"));
 * ```
 */
export async function moveAsideOnto<T>(
  files: Pick<EndpointFiles, "host" | "remote">,
  to: string,
  targetExists: boolean,
  move: () => Promise<T>,
): Promise<T> {
  try {
    return await move();
  } catch (error) {
    if (!targetExists || !(error instanceof FtpPermanentError)) throw error;
    const { host, remote } = files;
    const aside = asideName(to);
    try {
      await host.rename(remote(to), remote(aside));
    } catch (asideError) {
      // The server renames nothing here: its first refusal is the answer.
      log.debug("cannot move {to} aside: {error}", { to, error: String(asideError) });
      throw error;
    }
    log.debug("rename onto {to} refused; the old file moved aside to {aside}", { to, aside });
    const ops = {
      rename: (a: string, b: string) => host.rename(remote(a), remote(b)),
      remove: (path: string) => host.remove(remote(path)),
    };
    return await moveWithOldAside(ops, to, aside, move, log);
  }
}

function streamSink(stream: WritableStream<Uint8Array>): WriteSink {
  const releases = releasesChunks(stream);
  const writer = stream.getWriter();
  return markReleasesChunks({
    write: (chunk) => writer.write(chunk),
    close: () => writer.close(),
    abort: (reason) => writer.abort(reason).catch(() => {}),
  }, releases);
}
