/**
 * The HTTPS side of the client: asking the auth server for a session and
 * reading its info document. Certificates are verified (against the system
 * roots, or the CA given); PyUNICORE's habit of not verifying is not copied.
 * Requests go over https.ts (TCP_NODELAY, ~40 ms less per new connection than
 * `fetch`); with a proxy configured, or for a redirect, through `fetch`.
 * @module
 */
import {
  authRequestBody,
  type AuthRequestOptions,
  parseAuthReply,
  parseInfo,
  type UftpGrant,
  type UftpInfo,
} from "./auth_messages.ts";
import { plainAuthorizationHeader, type UftpCredential } from "./auth_header.ts";
import { UftpAuthError } from "./errors.ts";
import { simpleRequest } from "./https.ts";

/** How to reach the auth server. */
export interface AuthClientOptions {
  /** PEM of a CA to trust besides the system roots (test or site CAs). */
  ca?: string;
  /**
   * The HTTP client `fetch` asks with, when it asks (a proxy is configured, or a
   * redirect is followed): made with `ca`, the caller closes it. One client for
   * many requests keeps the connection and its TLS session; without it, a
   * request with `ca` makes a client (and a TLS handshake) of its own.
   */
  httpClient?: Deno.HttpClient;
  /** Deadline of one request, ms (default 30 s). */
  timeoutMs?: number;
  /** Aborts the request. */
  signal?: AbortSignal;
  /** The clock for SSH-key JWTs (tests). */
  now?: () => number;
  /**
   * Called when the request has left (through `fetch`: when it was handed to
   * `fetch`; again for a redirect followed): the auth server works on it meanwhile.
   */
  onSent?: () => void;
  /**
   * Awaited once the connection to the auth server is open, before its TLS
   * handshake (see https.ts `SimpleRequest.beforeTls`); not called when `fetch`
   * asks (a proxy).
   */
  beforeTls?: () => Promise<void>;
}

/** Whether a proxy is configured: then `fetch`, which honours it, asks. */
function proxied(): boolean {
  try {
    return ["HTTPS_PROXY", "https_proxy", "ALL_PROXY", "all_proxy", "HTTP_PROXY", "http_proxy"]
      .some((name) => Deno.env.get(name));
  } catch {
    return true; // cannot tell without --allow-env: fetch, as before
  }
}

async function request(
  url: string,
  init: { method: "GET" | "POST"; headers: Headers; body?: string },
  options: AuthClientOptions,
): Promise<{ status: number; body: string }> {
  const timeout = AbortSignal.timeout(options.timeoutMs ?? 30_000);
  const signal = options.signal ? AbortSignal.any([options.signal, timeout]) : timeout;
  if (!proxied()) {
    try {
      const reply = await simpleRequest({
        ...init,
        url,
        ca: options.ca,
        signal,
        onSent: options.onSent,
        beforeTls: options.beforeTls,
      });
      // fetch follows redirects; this client does not.
      if (reply.status < 300 || reply.status >= 400) return reply;
    } catch (cause) {
      throw networkError(url, cause);
    }
  }
  return await fetchRequest(url, init, options, signal);
}

function networkError(url: string, cause: unknown): UftpAuthError {
  const why = cause instanceof Error ? cause.message : String(cause);
  return new UftpAuthError(`cannot reach the auth server ${url}: ${why}`, {
    failure: "network",
    cause,
  });
}

async function fetchRequest(
  url: string,
  init: RequestInit,
  options: AuthClientOptions,
  signal: AbortSignal,
): Promise<{ status: number; body: string }> {
  const own = options.ca && !options.httpClient
    ? Deno.createHttpClient({ caCerts: [options.ca] })
    : undefined;
  const client = options.httpClient ?? own;
  try {
    const responding = fetch(url, { ...init, signal, ...(client ? { client } : {}) });
    options.onSent?.();
    const response = await responding;
    return { status: response.status, body: await response.text() };
  } catch (cause) {
    throw networkError(url, cause);
  } finally {
    own?.close();
  }
}

/**
 * jwt.ts, by a specifier Deno cannot read ahead: only an SSH key's header (a
 * JWT signed for each request) needs it, and it brings node:crypto.
 */
const JWT_MODULE = new URL("./jwt.ts", import.meta.url).href;

async function headers(credential: UftpCredential, now?: () => number): Promise<Headers> {
  const h = new Headers({ "Accept": "application/json", "Content-Type": "application/json" });
  const auth = credential.kind === "key"
    ? (await import(JWT_MODULE) as typeof import("./jwt.ts"))
      .authorizationHeader(credential, now)
    : plainAuthorizationHeader(credential);
  if (auth) h.set("Authorization", auth);
  return h;
}

/**
 * `POST .../rest/auth/NAME`: the UFTPD address and a one-time secret.
 *
 * @example
 * ```ts
 * const grant = await authenticate("https://h:9000/rest/auth/TEST", "TEST", credential, { baseDir: "/data" });
 * ```
 */
export async function authenticate(
  authUrl: string,
  serverName: string,
  credential: UftpCredential,
  session: AuthRequestOptions,
  options: AuthClientOptions = {},
): Promise<UftpGrant> {
  const { status, body } = await request(authUrl, {
    method: "POST",
    headers: await headers(credential, options.now),
    body: JSON.stringify(authRequestBody(session)),
  }, options);
  return parseAuthReply(status, body, { url: authUrl, serverName });
}

/**
 * `GET .../rest/auth`: the servers and what the auth server thinks of us.
 *
 * @example
 * ```ts
 * (await fetchInfo("https://h:9000/rest/auth", credential)).servers.map((s) => s.name);
 * ```
 */
export async function fetchInfo(
  infoUrl: string,
  credential: UftpCredential,
  options: AuthClientOptions = {},
): Promise<UftpInfo> {
  const { status, body } = await request(infoUrl, {
    method: "GET",
    headers: await headers(credential, options.now),
  }, options);
  if (status !== 200) {
    throw parseAuthReplyError(status, body, infoUrl);
  }
  return parseInfo(body);
}

function parseAuthReplyError(status: number, body: string, url: string): UftpAuthError {
  try {
    parseAuthReply(status, body, { url, serverName: "" });
  } catch (error) {
    if (error instanceof UftpAuthError) return error;
  }
  return new UftpAuthError(`${url} answered ${status}`, { failure: "server-error", status });
}
