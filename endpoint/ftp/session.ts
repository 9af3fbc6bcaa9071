/**
 * Making sessions: ftputil's `session_factory` as a function that returns a
 * function. Everything above it only calls the factory, so tests can inject
 * their own and the host never knows how a connection was made.
 * @module
 */
import { FtpClient, type FtpClientOptions } from "../../ftp/client.ts";
import { takeAhead } from "../../ftp/head_sessions.ts";

/**
 * What other sessions to the same server learned, so a new one need not ask
 * again (`FtpClientOptions.features`, `epsvWorks`); a factory may ignore them.
 */
export interface SessionHints {
  /** FEAT as another session to the same server answered it: not asked again. */
  features?: ReadonlyMap<string, string>;
  /** EPSV worked on another session: the first transfer pipelines it. */
  epsvWorks?: boolean;
  /** Another session's server dropped an upload's bytes sent before its 150. */
  writeAhead?: false;
}

/** Makes one logged-in session. */
export type SessionFactory = (hints?: SessionHints) => Promise<FtpClient>;

/** Where and how to connect and log in. */
export interface SessionOptions extends FtpClientOptions {
  /** Default `anonymous`. */
  user?: string;
  /** Default `anonymous@`. */
  password?: string;
  /** ACCT argument, for the few servers that ask for an account after PASS. */
  account?: string;
}

/**
 * A factory that connects (plain, explicit or implicit TLS) and logs in.
 *
 * @example
 * ```ts
 * const factory = sessionFactory({ host: "127.0.0.1", port: 2121, user: "bob", password: "pw" });
 * const client = await factory();
 * ```
 */
export function sessionFactory(options: SessionOptions): SessionFactory {
  return async (hints = {}) => {
    const client = await takeOpenedAhead(options, hints) ??
      await FtpClient.connect({ ...options, ...hints });
    try {
      await client.login(options.user, options.password, options.account);
      return client;
    } catch (error) {
      client.close();
      throw error;
    }
  };
}

/**
 * The connection the CLI opened ahead for this very session (ftp/head_sessions.ts),
 * as a client with these options: plain, no source address, the same user and
 * password. One offered for this server that does not fit is closed (never a
 * session more than the pool counts).
 */
async function takeOpenedAhead(
  options: SessionOptions,
  hints: SessionHints,
): Promise<FtpClient | undefined> {
  const { host, port } = options;
  const user = options.user ?? "anonymous";
  const password = options.password ?? "anonymous@";
  const ahead = await takeAhead({ host, port, user, password });
  if (!ahead) return undefined;
  if ((options.tls ?? "none") !== "none" || options.sourceAddress) {
    try {
      ahead.conn.close();
    } catch {
      // closed already
    }
    return undefined;
  }
  return FtpClient.adopt(ahead.conn, ahead, { ...options, ...hints });
}
