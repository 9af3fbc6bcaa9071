/**
 * The time a one-stream `ferry get` gives its copy. A LIST-only server
 * (vsftpd) lists minutes, and only the day for files older than six months;
 * lftp's `get` and `curl -R` keep the second from MDTM. ferry asks MDTM in the
 * same write as the download (no round trip) and keeps its answer when it lies
 * within the listed interval (else the file changed since, or the server
 * answers in another zone: the listing stands), as mirror does
 * (sync/transfer.ts).
 * @module
 */
import type { FtpHost } from "../../endpoint/ftp/host.ts";
import { exactWithinListed } from "../../endpoint/mtime.ts";
import type { Stat } from "../../endpoint/types.ts";
import { parseFtpTime } from "../../ftp/reply.ts";
import type { Reply } from "../../ftp/reply_shape.ts";

/** What a download sends ahead for the time, and the time to keep once the listing is read. */
export interface GetMtime {
  /** Options for `FtpClient.retrieve` (empty where the listing has the second). */
  ahead: { ahead?: string[]; onAhead?: (replies: Reply[]) => void };
  /** The time to give the copy: MDTM's when it fits the listing's interval, else the listing's. */
  keep(stat: Stat | undefined): Date | undefined;
}

/**
 * Plans the MDTM of `path` on `host`: asked where the server has MDTM and no
 * MLST (whose facts carry the second already).
 *
 * @example
 * ```ts
 * const time = await getMtime(host, "pub/a.bin");
 * const stream = await client.retrieve("pub/a.bin", { ...time.ahead });
 * // ... after the listing:
 * const mtime = time.keep(await host.stat("pub/a.bin"));
 * ```
 */
export async function getMtime(host: FtpHost, path: string): Promise<GetMtime> {
  const features = await host.features();
  if (!features.has("MDTM") || features.has("MLST")) return { ahead: {}, keep: (s) => s?.mtime };
  let heard: Date | undefined;
  return {
    ahead: {
      ahead: [`MDTM ${path}`],
      onAhead: ([reply]) => {
        if (reply?.code !== 213) return; // refused: the listing's time stands
        try {
          heard = parseFtpTime(reply.text.trim().split(/\s+/)[0]);
        } catch {
          heard = undefined;
        }
      },
    },
    keep: (stat) => keepExact(stat, heard),
  };
}

/**
 * The exact time when it lies within the listing's interval, else the listing's.
 *
 * @example
 * ```ts
 * const listed = { mtime: new Date("2025-01-02T00:00:00Z"), precision: 86_400_000 };
 * keepExact(listed as Stat, new Date("2025-01-02T03:04:05Z")); // 03:04:05
 * ```
 */
export function keepExact(stat: Stat | undefined, exact: Date | undefined): Date | undefined {
  return stat ? exactWithinListed(stat, exact) : undefined;
}
