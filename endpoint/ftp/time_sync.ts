/**
 * Measuring a server's time shift with a probe file (ftputil's
 * `synchronize_times`), and remembering an `auto` result per server and
 * listing command (LIST and MLSD times differ on most servers) in a small
 * JSON file under `.ferry/` so that not every run writes a probe; and a
 * host's `timeShift: "auto"` and `synchronizeTimes` carried out with them
 * ({@link applyAutoTimeShift}, {@link measureHostShifts}, {@link useShifts}).
 * Imported by `FtpHost` on first use.
 * @module
 */
import { dirname as hostDirname, join as hostJoin } from "../../util/paths.ts";
import type { ListEntry } from "../../ftp/listing/types.ts";
import { logger } from "../../util/log.ts";
import type { SessionPool } from "./pool.ts";
import type { FtpHostOptions } from "./host_options.ts";
import { remoteJoin } from "./remote_path.ts";
import { formatTimeShift, TimeShiftError, timeShiftFromProbe } from "./time_shift.ts";

const log = logger("endpoint", "ftp", "time");
/** The host's logger: what the shifts applied to a host say, as when FtpHost said it. */
const hostLog = logger("endpoint", "ftp", "host");

/** How the probe is listed. */
export interface ProbeOptions {
  /** Also read the probe with MLST (the host lists with MLSD). */
  mlst: boolean;
  /** The clock (tests). */
  now?: () => Date;
}

/**
 * What one probe file showed: the shift its LIST time gives and, when asked,
 * the shift its MLST time gives (0 on a server that follows RFC 3659), each
 * a number of seconds or the error that kept it from one.
 */
export interface ProbeShifts {
  /** Shift of the LIST times, in seconds, or why it could not be measured. */
  list: number | Error;
  /** Shift of the MLST times, in seconds, or why not; absent when the server has no MLST. */
  mlst?: number | Error;
}

/**
 * Writes an empty probe file in `dir`, reads its listed time with LIST and
 * (with `mlst`) MLST on a child session whose parser applies no shift,
 * deletes it, and returns the shifts (seconds, rounded to 15 minutes).
 * Independent of any shift already set, unlike ftputil. Throws
 * `TimeShiftError` when the directory is not writable; a reading that fails
 * (a server that refuses MLST, say) is returned as its error.
 *
 * @example
 * ```ts
 * const { list, mlst } = await measureTimeShifts(pool, "/incoming", { mlst: true });
 * ```
 */
export async function measureTimeShifts(
  pool: SessionPool,
  dir: string,
  options: ProbeOptions,
): Promise<ProbeShifts> {
  const now = options.now ?? (() => new Date());
  const random = crypto.getRandomValues(new Uint32Array(1))[0].toString(36);
  const probe = remoteJoin(dir, `_ferry_sync_${random}`);
  const child = await pool.acquire();
  let broken = false;
  try {
    const before = now();
    try {
      const stream = await child.store(probe);
      await stream.close();
    } catch (error) {
      // The server's own words (550 Permission denied, 553 ...) say why.
      const reply = (error as { reply?: { code: number; text: string } }).reply;
      const said = reply
        ? `server replied ${reply.code} ${reply.text}`
        : String((error as Error)?.message ?? error);
      throw new TimeShiftError(
        `cannot write the time shift probe ${probe} (is the directory writable?): ${said}`,
        { cause: error },
      );
    }
    const after = now();
    const shiftOf = async (read: () => Promise<ListEntry | undefined>) => {
      try {
        const entry = await read();
        if (!entry?.mtime) throw new TimeShiftError(`the listing of ${probe} shows no usable time`);
        return timeShiftFromProbe({
          listed: entry.mtime,
          precision: entry.precision,
          before,
          after,
        });
      } catch (error) {
        // A lost session is no reading: the caller's retry makes a new one.
        if (child.closed) throw error;
        return error instanceof Error ? error : new Error(String(error));
      }
    };
    const shift = child.timeShift;
    child.timeShift = 0;
    try {
      const name = `_ferry_sync_${random}`;
      const list = await shiftOf(async () =>
        (await child.list(probe)).find((e) => e.name.endsWith(name))
      );
      const mlst = options.mlst ? await shiftOf(() => child.mlst(probe)) : undefined;
      return mlst === undefined ? { list } : { list, mlst };
    } finally {
      child.timeShift = shift;
      await child.delete(probe).catch((error) => {
        log.warn("could not delete the time shift probe {probe}: {error}", {
          probe,
          error: String(error),
        });
      });
    }
  } catch (error) {
    broken = child.closed;
    throw error;
  } finally {
    pool.release(child, { broken });
  }
}

/**
 * The shift of one listing command measured with a probe file (see
 * {@link measureTimeShifts}): MLST's with `mlst`, else LIST's. Throws
 * `TimeShiftError` (or the server's error) when that reading failed.
 *
 * @example
 * ```ts
 * const shift = await measureTimeShift(pool, "/incoming", { mlst: false });
 * ```
 */
export async function measureTimeShift(
  pool: SessionPool,
  dir: string,
  options: ProbeOptions,
): Promise<number> {
  const shifts = await measureTimeShifts(pool, dir, options);
  const shift = options.mlst ? shifts.mlst! : shifts.list;
  if (shift instanceof Error) throw shift;
  return shift;
}

/** Seconds that LIST and MLSD times are ahead of UTC, as far as known. */
export interface ListingShifts {
  /** Seconds LIST times are ahead of UTC. */
  list?: number;
  /** Seconds MLSD times are ahead of UTC (0 for a server that follows RFC 3659). */
  mlsd?: number;
  /** The server refused MLST on the probe: it lists with LIST, and LIST's shift is the one. */
  mlstRefused?: boolean;
}

/**
 * Shifts as a person reads them: each listing command with its shift as
 * `±HH:MM` (LIST's 0 when not known).
 *
 * @example
 * ```ts
 * describeShifts({ list: 19800, mlsd: 0 });          // "LIST +05:30, MLSD +00:00"
 * describeShifts({ list: 3600, mlstRefused: true }); // "LIST +01:00, MLSD refused"
 * describeShifts({});                                 // "LIST +00:00"
 * ```
 */
export function describeShifts(shifts: ListingShifts): string {
  const parts = [`LIST ${formatTimeShift(shifts.list ?? 0)}`];
  if (shifts.mlsd !== undefined) parts.push(`MLSD ${formatTimeShift(shifts.mlsd)}`);
  else if (shifts.mlstRefused) parts.push("MLSD refused");
  return parts.join(", ");
}

/**
 * What a host does with the shifts it knows: an MLSD shift other than 0 means
 * the server's MLSD shows local time (against RFC 3659), and that shift is the
 * one used for both commands; else LIST's is used and MLSD times are UTC.
 * `mlsdLocalTime` is undefined when nothing about MLSD is known.
 *
 * @example
 * ```ts
 * shiftSettings({ list: 19800, mlsd: 0 });     // { shift: 19800, mlsdLocalTime: false } (Pure-FTPd in +05:30)
 * shiftSettings({ list: 19800, mlsd: 19800 }); // { shift: 19800, mlsdLocalTime: true }  (the UFTPD)
 * shiftSettings({ list: 3600 });               // { shift: 3600, mlsdLocalTime: undefined }
 * ```
 */
export function shiftSettings(
  shifts: ListingShifts,
): { shift: number; mlsdLocalTime: boolean | undefined } {
  const { list, mlsd } = shifts;
  if (mlsd !== undefined && mlsd !== 0) return { shift: mlsd, mlsdLocalTime: true };
  return { shift: list ?? 0, mlsdLocalTime: mlsd === undefined ? undefined : false };
}

/** One remembered measurement. */
export interface TimeShiftRecord {
  /** Seconds; absent when the command was refused. */
  shift?: number;
  /** An MLSD record of a server that refused MLST on the probe. */
  refused?: boolean;
  /** When it was measured (ISO 8601). */
  measured: string;
}

/**
 * Remembered `auto` time shifts, one JSON object keyed by server and
 * listing command (`ftp://user@host:port LIST`, `... MLSD`; see
 * `FtpHost.serverKey`), written atomically. A LIST shift is no MLSD shift:
 * most servers list LIST in local time and MLSD in UTC.
 *
 * @example
 * ```ts
 * const store = TimeShiftStore.inStateDir(".ferry");
 * const known = await store.getShifts("ftp://bob@example.org:21", 12 * 3600_000);
 * if (known.list === undefined) await store.setShifts("ftp://bob@example.org:21", { list: measured });
 * ```
 */
export class TimeShiftStore {
  /** The JSON file the shifts are kept in. */
  readonly file: string;
  readonly #now: () => Date;

  /** Keeps shifts in `file`; `now` stamps entries (tests pass a fixed clock). */
  constructor(file: string, options: { now?: () => Date } = {}) {
    this.file = file;
    this.#now = options.now ?? (() => new Date());
  }

  /**
   * The store file in a state directory: `<dir>/time-shift.json`.
   *
   * @example
   * ```ts
   * TimeShiftStore.inStateDir(".ferry").file; // ".ferry/time-shift.json"
   * ```
   */
  static inStateDir(dir: string): TimeShiftStore {
    return new TimeShiftStore(hostJoin(dir, "time-shift.json"));
  }

  /**
   * A remembered shift younger than `maxAgeMs`, else `undefined`.
   *
   * @example
   * ```ts
   * await store.get("ftp://bob@example.org:21", 3600_000);
   * ```
   */
  async get(key: string, maxAgeMs: number): Promise<number | undefined> {
    const record = (await this.#read())[key];
    if (!record || typeof record.shift !== "number") return undefined;
    return this.#fresh(record, maxAgeMs) ? record.shift : undefined;
  }

  /**
   * Remembers a shift measured now.
   *
   * @example
   * ```ts
   * await store.set("ftp://bob@example.org:21", 19800);
   * ```
   */
  async set(key: string, shift: number): Promise<void> {
    await this.#write(key, { shift, measured: this.#now().toISOString() });
  }

  async #write(key: string, record: TimeShiftRecord): Promise<void> {
    const all = await this.#read();
    all[key] = record;
    await Deno.mkdir(hostDirname(this.file), { recursive: true });
    const temp = `${this.file}.${crypto.randomUUID().slice(0, 8)}.part`;
    await Deno.writeTextFile(temp, JSON.stringify(all, null, 2) + "\n");
    await Deno.rename(temp, this.file);
  }

  /**
   * The remembered shifts of a server, per listing command, younger than
   * `maxAgeMs` (and whether it refused MLST, so that such a server is not
   * probed again on every run).
   *
   * @example
   * ```ts
   * await store.getShifts("ftp://bob@example.org:21", 3600_000); // { list: 19800, mlsd: 0 }
   * ```
   */
  async getShifts(server: string, maxAgeMs: number): Promise<ListingShifts> {
    const list = await this.get(`${server} LIST`, maxAgeMs);
    const mlsd = await this.get(`${server} MLSD`, maxAgeMs);
    const record = (await this.#read())[`${server} MLSD`];
    const refused = record?.refused === true && this.#fresh(record, maxAgeMs);
    return {
      ...(list === undefined ? {} : { list }),
      ...(mlsd === undefined ? {} : { mlsd }),
      ...(refused ? { mlstRefused: true } : {}),
    };
  }

  /**
   * Remembers the shifts measured now, each under its listing command.
   *
   * @example
   * ```ts
   * await store.setShifts("ftp://bob@example.org:21", { list: 19800, mlsd: 0 });
   * ```
   */
  async setShifts(server: string, shifts: ListingShifts): Promise<void> {
    if (shifts.list !== undefined) await this.set(`${server} LIST`, shifts.list);
    if (shifts.mlsd !== undefined) await this.set(`${server} MLSD`, shifts.mlsd);
    else if (shifts.mlstRefused) {
      await this.#write(`${server} MLSD`, { refused: true, measured: this.#now().toISOString() });
    }
  }

  #fresh(record: TimeShiftRecord, maxAgeMs: number): boolean {
    const age = this.#now().getTime() - Date.parse(record.measured);
    return age >= 0 && age <= maxAgeMs;
  }

  async #read(): Promise<Record<string, TimeShiftRecord>> {
    try {
      const data = JSON.parse(await Deno.readTextFile(this.file));
      return data && typeof data === "object" ? data : {};
    } catch (error) {
      if (!(error instanceof Deno.errors.NotFound)) {
        log.warn("ignoring unreadable {file}: {error}", { file: this.file, error: String(error) });
      }
      return {};
    }
  }
}

/**
 * What the time-shift code works with of an `FtpHost` (which hands it over):
 * its pool (the probe's sessions, `mlsdLocalTime`), cache, options and the
 * few methods below.
 */
export interface ShiftingHost {
  readonly pool: SessionPool;
  readonly statCache: { invalidate(path: string): void; clear(): void };
  readonly options: Pick<
    FtpHostOptions,
    "stateDir" | "timeShiftMaxAgeMs" | "timeShiftProbe" | "probeDir"
  >;
  /** The host's current directory. */
  readonly cwd: string;
  /** An absolute path from the host's current directory. */
  abs(path: string): string;
  usesMlsd(): Promise<boolean>;
  /** `StatReader.mlsdRefused`: whether `error` says MLSD/MLST is refused (then LIST). */
  mlsdRefused(
    error: unknown,
    path: string,
    listWorksThere: () => Promise<boolean>,
  ): Promise<boolean>;
  setTimeShift(seconds: number): void;
  serverKey(): string;
}

/**
 * The probe's shifts for the listing commands in use: LIST's (when it could
 * be read) and, under MLSD, MLST's. An MLST the server refuses switches the
 * host to LIST, and LIST's shift must then be there.
 */
export async function measureHostShifts(
  host: ShiftingHost,
  dir: string,
): Promise<ListingShifts> {
  const mlsd = await host.usesMlsd();
  const probe = await measureTimeShifts(host.pool, dir, { mlst: mlsd });
  host.statCache.invalidate(dir);
  let mlst = probe.mlst;
  // The probe exists: a 550 to its MLST where LIST showed it refuses the command.
  const listed = !(probe.list instanceof Error) || probe.list instanceof TimeShiftError;
  if (
    mlst instanceof Error &&
    await host.mlsdRefused(mlst, dir, () => Promise.resolve(listed))
  ) {
    mlst = undefined;
  }
  if (mlst instanceof Error) throw mlst;
  if (mlst === undefined && probe.list instanceof Error) throw probe.list;
  return {
    ...(probe.list instanceof Error ? {} : { list: probe.list }),
    ...(mlst === undefined ? {} : { mlsd: mlst }),
    ...(mlsd && mlst === undefined ? { mlstRefused: true } : {}),
  };
}

/** Applies measured or remembered shifts (see `shiftSettings`). */
export function useShifts(host: ShiftingHost, shifts: ListingShifts): void {
  const { shift, mlsdLocalTime } = shiftSettings(shifts);
  const key = host.serverKey();
  if (mlsdLocalTime && !host.pool.mlsdLocalTime) {
    hostLog.info("MLSD times of {key} are local time ({mlsd}), against RFC 3659", {
      key,
      mlsd: `MLSD ${formatTimeShift(shift)}`,
      seconds: shift,
    });
  }
  if (mlsdLocalTime && shifts.list !== undefined && shifts.list !== shift) {
    hostLog.warn("LIST and MLSD times of {key} are in different zones ({shifts})", {
      key,
      shifts: describeShifts({ list: shifts.list, mlsd: shift }),
      seconds: { list: shifts.list, mlsd: shift },
    });
  }
  if (mlsdLocalTime !== undefined && mlsdLocalTime !== host.pool.mlsdLocalTime) {
    host.pool.mlsdLocalTime = mlsdLocalTime;
    host.statCache.clear();
  }
  host.setTimeShift(shift);
}

/**
 * The probe's shifts measured in the probe directory (an endpoint's own: the
 * directory it lists or mirrors), else, when the server refuses the probe
 * there, in the login directory (the one place of old); the first refusal is
 * the one told when neither takes it. A chrooted vsftpd wants its login root
 * unwritable (`allow_writeable_chroot=NO`) while the directories below are not.
 */
async function measureWhereWritable(host: ShiftingHost): Promise<ListingShifts> {
  const dir = host.abs(host.options.probeDir ?? host.cwd);
  try {
    return await measureHostShifts(host, dir);
  } catch (error) {
    if (!(error instanceof TimeShiftError) || dir === host.cwd) throw error;
    hostLog.debug("time shift probe refused in {dir} ({error}); trying {cwd}", {
      dir,
      error: error.message,
      cwd: host.cwd,
    });
    return await measureHostShifts(host, host.cwd).catch((again) => {
      throw again instanceof TimeShiftError ? error : again;
    });
  }
}

/**
 * A host's `timeShift: "auto"`: the shifts remembered for this server when
 * they are fresh, else measured with a probe (and remembered), else (a dry
 * run, or no probe possible) any remembered ones however old, with a warning.
 */
export async function applyAutoTimeShift(host: ShiftingHost): Promise<void> {
  const store = TimeShiftStore.inStateDir(host.options.stateDir ?? ".ferry");
  const key = host.serverKey();
  const remembered = (maxAge: number) =>
    store.getShifts(key, maxAge).catch((): ListingShifts => ({}));
  const known = await remembered(host.options.timeShiftMaxAgeMs ?? 12 * 3600_000);
  const mlsd = await host.usesMlsd();
  // A server that refused MLST last time lists with LIST (the reader finds
  // that out again on its first MLSD): its LIST shift is enough.
  const mlsdKnown = known.mlsd !== undefined || (known.mlstRefused && known.list !== undefined);
  if (mlsd ? mlsdKnown : known.list !== undefined) {
    return useShifts(host, mlsd && known.mlsd !== undefined ? known : { list: known.list });
  }
  // Any remembered shift, however old, when it cannot be measured now.
  const fallback = async () => {
    const stale = await remembered(Number.POSITIVE_INFINITY);
    return mlsd && stale.mlsd !== undefined ? stale : { list: stale.list };
  };
  if (host.options.timeShiftProbe === false) {
    // A dry run changes nothing on the server, and the probe is a file.
    const usable = await fallback();
    hostLog.warn(
      "time shift of {key} not measured in a dry run (its probe writes a file); planning with {shifts}",
      { key, shifts: describeShifts(usable), seconds: usable },
    );
    return useShifts(host, usable);
  }
  try {
    const shifts = await measureWhereWritable(host);
    await useShifts(host, shifts);
    await store.setShifts(key, shifts).catch((error) => {
      hostLog.warn("cannot remember the time shift in {file}: {error}", {
        file: store.file,
        error: String(error),
      });
    });
    hostLog.info("time shift of {key} measured: {shifts}", {
      key,
      shifts: describeShifts(shifts),
      seconds: shifts,
    });
  } catch (error) {
    if (!(error instanceof TimeShiftError)) throw error;
    const usable = await fallback();
    hostLog.warn("cannot measure the time shift of {key}: {error}; using {shifts}", {
      key,
      error: error.message,
      shifts: describeShifts(usable),
      seconds: usable,
    });
    await useShifts(host, usable);
  }
}
