/**
 * `ferry get -c URL LOCAL` when LOCAL is there already, as `curl -C -` and
 * lftp's `get -c` see it: a copy as large as the remote file (and of its time,
 * where both are known) is complete and nothing is read; a copy larger than
 * the remote file is no beginning of it and is left as it is, with an error
 * (curl: "Offset larger than file"; lftp retries it forever); anything else is
 * downloaded (the partial beside it resumed, if there is one).
 * @module
 */
import { compareMtimes } from "../../endpoint/mtime.ts";
import { FerryError } from "../../util/errors.ts";

/** What the server says of the file: SIZE's answer (else the listing's), and the listing's time. */
export interface RemoteFile {
  size?: number;
  mtime?: Date;
  /** The listed time's precision in ms (a LIST of vsftpd: a minute). */
  precision?: number;
}

/** `get -c`: the local file is larger than the remote one, so it cannot be its beginning. */
export class LocalLargerError extends FerryError {
  /** `target`: the local file; `where`: the remote file (redacted URL). */
  constructor(
    readonly target: string,
    readonly localSize: number,
    readonly remoteSize: number,
    where: string,
  ) {
    super(
      `${target}: the local file (${localSize} B) is larger than ${where} (${remoteSize} B), ` +
        "so it is not a part of it: not resumed, left as it is (remove it, or get without -c)",
      { code: "ELARGER" },
    );
  }
}

/**
 * The local copy's time counts to the second (what ferry, lftp and `curl -R`
 * give a download).
 */
const LOCAL_PRECISION_MS = 1000;

/**
 * Whether `target` already holds the whole remote file: `"complete"` when its
 * size is the remote size and its time is the remote time within the
 * listing's precision (or the remote time is unknown), else `"fetch"`; throws
 * {@link LocalLargerError} (the file untouched) when it is larger.
 *
 * @example
 * ```ts
 * if (await continueVerdict("a.bin", { size: 12 }, "ftp://h/a.bin") === "complete") return;
 * ```
 */
export async function continueVerdict(
  target: string,
  remote: RemoteFile,
  where: string,
): Promise<"complete" | "fetch"> {
  const local = await Deno.stat(target).catch(() => undefined);
  if (!local?.isFile || remote.size === undefined) return "fetch";
  if (local.size > remote.size) {
    throw new LocalLargerError(target, local.size, remote.size, where);
  }
  if (local.size < remote.size) return "fetch";
  const order = compareMtimes(
    { mtime: local.mtime ?? undefined, precision: LOCAL_PRECISION_MS },
    { mtime: remote.mtime, precision: remote.precision ?? Infinity },
  );
  return remote.mtime && local.mtime && order !== "undecided" ? "fetch" : "complete";
}
