/**
 * A head start for `ferry get`/`put` of a plain `ftp://` URL: the control
 * connection is opened, and with the URL's user and password logged in, while
 * the rest of the CLI (commander, logging, the registry) is still loading.
 * A server spends most of a login checking the password (vsftpd: ~40 ms of
 * yescrypt on loopback), which the start-up then no longer adds to.
 *
 * Only an argument list whose outcome is known before parsing gets one: the
 * command, its positionals, and flags that change neither the connection, the
 * credentials nor the logging (see {@link headStartUrl}); anything else takes
 * the usual path. `connectFtp` takes the session ({@link HeadStart.take}) and
 * checks it was made as it would make it; one not taken is closed.
 * @module
 */
import type { FtpClient } from "../ftp/client.ts";
import { late } from "./late.ts";
import { quickCommand } from "./quick.ts";

/**
 * The `ftp://` URL a `get`/`put` argument list will connect to, when nothing
 * else in it can change how: a list cli/quick.ts takes by hand (its flags
 * touch neither the connection nor the logging, and `--no-netrc` only keeps
 * the URL's credentials), else undefined (the usual path).
 *
 * @example
 * ```ts
 * headStartUrl(["put", "-q", "a.bin", "ftp://u:pw@h/a.bin"]); // "ftp://u:pw@h/a.bin"
 * headStartUrl(["get", "--tls", "require", "ftp://h/a"]);     // undefined
 * ```
 */
export function headStartUrl(args: readonly string[]): string | undefined {
  const quick = quickCommand(args);
  if (!quick) return undefined;
  const url = quick.positionals[quick.name === "get" ? 0 : 1];
  return /^ftp:\/\//i.test(url) ? url : undefined;
}

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
   * Settles when the server is checking the password (or the session is made,
   * or failed): what loads after that overlaps the server's slowest step.
   */
  readonly started: Promise<void>;
  /** The session, once, for the URL it was made for; else undefined. */
  take(url: string): Promise<HeadSession> | undefined;
  /** Closes the session unless it was taken. */
  dispose(): Promise<void>;
}

/**
 * Starts connecting (and logging in with the URL's credentials) to `url`.
 * Failures are kept for {@link HeadStart.take}'s caller, who would have met
 * them connecting itself.
 *
 * @example
 * ```ts
 * const head = startHead("ftp://u:pw@127.0.0.1:2121/a.bin");
 * const session = head.take("ftp://u:pw@127.0.0.1:2121/a.bin");
 * ```
 */
export function startHead(url: string): HeadStart {
  const modules = Promise.all([
    late<typeof import("../ftp/client.ts")>(import.meta.url, "../ftp/client.ts"),
    late<typeof import("../ftp/url.ts")>(import.meta.url, "../ftp/url.ts"),
  ]);
  let passwordSent!: () => void;
  const waiting = new Promise<void>((resolve) => passwordSent = resolve);
  const session = (async (): Promise<HeadSession> => {
    const [{ FtpClient }, { parseFtpUrl }] = await modules;
    const parsed = parseFtpUrl(url);
    const client = await FtpClient.connect({ host: parsed.host, port: parsed.port, tls: "none" });
    const { user, password } = parsed;
    if (user === undefined || password === undefined) return { client };
    try {
      await client.login(user, password, undefined, passwordSent);
    } catch (error) {
      client.close();
      throw error;
    }
    return { client, user, password };
  })();
  session.catch(() => {}); // met by the taker, or dropped by dispose
  let taken = false;
  return {
    url,
    started: Promise.race([waiting, session.then(() => {}, () => {})]),
    take(asked) {
      if (taken || asked !== url) return undefined;
      taken = true;
      return session;
    },
    async dispose() {
      if (taken) return;
      taken = true;
      const made = await session.catch(() => undefined);
      made?.client.close();
    },
  };
}
