/**
 * The four real FTP servers a CLI or sync test runs against in turn, each
 * with its default configuration (Pure-FTPd showing dot files, so a
 * temporary file left behind is seen).
 * @module
 */
import { startProftpd } from "./proftpd.ts";
import { startPureFtpd } from "./pureftpd.ts";
import { startPyftpdlib } from "./pyftpdlib.ts";
import type { FtpPeer } from "./types.ts";
import { startVsftpd } from "./vsftpd.ts";

/** A peer's name as `peerTest` takes it, and how to start it. */
export type PeerStarter = [FtpPeer["kind"], () => Promise<FtpPeer>];

/**
 * vsftpd, ProFTPD, Pure-FTPd (`-D`) and pyftpdlib.
 *
 * @example
 * ```ts
 * for (const [name, start] of EVERY_PEER) {
 *   peerTest(`get on ${name}`, [name], async () => { await using peer = await start(); });
 * }
 * ```
 */
export const EVERY_PEER: readonly PeerStarter[] = [
  ["vsftpd", () => startVsftpd()],
  ["proftpd", () => startProftpd()],
  ["pureftpd", () => startPureFtpd({ displayDotFiles: true })],
  ["pyftpdlib", () => startPyftpdlib()],
];
