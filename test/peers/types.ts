/**
 * What every real FTP server started by a test looks like to that test.
 * @module
 */

/** A running FTP server peer. Stop it with `stop()` or `await using`. */
export interface FtpPeer extends AsyncDisposable {
  kind: "pyftpdlib" | "vsftpd" | "proftpd" | "pureftpd";
  host: "127.0.0.1";
  /** The control port (for implicit TLS: the port that speaks TLS from the first byte). */
  port: number;
  user: string;
  password: string;
  /** The local directory the server serves as "/" (a temp dir unless the test gave one). */
  root: string;
  /** PEM of the CA that signed the server certificate, when TLS is on. */
  caPem?: string;
  /** Kills the server, waits for its exit, removes the temp dirs it made. Idempotent. */
  stop(): Promise<void>;
  /** Captured stdout/stderr (and the server's own log file, if any), for diagnostics. */
  log(): string;
}
