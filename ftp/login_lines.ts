/**
 * What a pipelined login writes, and to which servers: kept apart from the
 * client (and from node:net) so that a caller that opened the connection
 * itself (the CLI's head start, cli/head_start.ts) writes exactly the lines
 * the client would, before the client is even loaded.
 * @module
 */

/**
 * Whether a server, by its welcome, takes USER, PASS and the commands after
 * them in one write (vsftpd, ProFTPD and Pure-FTPd do; pyftpdlib answers FEAT
 * before a held-back 530).
 *
 * @example
 * ```ts
 * welcomePipelinesLogin("(vsFTPd 3.0.3)"); // true
 * welcomePipelinesLogin("pyftpdlib 1.5.10 ready."); // false
 * ```
 */
export function welcomePipelinesLogin(welcome: string): boolean {
  return /vsftpd|ProFTPD|Pure-FTPd/i.test(welcome);
}

/**
 * Whether a server, by its welcome, takes an upload's bytes that reach it
 * before the STOR (`FtpClientOptions.writeAhead`). pyftpdlib does not: it
 * closes a data connection that is readable before a command set it up,
 * answers the STOR's 150 and waits for another connection, so the upload
 * stalls whenever the control path is the slower (a proxy, a far server).
 *
 * @example
 * ```ts
 * welcomeTakesEarlyData("(vsFTPd 3.0.3)"); // true
 * welcomeTakesEarlyData("pyftpdlib 1.5.7 ready."); // false
 * ```
 */
export function welcomeTakesEarlyData(welcome: string): boolean {
  return !/pyftpdlib/i.test(welcome);
}

/** What decides the commands sent after USER and PASS. */
export interface LoginLineOptions {
  /** The control connection is under TLS: PBSZ 0 and PROT follow. */
  secure: boolean;
  /** PROT level under TLS. */
  level: "P" | "C";
  /**
   * UTF-8 names wanted: FEAT and OPTS UTF8 ON (OPTS alone when the features
   * are known, and only when they offer UTF8). Sent before the features are
   * known, OPTS UTF8 ON may be refused: that refusal is passed over.
   */
  utf8: boolean;
  /** The server's features when already known (another session's FEAT). */
  features?: ReadonlyMap<string, string>;
  /** PWD too: its answer is the login directory (`FtpClient.pwd` needs no round trip). */
  pwd?: boolean;
  /**
   * TYPE and EPSV last (plain passive sessions only): the passive port is
   * kept for the session's first transfer, in that type (a listing: `A`),
   * which then connects at once instead of asking.
   */
  portAhead?: "A" | "I";
}

/**
 * The commands a pipelined login sends after USER and PASS.
 *
 * @example
 * ```ts
 * loginAfterLines({ secure: false, level: "P", utf8: true }); // ["FEAT", "OPTS UTF8 ON"]
 * loginAfterLines({ secure: false, level: "P", utf8: true, pwd: true, portAhead: "A" });
 * // ["FEAT", "OPTS UTF8 ON", "PWD", "TYPE A", "EPSV"]
 * ```
 */
export function loginAfterLines(options: LoginLineOptions): string[] {
  const { secure, level, utf8, features, pwd, portAhead } = options;
  return [
    ...(secure ? ["PBSZ 0", `PROT ${level}`] : []),
    ...(features ? [] : utf8 ? ["FEAT"] : []),
    ...(utf8 && (!features || features.has("UTF8")) ? ["OPTS UTF8 ON"] : []),
    ...(pwd ? ["PWD"] : []),
    ...(portAhead && !secure ? [`TYPE ${portAhead}`, "EPSV"] : []),
  ];
}

/**
 * Every line of a pipelined login, in the order written.
 *
 * @example
 * ```ts
 * pipelinedLoginLines("bob", "pw", { secure: false, level: "P", utf8: true });
 * // ["USER bob", "PASS pw", "FEAT", "OPTS UTF8 ON"]
 * ```
 */
export function pipelinedLoginLines(
  user: string,
  password: string,
  options: LoginLineOptions,
): string[] {
  return [`USER ${user}`, `PASS ${password}`, ...loginAfterLines(options)];
}
