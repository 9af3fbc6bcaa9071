/**
 * A self-hosted UFTP auth service on Deno's HTTPS server, shaped like
 * UNICORE's: `POST [prefix]/rest/auth/NAME` checks the user (password, token,
 * SSH-key JWT, or anonymous when allowed), makes a one-time secret (20 random
 * lowercase letters), registers the session with the UFTPD over its command
 * port and answers `{serverHost, serverPort, secret}`; `GET [prefix]/rest/auth`
 * is the info document. Errors are UNICORE's `{"errorMessage", "status"}`.
 * @module
 */
import { logger } from "../../../plugin.ts";
import { sendTransferRequest } from "../command_client.ts";
import type { TransferRequest } from "../command_port.ts";
import { serverPath as withSlash } from "../url.ts";
import { type AuthUser, UserTable } from "./users.ts";

const log = logger("uftp", "auth");

/** One UFTPD behind a server name. */
export interface UftpdTarget {
  /** The FTP host clients are sent to (`serverHost`). */
  host: string;
  /**
   * The FTP port clients are sent to (`serverPort`) when it is not the one the
   * UFTPD names (a proxy or a port forward in front of it).
   */
  port?: number;
  /** Where its command port listens. */
  commandHost: string;
  /** Its command port. */
  commandPort: number;
  /** A line for the info document. */
  description?: string;
}

/** Options of {@link startAuthService}. */
export interface AuthServiceOptions {
  /** Who may log in, by user name. */
  users: Record<string, AuthUser>;
  /** Server names; several targets behind one name are picked round-robin or by `NAME-N`. */
  servers: Record<string, UftpdTarget | UftpdTarget[]>;
  /** PEM certificate chain and key (HTTPS only, as UNICORE). */
  cert: string;
  /** PEM private key of `cert`. */
  key: string;
  /** Address to listen on (default 127.0.0.1). */
  hostname?: string;
  /** Default 0 (a free port). */
  port?: number;
  /** Path before `/rest/auth` (a gateway's site name, e.g. `/SITE`). */
  prefix?: string;
  /** The login anonymous requests run as; anonymous sessions are refused without it. */
  anonymousUid?: string;
  /** The clock of JWT expiry (tests). */
  now?: () => number;
  /** Makes one-time secrets (tests); default: 20 random lowercase letters. */
  makeSecret?: () => string;
}

/** A running auth service. */
export interface AuthServiceHandle extends AsyncDisposable {
  /** `https://host:port[prefix]/rest/auth`. */
  readonly url: string;
  /** The bound port. */
  readonly port: number;
  /** Stops listening; resolves when open requests are answered. */
  close(): Promise<void>;
}

/**
 * A one-time secret as UNICORE's auth server makes it: 20 lowercase letters
 * (from a cryptographic source here).
 *
 * @example
 * ```ts
 * makeSecret(); // "qwhzkdmeptnrvxyaclfu"
 * ```
 */
export function makeSecret(): string {
  const bytes = crypto.getRandomValues(new Uint8Array(20));
  return Array.from(bytes, (b) => String.fromCharCode(97 + (b % 26))).join("");
}

function fail(status: number, message: string): Response {
  return Response.json({ errorMessage: message, status }, { status });
}

/**
 * Starts the auth service.
 *
 * @example
 * ```ts
 * const auth = await startAuthService({ users, servers: { TEST: { host: "127.0.0.1", commandHost: "127.0.0.1", commandPort } }, cert, key });
 * console.log(auth.url); // https://127.0.0.1:PORT/rest/auth
 * ```
 */
export async function startAuthService(options: AuthServiceOptions): Promise<AuthServiceHandle> {
  const users = new UserTable(options.users, { now: options.now });
  const prefix = (options.prefix ?? "").replace(/\/+$/, "");
  const base = `${prefix}/rest/auth`;
  const next = new Map<string, number>();
  const secret = options.makeSecret ?? makeSecret;
  const hostname = options.hostname ?? "127.0.0.1";
  const controller = new AbortController();
  let bound!: (port: number) => void;
  const listening = new Promise<number>((resolve) => bound = resolve);
  const server = Deno.serve({
    hostname,
    port: options.port ?? 0,
    cert: options.cert,
    key: options.key,
    signal: controller.signal,
    onListen: ({ port }) => bound(port),
    onError: (error) => {
      log.error("auth service error: {error}", { error: String(error) });
      return fail(500, "internal error");
    },
  }, async (request, info) => {
    const url = new URL(request.url);
    const path = url.pathname.replace(/\/+$/, "");
    if (request.method === "OPTIONS") return new Response(null, { status: 200 });
    const who = await users.identify(request.headers.get("authorization"));
    if (who && "error" in who) return fail(401, who.error);
    if (path === base && request.method === "GET") {
      return Response.json(infoDocument(options, `${url.origin}${base}`, who, next));
    }
    if (!path.startsWith(`${base}/`) || request.method !== "POST") {
      return fail(404, `No such resource: ${url.pathname}`);
    }
    const name = decodeURIComponent(path.slice(base.length + 1));
    const target = pick(options.servers, name, next);
    if (!target) return fail(404, `No such server: '${name}', please check your URL`);
    const uid = who ? (who.account.uid ?? who.user) : options.anonymousUid;
    if (!uid) return fail(401, "Authentication required: no login mapped for anonymous");
    let body: Record<string, unknown>;
    try {
      body = await request.json();
    } catch {
      return fail(400, "request body is not JSON");
    }
    if (typeof body.serverPath !== "string") return fail(400, "serverPath is required");
    const groups = who?.account.groups ?? [];
    const group = typeof body.group === "string" && body.group !== "" ? body.group : groups[0];
    if (typeof body.group === "string" && body.group !== "" && !groups.includes(body.group)) {
      return fail(400, `Requested group '${body.group}' is not available`);
    }
    const clients = typeof body.client === "string" && body.client.trim() !== ""
      ? body.client.split(/[ ,]+/).filter(Boolean)
      : [info.remoteAddr.hostname.replace(/^::ffff:/, "")];
    const job: TransferRequest = {
      clientIps: clients,
      user: uid,
      secret: secret(),
      persistent: flag(body.persistent),
      file: withSlash(requestedBase(body.serverPath)),
      streams: Math.max(1, Number(body.streamCount ?? 1) || 1),
      compress: flag(body.compress),
      group,
      key: typeof body.encryptionKey === "string" ? body.encryptionKey : undefined,
      algo: typeof body.encryptionAlgorithm === "string"
        ? body.encryptionAlgorithm.toUpperCase()
        : undefined,
    };
    let reply;
    try {
      reply = await sendTransferRequest(target.commandHost, target.commandPort, job);
    } catch (error) {
      log.warn("{name}: {error}", { name, error: String(error) });
      return fail(500, "Cannot connect to UFTPD server");
    }
    if (!reply.ok) return fail(500, `${name}: ${reply.message}`);
    log.info("session for {user} ({method}) on {name}", {
      user: uid,
      method: who?.method ?? "anonymous",
      name,
    });
    return Response.json({
      success: true,
      reason: "",
      serverHost: target.host,
      serverPort: target.port ?? reply.port,
      secret: job.secret,
    });
  });
  const port = await listening;
  const close = async () => {
    controller.abort();
    await server.finished;
  };
  return {
    url: `https://${hostname.includes(":") ? `[${hostname}]` : hostname}:${port}${base}`,
    port,
    close,
    [Symbol.asyncDispose]: close,
  };
}

/** PyUNICORE's legacy marker at the end of `serverPath` (the Java auth server strips it). */
export const MULTI_FILE_TAG = "___UFTP___MULTI___FILE___SESSION___MODE___";

/**
 * The base directory a `serverPath` asks for, without PyUNICORE's legacy tag:
 * the tag alone means no restriction, a tag as last segment means its parent.
 *
 * @example
 * ```ts
 * requestedBase("/data/___UFTP___MULTI___FILE___SESSION___MODE___"); // "/data"
 * requestedBase("/data/"); // "/data/"
 * ```
 */
export function requestedBase(serverPath: string): string {
  if (serverPath === MULTI_FILE_TAG) return "";
  const parts = serverPath.split("/");
  if (parts[parts.length - 1] !== MULTI_FILE_TAG) return serverPath;
  const parent = parts.slice(0, -1).join("/");
  return parent === "" ? (serverPath.startsWith("/") ? "/" : ".") : parent;
}

function flag(value: unknown): boolean {
  return value === true || (typeof value === "string" && value.toLowerCase() === "true");
}

function targetsOf(entry: UftpdTarget | UftpdTarget[]): UftpdTarget[] {
  return Array.isArray(entry) ? entry : [entry];
}

/** `NAME` round-robin over its targets, `NAME-N` the N-th (1-based). */
function pick(
  servers: Record<string, UftpdTarget | UftpdTarget[]>,
  name: string,
  next: Map<string, number>,
): UftpdTarget | undefined {
  if (servers[name]) {
    const all = targetsOf(servers[name]);
    const i = next.get(name) ?? 0;
    next.set(name, (i + 1) % all.length);
    return all[i];
  }
  const m = /^(.*)-(\d+)$/.exec(name);
  if (!m || !servers[m[1]]) return undefined;
  return targetsOf(servers[m[1]])[Number(m[2]) - 1];
}

function infoDocument(
  options: AuthServiceOptions,
  href: string,
  who: { user: string; account: AuthUser; method: string } | undefined,
  _next: Map<string, number>,
): Record<string, unknown> {
  const doc: Record<string, unknown> = {};
  const uid = who ? (who.account.uid ?? who.user) : options.anonymousUid ?? "";
  const groups = who?.account.groups ?? [];
  for (const [name, entry] of Object.entries(options.servers)) {
    const first = targetsOf(entry)[0];
    doc[name] = {
      href: `${href}/${name}`,
      description: first.description ?? `ferry UFTPD ${name}`,
      status: "OK",
      uid,
      gid: groups[0] ?? "",
      availableGroups: groups,
      dataSharing: { enabled: false },
    };
  }
  doc.client = {
    dn: who ? `CN=${who.user}, OU=ferry-users` : "CN=ANONYMOUS, O=UNKNOWN, OU=UNKNOWN",
    xlogin: { UID: uid, availableUIDs: uid ? [uid] : [], availableGroups: groups },
    role: { selected: who ? "user" : "anonymous", availableRoles: [who ? "user" : "anonymous"] },
    authenticationMethod: who?.method ?? "NONE",
  };
  doc.server = { version: "ferry-uftp-auth-0.1" };
  return doc;
}
