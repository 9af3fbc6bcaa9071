/**
 * Making UFTP sessions: authenticate at the auth server, connect to the UFTPD
 * it names, log in as `anonymous` with the one-time secret (nothing is sent
 * before the login: UFTPD drops a client that sends FEAT or AUTH first), refuse
 * sessions ferry cannot serve (encrypted ones), and speak UFTPD's dialect.
 * A factory makes a freshly authenticated session each time (a non-persistent
 * secret allows one session), or, with `persistent`, reuses one secret while
 * the UFTPD still knows it.
 * @module
 */
import {
  FtpClient,
  FtpConnectionError,
  FtpPermanentError,
  type Reply,
  type SessionFactory,
} from "../../host.ts";
import { logger } from "../../plugin_base.ts";
import { type AuthClientOptions, authenticate } from "./auth_client.ts";
import type { AuthRequestOptions, UftpGrant } from "./auth_messages.ts";
import type { UftpCredential } from "./auth_header.ts";
import { relativePath, uftpDialect } from "./dialect.ts";
import { UftpBaseDirError, UftpProtocolError, UftpUnsupportedError } from "./errors.ts";
import { rememberTimeProbe, TIME_PROBE } from "./time.ts";

const log = logger("uftp", "session");

/** Everything a session needs. */
export interface UftpSessionOptions extends AuthClientOptions {
  /** `https://.../rest/auth/NAME`. */
  authUrl: string;
  /** The server name (`/rest/auth/NAME`). */
  serverName: string;
  /** What to authenticate with. */
  credential: UftpCredential;
  /** What the auth request asks for (base directory, persistent, group, client). */
  request: AuthRequestOptions;
  /** Parallel streams per transfer (default 1). */
  streams?: number;
  /** Deadline of every FTP wait, ms (default 30 s). */
  ftpTimeoutMs?: number;
  /** Told every one-time secret before it is used (e.g. a workflow's `Secrets`, to mask it). */
  onSecret?: (secret: string) => void;
}

/**
 * Logs in to a UFTPD with a grant and checks the session: an encrypted one
 * (FEAT `CRYPTED-...`) is refused cleanly, as ferry does not implement UFTP
 * encryption. `features`: FEAT as an earlier session of the same kind on the
 * same UFTPD answered it, not asked again (each FEAT costs UFTPD's multi-line
 * reply delay, ~40 ms); when FEAT is asked, the time-shift probe goes in its
 * write (`measureUftpTimeShift` then needs no round trip). `onPasswordSent`:
 * told when PASS has left (the UFTPD checks the secret and forks the session
 * meanwhile, ~30 ms), or the login failed. `statAhead`: a path (under the
 * base directory) whose MLST, with TYPE I, goes in that write too (a one-file
 * `get`): the session's first stat of it and its first download then ask
 * nothing more (see `FtpClientOptions.featuresAhead`). `baseDir`: the
 * session's base directory, named in the error when the UFTPD closes the
 * session right after its 230 (it could not enter that directory).
 *
 * @example
 * ```ts
 * const client = await openUftpSession(grant, { streams: 1 });
 * ```
 */
export async function openUftpSession(
  grant: UftpGrant,
  options: {
    streams?: number;
    timeoutMs?: number;
    features?: ReadonlyMap<string, string>;
    onPasswordSent?: () => void;
    statAhead?: string;
    baseDir?: string;
  } = {},
): Promise<FtpClient> {
  let probe: Reply[] | undefined;
  // Read-only lines (UFTPD's TYPE only names the mode), as the dialect writes them. Not
  // EPSV: UFTPD answers it and then waits in accept(), reading no command until the data
  // connection comes.
  const stat = options.statAhead === undefined
    ? []
    : [`MLST ${relativePath(options.statAhead)}`, "TYPE I"];
  const client = await FtpClient.connect({
    // A first session's time-shift probe, read-only, in the login's FEAT write.
    featuresAhead: {
      lines: [...TIME_PROBE, ...stat],
      onReplies: (replies) => probe = replies.slice(0, TIME_PROBE.length),
    },
    host: grant.serverHost,
    port: grant.serverPort,
    timeoutMs: options.timeoutMs ?? 30_000,
    epsv: true,
    // UFTPD answers every EPSV 229 (its data channels are EPSV/PASV only) and reads the
    // next command once the data connection came: the first download's EPSV and RETR
    // go in one write (ftp/data.ts openPipelined), a round trip less before the data.
    epsvWorks: true,
    features: options.features,
    // UFTPD writes each reply line on its own and skips empty lines: see nudgeAcks.
    nudgeAcks: true,
    // USER, PASS, FEAT and the probe in one write: UFTPD reads the login through a
    // buffered reader and forks the session with it, lines behind PASS included (its
    // session reads them next), so FEAT is answered right behind the 230 instead of a
    // round trip after it (and USER's 331 is not waited for).
    pipelineLogin: true,
    // Plain, never TLS: on Deno.connect, without Node's socket layer.
    nativeControl: true,
  });
  try {
    await client.login("anonymous", grant.secret, "", options.onPasswordSent).catch((error) => {
      // The UFTPD says 230 before it enters the base directory, and drops the session
      // when it cannot (its log: "No such directory"); the client gets no reply to say so.
      if (client.loggedIn && error instanceof FtpConnectionError && options.baseDir) {
        throw new UftpBaseDirError(options.baseDir, client.peer, { cause: error });
      }
      throw error;
    });
    const features = await client.features();
    const crypted = [...features.keys()].find((f) => f.startsWith("CRYPTED"));
    if (crypted) {
      throw new UftpUnsupportedError(
        `the UFTPD session is encrypted (${crypted}); ferry does not implement UFTP encryption`,
      );
    }
    if (!features.has("EPSV") && !features.has("PASV")) {
      throw new UftpProtocolError(`${client.peer} is not a UFTPD (no PASV/EPSV in FEAT)`);
    }
    const session = uftpDialect(client, { streams: options.streams });
    if (probe) rememberTimeProbe(session, probe);
    return session;
  } catch (error) {
    client.close();
    throw error;
  }
}

/**
 * A session factory for a pool: each call authenticates anew (or reuses a
 * persistent secret) and logs in.
 *
 * @example
 * ```ts
 * const factory = uftpSessionFactory({ authUrl, serverName: "TEST", credential, request: { baseDir: "/data" } });
 * const client = await factory();
 * ```
 */
export function uftpSessionFactory(options: UftpSessionOptions): SessionFactory {
  let shared: Promise<UftpGrant> | undefined;
  // Every session of this factory asks for the same kind of session (never
  // encrypted: ferry does not ask for it), so FEAT is asked once per UFTPD (an
  // auth server may hand out several).
  const features = new Map<string, ReadonlyMap<string, string>>();
  const grant = async () => {
    const g = await authenticate(
      options.authUrl,
      options.serverName,
      options.credential,
      options.request,
      options,
    );
    options.onSecret?.(g.secret);
    return g;
  };
  const open = async (g: UftpGrant) => {
    const server = `${g.serverHost}:${g.serverPort}`;
    const client = await openUftpSession(g, {
      streams: options.streams,
      timeoutMs: options.ftpTimeoutMs,
      features: features.get(server),
      baseDir: options.request.baseDir,
    });
    if (!features.has(server)) features.set(server, await client.features());
    return client;
  };
  return async () => {
    if (!options.request.persistent) return await open(await grant());
    shared ??= grant();
    const current = shared;
    try {
      return await open(await current);
    } catch (error) {
      // A persistent secret dies with the UFTPD's last session for it: ask again once.
      if (!(error instanceof FtpPermanentError) || error.ftpCode !== 530) {
        if (shared === current) shared = undefined;
        throw error;
      }
      log.debug("persistent UFTP secret expired; authenticating again", {});
      if (shared === current) shared = grant();
      return await open(await shared);
    }
  };
}
