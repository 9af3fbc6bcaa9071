/**
 * What a head start hands on (cli/head_start.ts), apart from the code that
 * makes one: the CLI context holds one without importing that code (no
 * import circle through cli/quick.ts).
 * @module
 */
import type { FtpClient } from "../ftp/client.ts";

/** A session made ahead for one URL. */
export interface HeadSession {
  client: FtpClient;
  /** The user it logged in as with the URL's password; undefined: connected only. */
  user?: string;
  password?: string;
}

/** A session opened before the command runs (see the module notes). */
export interface HeadStart {
  /** The URL it was opened for. */
  readonly url: string;
  /**
   * Settles when the login is written (the server checks the password while
   * the rest loads), or nothing will be: what the caller loads after this
   * overlaps the server's slowest step.
   */
  readonly started: Promise<void>;
  /**
   * The session, once, for the URL it was made for; else undefined. Resolves
   * to undefined when the head start gave up before writing anything (a
   * refused connection, an odd welcome): the usual path then connects and
   * says what is wrong in its own words.
   */
  take(url: string): Promise<HeadSession | undefined> | undefined;
  /** Closes the session unless it was taken. */
  dispose(): Promise<void>;
}
