/**
 * The FTP host and endpoint (ftputil's ideas): a pool of sessions, a stat cache
 * that forgets what the host itself changed, the server's time shift (set,
 * measured by a probe file, stored), mtime precision from the listing format,
 * and tree walks and removal done on the host.
 *
 * @example Open a host and stat a file
 * ```ts ignore
 * import { FtpHost } from "./host.ts";
 *
 * const host = await FtpHost.connect({ host: "127.0.0.1", port: 2121 });
 * console.log(await host.stat("/pub/README"));
 * await host.close();
 * ```
 * @module
 */
export { FtpHost, type FtpHostOptions, type HostPath } from "./endpoint/ftp/host.ts";
export { FtpEndpoint } from "./endpoint/ftp/endpoint.ts";
export type { FtpEndpointExtras, FtpEndpointOptions } from "./endpoint/ftp/endpoint_options.ts";
export { InaccessibleLoginDirError } from "./endpoint/ftp/errors.ts";
export {
  type SessionFactory,
  sessionFactory,
  type SessionHints,
  type SessionOptions,
} from "./endpoint/ftp/session.ts";
export { isSessionLost, type PoolOptions, SessionPool } from "./endpoint/ftp/pool.ts";
export { entryToStat, type ListingChoice } from "./endpoint/ftp/stat.ts";
export type { OpenOptions, ReadMode, WriteMode } from "./endpoint/ftp/file.ts";
export type {
  RmtreeOperation as HostRmtreeOperation,
  RmtreeOptions as HostRmtreeOptions,
  TreeHost,
  WalkEntry as HostWalkEntry,
  WalkOptions as HostWalkOptions,
} from "./endpoint/ftp/tree.ts";
export { type TransferProgress } from "./endpoint/ftp/transfer.ts";
export * from "./endpoint/ftp/stat_cache.ts";
export * from "./endpoint/ftp/time_shift.ts";
export * from "./endpoint/mtime.ts";
export * from "./endpoint/lru.ts";
// What a session factory makes and may throw, and the MLST parser, for a plugin that makes its
// own sessions (plugins/uftp) without `./ftp`'s TLS helpers: those load node:tls, node:crypto
// and node:net, ~20 ms of a process's start-up, where a session never uses TLS.
export { FtpClient } from "./ftp/client.ts";
export {
  CommandNotImplementedError,
  errorForReply,
  FtpConnectionError,
  FtpPermanentError,
  FtpTimeoutError,
} from "./ftp/errors.ts";
export { parseMlstReply } from "./ftp/listing/mlsd.ts";
export {
  type ListingShifts,
  measureTimeShift,
  measureTimeShifts,
  type ProbeOptions,
  type ProbeShifts,
  shiftSettings,
  type TimeShiftRecord,
  TimeShiftStore,
} from "./endpoint/ftp/time_sync.ts";

// The types the names above mention (deno doc links them; not an API of their own): the
// endpoint contract's list, then this one's own.
export type * from "./endpoint/mentions.ts";
export type { FtpClientOptions, RawControl, TlsMode } from "./ftp/client.ts";
export type { ListEntry, ListingParser, ParseContext } from "./ftp/listing/types.ts";
export type { Reply } from "./ftp/reply_shape.ts";
export type { FtpEncoding } from "./ftp/socket.ts";
export type { FtpError } from "./ftp/errors.ts";
export type { TlsOptions } from "./ftp/tls.ts";
export type { TransferOptions } from "./ftp/client.ts";
export type { Listing, SkippedLine } from "./ftp/listing/index.ts";
export type { StatListing } from "./ftp/stat_listing.ts";
