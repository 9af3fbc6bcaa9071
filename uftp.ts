/**
 * UFTP (UNICORE FTP) as a library: `uftp://` endpoints, UNICORE authentication,
 * and a self-hosted UFTP site (a UFTPD and an HTTPS auth service). The default
 * export is the plugin that adds all of this to a registry.
 *
 * @example Open a UFTP endpoint
 * ```ts ignore
 * import { UftpEndpoint } from "./uftp.ts";
 *
 * const ep = await UftpEndpoint.open("uftp://demouser:test123@localhost:9000/rest/auth/TEST:/data");
 * console.log(await ep.list(""));
 * await ep.close();
 * ```
 * @module
 */
export * from "./plugins/uftp/mod.ts";
export { default } from "./plugins/uftp/mod.ts";

// The types the names above mention (deno doc links them; not an API of their own): the
// list every entry point shares, then this one's own.
export type * from "./workflow/mentions/plugins.ts";
export type * from "./endpoint/mentions.ts";
export type { OpenOptions, WriteMode } from "./endpoint/ftp/file.ts";
export type { FtpHost, HostPath } from "./endpoint/ftp/host.ts";
export type { CacheLookup, CacheTicket, Overtaken, StatCache } from "./endpoint/ftp/stat_cache.ts";
export type { FtpClient, RawControl } from "./ftp/client.ts";
export type {
  RmtreeOperation,
  RmtreeOptions,
  WalkEntry,
  WalkOptions,
} from "./endpoint/ftp/tree.ts";
export type { TransferOptions } from "./ftp/client.ts";
export type { Listing, SkippedLine } from "./ftp/listing/index.ts";
export type { StatListing } from "./ftp/stat_listing.ts";
export type { DelegatingEndpoint } from "./endpoint/delegating.ts";
export type { FtpEndpoint } from "./endpoint/ftp/endpoint.ts";
export type { SessionFactory, SessionHints } from "./endpoint/ftp/session.ts";
export type { TransferProgress } from "./endpoint/ftp/transfer.ts";
export type { ListEntry } from "./ftp/listing/types.ts";
export type { Reply } from "./ftp/reply_shape.ts";
export type { Identity } from "./plugins/uftp/authserver/users.ts";
export type { LoginVerdict } from "./plugins/uftp/uftpd/jobs.ts";
