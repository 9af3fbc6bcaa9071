/**
 * The auth step's messages (pure): the JSON body the real clients POST to
 * `.../rest/auth/NAME`, the reply with the UFTPD address and one-time secret,
 * UNICORE's error bodies mapped to {@link UftpAuthError}s that say what to fix,
 * and the info document of `GET .../rest/auth`.
 * @module
 */
import { UftpAuthError } from "./errors.ts";
import { serverPath } from "./url.ts";

/** What a session is asked for (the Java client's `AuthRequest`). */
export interface AuthRequestOptions {
  /** The session's base directory ("" = no restriction). */
  baseDir: string;
  /** Several FTP sessions with one secret (default false, as the Java client). */
  persistent?: boolean;
  /** Parallel TCP streams per data connection; sent only when > 1. */
  streamCount?: number;
  /** gzip the data streams; sent only when true (ferry then refuses the session). */
  compress?: boolean;
  /** The Unix group to act as. */
  group?: string;
  /** Client addresses the UFTPD shall accept (behind NAT), comma-separated. */
  client?: string;
}

/**
 * The JSON body, with only the fields that matter set (null fields are left
 * out, as Gson does for the Java client).
 *
 * @example
 * ```ts
 * authRequestBody({ baseDir: "/data", persistent: true });
 * // { serverPath: "/data/", persistent: true }
 * ```
 */
export function authRequestBody(options: AuthRequestOptions): Record<string, unknown> {
  const body: Record<string, unknown> = {
    serverPath: serverPath(options.baseDir),
    persistent: options.persistent ?? false,
  };
  if ((options.streamCount ?? 1) > 1) body.streamCount = options.streamCount;
  if (options.compress) body.compress = true;
  if (options.group) body.group = options.group;
  if (options.client) body.client = options.client;
  return body;
}

/** Where to open the FTP session, and its one-time password. */
export interface UftpGrant {
  /** Host of the UFTPD's FTP port. */
  serverHost: string;
  /** The UFTPD's FTP port. */
  serverPort: number;
  /** The one-time secret: a password, never logged. */
  secret: string;
}

/** Context for messages: which URL and server name were asked. */
export interface AuthContextInfo {
  /** The auth URL asked. */
  url: string;
  /** The server name in the URL (`/rest/auth/NAME`). */
  serverName: string;
}

/**
 * Reads the auth server's reply: the grant on 2xx, else the mapped error.
 *
 * @example
 * ```ts
 * parseAuthReply(200, '{"success":true,"serverHost":"localhost","serverPort":64434,"secret":"..."}', ctx);
 * ```
 */
export function parseAuthReply(status: number, body: string, ctx: AuthContextInfo): UftpGrant {
  if (status < 200 || status >= 300) throw authErrorFor(status, body, ctx);
  let json: Record<string, unknown>;
  try {
    json = JSON.parse(body);
  } catch {
    throw new UftpAuthError(`${ctx.url} answered ${status} with something that is not JSON`, {
      failure: "bad-response",
      status,
    });
  }
  if (json.success === false || json.success === "false") {
    const reason = typeof json.reason === "string" ? json.reason : "no reason given";
    throw new UftpAuthError(`${ctx.url} refused the session: ${reason}`, {
      failure: "uftpd-refused",
      status,
      serverMessage: reason,
    });
  }
  const port = Number(json.serverPort);
  if (
    typeof json.serverHost !== "string" || json.serverHost === "" ||
    !Number.isInteger(port) || port <= 0 || port > 65535 ||
    typeof json.secret !== "string" || json.secret === ""
  ) {
    throw new UftpAuthError(
      `${ctx.url} answered without serverHost, serverPort and secret: is it a UFTP auth server?`,
      { failure: "bad-response", status },
    );
  }
  return { serverHost: json.serverHost, serverPort: port, secret: json.secret };
}

/**
 * UNICORE's `{"errorMessage": ..., "status": ...}` (or any text) as a typed
 * error that says what went wrong and what to check.
 *
 * @example
 * ```ts
 * authErrorFor(404, '{"errorMessage":"No such server: \'X\'"}', { url, serverName: "X" }).failure; // "unknown-server"
 * ```
 */
export function authErrorFor(status: number, body: string, ctx: AuthContextInfo): UftpAuthError {
  const serverMessage = errorMessageOf(body);
  const said = serverMessage ? `: ${serverMessage}` : "";
  const at = `${ctx.url} answered ${status}${said}`;
  const make = (failure: UftpAuthError["failure"], hint: string) =>
    new UftpAuthError(`${at} (${hint})`, { failure, status, serverMessage });
  if (status === 401) {
    return make("unauthorized", "wrong user name, password, token or key, or no login mapped");
  }
  if (status === 403) return make("forbidden", "the credentials were rejected");
  if (status === 400) return make("bad-request", "check the group and the other request options");
  if (status === 404) {
    return make("unknown-server", `no UFTP server named '${ctx.serverName}' there; check the URL`);
  }
  if (status === 503) return make("unavailable", "the UFTP server is marked unavailable");
  if (status >= 500) {
    if (/cannot connect|connection refused|unreachable/i.test(serverMessage ?? "")) {
      return make("uftpd-unreachable", "the auth server cannot reach its UFTPD");
    }
    if (serverMessage) return make("uftpd-refused", "the UFTPD refused the session");
    return make("server-error", "the auth server failed");
  }
  return make("server-error", "unexpected status");
}

function errorMessageOf(body: string): string | undefined {
  const text = body.trim();
  if (text === "") return undefined;
  try {
    const json = JSON.parse(text);
    for (const key of ["errorMessage", "reason", "message", "error"]) {
      if (typeof json?.[key] === "string" && json[key] !== "") return json[key];
    }
  } catch {
    // not JSON: a proxy's HTML page, for example
  }
  return text.length > 200 ? `${text.slice(0, 200)}...` : text;
}

/** One server in the info document. */
export interface UftpServerInfo {
  /** Server name, as used in `/rest/auth/NAME`. */
  name: string;
  /** Its auth URL. */
  href?: string;
  /** A line for people. */
  description?: string;
  /** `READY` or why not. */
  status?: string;
  /** Other keys the auth server sends, passed through. */
  [key: string]: unknown;
}

/** The info document of `GET .../rest/auth`. */
export interface UftpInfo {
  /** The UFTPDs the auth server knows. */
  servers: UftpServerInfo[];
  /** What the server says about the client (user, role, ...), as sent. */
  client?: Record<string, unknown>;
  /** What the server says about itself (version, ...), as sent. */
  server?: Record<string, unknown>;
}

/**
 * Reads the info document: every key but `client` and `server` is a server
 * name (as pyuftp and the Java client read it).
 *
 * @example
 * ```ts
 * parseInfo('{"TEST":{"href":"https://h/rest/auth/TEST"},"server":{"version":"1"}}').servers[0].name; // "TEST"
 * ```
 */
export function parseInfo(body: string): UftpInfo {
  const json = JSON.parse(body) as Record<string, unknown>;
  const servers: UftpServerInfo[] = [];
  for (const [name, value] of Object.entries(json)) {
    if (name === "client" || name === "server") continue;
    if (value && typeof value === "object") servers.push({ ...value, name });
  }
  return {
    servers,
    client: json.client as Record<string, unknown> | undefined,
    server: json.server as Record<string, unknown> | undefined,
  };
}
