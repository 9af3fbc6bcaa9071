/**
 * A whole UFTP site in one call: a UFTPD serving an endpoint and an auth
 * service that registers sessions with it over its command port (the real
 * message, over TCP, even in one process). For `ferry uftp-serve`, demos and tests.
 * @module
 */
import type { Endpoint } from "../../plugin_base.ts";
import { type AuthServiceHandle, startAuthService } from "./authserver/service.ts";
import type { AuthUser } from "./authserver/users.ts";
import { startUftpd, type UftpdHandle, type UftpdOptions } from "./uftpd/server.ts";

/** Options of {@link startUftpStack}. */
export interface UftpStackOptions extends Omit<UftpdOptions, "endpoint"> {
  /** The storage served. */
  endpoint: Endpoint;
  /** Who may log in, by user name. */
  users: Record<string, AuthUser>;
  /** PEM certificate chain and key of the auth service. */
  cert: string;
  /** PEM private key of `cert`. */
  key: string;
  /** The server name in `/rest/auth/NAME` (default `TEST`, as UNICORE's test image). */
  serverName?: string;
  /** HTTPS address (default 127.0.0.1) and port (default 0). */
  authHost?: string;
  /** HTTPS port (default 0: a free one). */
  authPort?: number;
  /** Path before `/rest/auth`. */
  prefix?: string;
  /** The login anonymous sessions get (refused when unset). */
  anonymousUid?: string;
  /** Host name clients are sent to (default: the UFTPD's address). */
  publicHost?: string;
  /** Makes one-time secrets (tests pass a fixed one). */
  makeSecret?: () => string;
}

/** A running UFTP site. */
export interface UftpStack extends AsyncDisposable {
  /** The UFTPD. */
  uftpd: UftpdHandle;
  /** The HTTPS auth service. */
  auth: AuthServiceHandle;
  /** `https://host:port[prefix]/rest/auth/NAME`. */
  authUrl: string;
  /** `uftp://host:port[prefix]/rest/auth/NAME:` (append the base directory). */
  uftpUrl: string;
  /** Stops both. */
  close(): Promise<void>;
}

/**
 * Starts the UFTPD, then the auth service in front of it.
 *
 * @example
 * ```ts
 * await using site = await startUftpStack({ endpoint: new LocalEndpoint("/srv"), users, cert, key });
 * console.log(`${site.uftpUrl}/data`);
 * ```
 */
export async function startUftpStack(options: UftpStackOptions): Promise<UftpStack> {
  const uftpd = await startUftpd(options);
  const name = options.serverName ?? "TEST";
  let auth: AuthServiceHandle;
  try {
    auth = await startAuthService({
      users: options.users,
      servers: {
        [name]: {
          host: options.publicHost ?? uftpd.host,
          commandHost: uftpd.commandHost,
          commandPort: uftpd.commandPort,
        },
      },
      cert: options.cert,
      key: options.key,
      hostname: options.authHost,
      port: options.authPort,
      prefix: options.prefix,
      anonymousUid: options.anonymousUid,
      now: options.now,
      makeSecret: options.makeSecret,
    });
  } catch (error) {
    await uftpd.close();
    throw error;
  }
  const close = async () => {
    await auth.close();
    await uftpd.close();
  };
  const authUrl = `${auth.url}/${name}`;
  return {
    uftpd,
    auth,
    authUrl,
    uftpUrl: `${authUrl.replace(/^https:/, "uftp:")}:`,
    close,
    [Symbol.asyncDispose]: close,
  };
}
