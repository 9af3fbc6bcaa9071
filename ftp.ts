/**
 * The FTP wire client (ftplib-like): one control connection, replies, passive and
 * active data channels, explicit and implicit TLS, and the listing parsers (MLSD,
 * Unix and MS-DOS LIST). Most programs want the `./host` or `.` entry points
 * instead; this one is for talking FTP command by command.
 *
 * @example List a directory
 * ```ts ignore
 * import { FtpClient } from "./ftp.ts";
 *
 * const ftp = await FtpClient.connect({ host: "127.0.0.1", port: 2121 });
 * await ftp.login();
 * console.log(await ftp.nlst());
 * await ftp.quit();
 * ```
 * @module
 */
export {
  FtpClient,
  type FtpClientOptions,
  type RawControl,
  type TransferOptions,
} from "./ftp/client.ts";
export type { Reply } from "./ftp/reply.ts";
export {
  CommandNotImplementedError,
  errorForReply,
  FtpConnectionError,
  FtpError,
  FtpPermanentError,
  FtpProtocolError,
  FtpTemporaryError,
  FtpTimeoutError,
} from "./ftp/errors.ts";
export { type StatListing, StatListingError, type StatListingFault } from "./ftp/stat_listing.ts";
export * from "./ftp/tls.ts";
export * from "./ftp/listing/types.ts";
export * from "./ftp/listing/index.ts";

// The types the names above mention (deno doc links them; not an API of their own).
export type { TlsMode } from "./ftp/client.ts";
export type { FtpEncoding } from "./ftp/socket.ts";
export type { FerryError } from "./util/errors.ts";
export type { ReadSource } from "./util/files.ts";
