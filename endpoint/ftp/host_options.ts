/**
 * The options of an {@link FtpHost} (`FtpHost.connect`): its sessions, pool,
 * stat cache, time shift and keep-alive. Types only.
 * @module
 */
import type { SessionFactory, SessionOptions } from "./session.ts";
import type { StatCacheOptions } from "./stat_cache.ts";
import type { ListingChoice } from "./stat.ts";

/** Options of {@link FtpHost.connect}. */
export interface FtpHostOptions extends Omit<SessionOptions, "timeShift">, ListingChoice {
  /** Make sessions with this instead of connecting with the options above. */
  sessionFactory?: SessionFactory;
  /** Most child sessions (open files) at once. Default 4. */
  maxChildren?: number;
  /** Lend the main session as one more when the children are all out (see `PoolOptions`). */
  lendMain?: boolean;
  /** Wait for a near server's answer to QUIT when closing (see `PoolOptions`). Default true. */
  awaitQuit?: boolean;
  /** Stat cache settings (size, maxAge in ms, disabled). */
  statCache?: StatCacheOptions;
  /**
   * Seconds (or `"+HH:MM"`) the server's LIST times are ahead of UTC (MLSD
   * times too with `mlsdLocalTime`; RFC 3659 makes them UTC), or `"auto"`:
   * measure with a probe file once per listing command and remember it (see
   * `stateDir`); a server whose MLSD shows local time is then found by itself.
   * Default 0 (the server lists in UTC).
   */
  timeShift?: number | string;
  /** Where `auto` time shifts are remembered. Default `.ferry`. */
  stateDir?: string;
  /** How long a remembered time shift is trusted (ms). Default 12 h (DST changes it). */
  timeShiftMaxAgeMs?: number;
  /**
   * Directory for the time shift probe (relative ones from the login directory). Default: the
   * login directory; `auto` tries the login directory too when the server refuses it here.
   */
  probeDir?: string;
  /**
   * Whether `auto` may write its probe file (default true). Without it (a dry
   * run) a remembered shift of any age is used, else 0, with a warning.
   */
  timeShiftProbe?: boolean;
  /** Send NOOP on idle sessions this often (ms); 0 = off (default). */
  keepAliveMs?: number;
  /**
   * How mtimes are set: MFMT (RFC draft, UTC), vsftpd's two-argument MDTM
   * (server-local time), or not at all. Default `auto`: MFMT when offered, else
   * MDTM when the banner names vsftpd.
   */
  setMtime?: "auto" | "mfmt" | "mdtm" | "none";
}
