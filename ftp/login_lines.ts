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

/** What decides the commands sent after USER and PASS. */
export interface LoginLineOptions {
  /** The control connection is under TLS: PBSZ 0 and PROT follow. */
  secure: boolean;
  /** PROT level under TLS. */
  level: "P" | "C";
  /** UTF-8 names wanted: FEAT (or OPTS UTF8 ON when the features are known). */
  utf8: boolean;
  /** The server's features when already known (another session's FEAT). */
  features?: ReadonlyMap<string, string>;
}

/**
 * The commands a pipelined login sends after USER and PASS.
 *
 * @example
 * ```ts
 * loginAfterLines({ secure: false, level: "P", utf8: true }); // ["FEAT"]
 * ```
 */
export function loginAfterLines(options: LoginLineOptions): string[] {
  const { secure, level, utf8, features } = options;
  return [
    ...(secure ? ["PBSZ 0", `PROT ${level}`] : []),
    ...(!utf8 ? [] : features ? (features.has("UTF8") ? ["OPTS UTF8 ON"] : []) : ["FEAT"]),
  ];
}

/**
 * Every line of a pipelined login, in the order written.
 *
 * @example
 * ```ts
 * pipelinedLoginLines("bob", "pw", { secure: false, level: "P", utf8: true });
 * // ["USER bob", "PASS pw", "FEAT"]
 * ```
 */
export function pipelinedLoginLines(
  user: string,
  password: string,
  options: LoginLineOptions,
): string[] {
  return [`USER ${user}`, `PASS ${password}`, ...loginAfterLines(options)];
}
