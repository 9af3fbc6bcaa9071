/**
 * A head start for a one-file `ferry get`/`put` of a `uftp://` URL: the auth
 * request and the UFTPD login run while the rest of the CLI (commander,
 * logging, the registry, the endpoint code) still loads. A UFTP session costs
 * an HTTPS request (the process's first TLS handshake also initialises Deno's
 * crypto library, ~30 ms of CPU) and a login (the UFTPD forks a session
 * process), which then no longer follow the start-up.
 *
 * Only a URL that carries its user and password is started ahead. The
 * endpoint takes the session ({@link takeUftpHead}) only when it would have
 * asked for exactly that one: the same auth URL, credential, session request,
 * stream count and CA ({@link uftpHeadKey}); else it is closed unused, and a
 * failed head start is only a session the endpoint then asks for itself.
 *
 * The request leaves after ~10 small modules (the URL, the auth messages, the
 * HTTPS client, ferry's base error from `./errors`); the session's modules
 * (the FTP client) load once it has left, while the auth server works on it.
 * Loading a module graph holds Deno's event loop: begun during the TLS
 * handshake, it kept the request from leaving until the graph had loaded, and
 * the CLI's own modules, loaded before PASS left, kept the UFTPD from checking
 * the secret meanwhile (see {@link startUftpHead}'s `started`). One wait holds
 * the thread anyway: the process's first TLS handshake, until Deno's crypto
 * library has initialised; given `tlsReady`, the session's modules load there,
 * between the TCP connect and the handshake, and the caller's `preload` steps
 * while the auth server answers.
 * @module
 */
import { authenticate } from "./auth_client.ts";
import type { AuthRequestOptions } from "./auth_messages.ts";
import type { UftpCredential } from "./auth_header.ts";
import type { openUftpSession } from "./session.ts";
import { parseUftpUrl } from "./url.ts";

/**
 * session.ts (the FTP client, its TLS and listing parsers, Node's net layer),
 * by a specifier Deno cannot read ahead: it loads while the auth request is
 * in flight, not before it leaves.
 */
const SESSION_MODULE = new URL("./session.ts", import.meta.url).href;

/** A session made ahead, with the one-time secret it logged in with (for masking). */
export interface UftpHeadSession {
  /** The logged-in session, as the session factory makes it. */
  client: Awaited<ReturnType<typeof openUftpSession>>;
  secret: string;
}

/** Options of {@link startUftpHead}. */
export interface UftpHeadOptions {
  /** PEM of the auth server's CA. */
  ca?: string;
  /** Deadline of the auth request and of every FTP wait, ms (default 30 s). */
  timeoutMs?: number;
  /**
   * Settles once Deno's crypto library has initialised (the CLI makes a
   * throwaway key on a worker thread for it). The process's first TLS
   * handshake holds the event loop in `Deno.startTls` until then (~20 ms of
   * CPU here: AWS-LC seeding its random generator), so while it has not
   * settled, the modules the session needs (session.ts, ~10 ms) load between
   * the TCP connect and the handshake, in a wait that would hold the thread
   * anyway, instead of while the auth server works. Without it, nothing loads
   * before the request leaves.
   */
  tlsReady?: Promise<unknown>;
  /**
   * More to load while the auth server works on the request, step by step
   * until its answer is in: the caller's own modules, which it loads after
   * `started` otherwise (with PASS gone, the UFTPD checks the secret
   * meanwhile, ~6 ms: less than the CLI's ~10). Each step holds the event
   * loop while it loads, so a step of a few ms at most.
   */
  preload?: (() => Promise<unknown>)[];
  /**
   * A name under the URL whose MLST (with TYPE I) goes in the login's write: a
   * `get`'s file, a `put`'s partial. The endpoint's first stat of it and the
   * first transfer then ask no round trip of their own before RETR/STOR
   * (see `openUftpSession`'s `statAhead`).
   */
  statAhead?: string;
}

/** Heads started in this process and not yet taken, by {@link uftpHeadKey}. */
const heads = new Map<string, Promise<UftpHeadSession>>();

/**
 * What a session is made of: two sessions with the same key are the same to
 * the auth server and the UFTPD.
 *
 * @example
 * ```ts
 * uftpHeadKey({ authUrl: "https://h:9000/rest/auth/T", credential: { kind: "anonymous" }, request: { baseDir: "/d" }, streams: 1 });
 * ```
 */
export function uftpHeadKey(parts: {
  authUrl: string;
  credential: UftpCredential;
  request: AuthRequestOptions;
  streams: number;
  ca?: string;
}): string {
  const { credential: c, request: r } = parts;
  // Only password and anonymous credentials are started ahead; a key or token never matches.
  const who = c.kind === "password"
    ? ["password", c.user, c.password]
    : c.kind === "anonymous"
    ? ["anonymous"]
    : [c.kind, crypto.randomUUID()];
  return JSON.stringify([
    parts.authUrl,
    who,
    r.baseDir,
    r.persistent === true,
    r.streamCount ?? 1,
    r.compress === true,
    r.group ?? null,
    r.client ?? null,
    parts.streams,
    parts.ca ?? null,
  ]);
}

/**
 * Starts authenticating and logging in for `url` (which must carry user and
 * password; else nothing starts). `started` resolves once PASS has left (or
 * the head failed): loading a module graph holds the event loop, so the caller
 * loads the rest after it, while the auth server and the UFTPD work, instead
 * of before the request even leaves. `dispose` closes the session unless an
 * endpoint took it.
 *
 * @example
 * ```ts
 * const head = startUftpHead("uftp://u:pw@h:9000/rest/auth/T:/d/a.bin", { ca });
 * // ... the endpoint opens and takes it ...
 * await head.dispose();
 * ```
 */
export function startUftpHead(
  url: string,
  options: UftpHeadOptions = {},
): { started: Promise<void>; dispose(): Promise<void> } {
  const none = { started: Promise.resolve(), dispose: () => Promise.resolve() };
  let parsed;
  try {
    parsed = parseUftpUrl(url);
  } catch {
    return none; // the endpoint tells what is wrong with the URL
  }
  if (!parsed.user || parsed.password === undefined || parsed.token || parsed.identity) {
    return none;
  }
  const credential: UftpCredential = parsed.user === "anonymous"
    ? { kind: "anonymous" }
    : { kind: "password", user: parsed.user, password: parsed.password };
  const request: AuthRequestOptions = { baseDir: parsed.baseDir, persistent: false };
  const key = uftpHeadKey({
    authUrl: parsed.authUrl,
    credential,
    request,
    streams: 1,
    ca: options.ca,
  });
  const timeoutMs = options.timeoutMs ?? 30_000;
  let sessionModule: Promise<typeof import("./session.ts")> | undefined;
  const loadSession = () => sessionModule ??= import(SESSION_MODULE);
  let tlsReady = options.tlsReady === undefined;
  options.tlsReady?.then(() => tlsReady = true, () => tlsReady = true);
  // The steps not run yet, one by one while `wanted()` holds (a step that fails is left
  // for the code that needs it to report): the session's modules while the handshake
  // would still wait (see UftpHeadOptions.tlsReady), the rest while the auth server
  // works on the request. More before the handshake was tried: at load 3 a step begun
  // just before the crypto library was ready held the request ~8 ms (the handshake
  // done at 32-34 ms after the time origin against 25), for no earlier download.
  const steps = [loadSession, ...options.preload ?? []];
  let next = 0;
  const runSteps = async (wanted: () => boolean) => {
    while (next < steps.length && wanted()) await steps[next++]().catch(() => {});
  };
  const beforeTls = () => runSteps(() => !tlsReady && next === 0);
  let loginSent!: () => void;
  const started = new Promise<void>((resolve) => loginSent = resolve);
  const session = (async (): Promise<UftpHeadSession> => {
    try {
      let requestSent!: () => void;
      const sent = new Promise<void>((resolve) => requestSent = resolve);
      const granting = authenticate(parsed.authUrl, parsed.serverName, credential, request, {
        ca: options.ca,
        timeoutMs,
        onSent: requestSent,
        beforeTls,
      });
      granting.catch(() => {}); // awaited below
      // Loading a module graph holds the event loop: imported while the TLS handshake runs,
      // session.ts kept the request from leaving until it had loaded (unless loaded before).
      let answered = false;
      const answer = granting.then(() => answered = true, () => answered = true);
      await Promise.race([sent, answer]);
      const { openUftpSession } = await loadSession();
      await runSteps(() => !answered);
      const grant = await granting;
      const client = await openUftpSession(grant, {
        streams: 1,
        timeoutMs,
        baseDir: request.baseDir,
        onPasswordSent: loginSent,
        ...(options.statAhead ? { statAhead: options.statAhead } : {}),
      });
      return { client, secret: grant.secret };
    } finally {
      loginSent();
    }
  })();
  session.catch(() => {}); // a failed head is the endpoint's own attempt to make
  heads.set(key, session);
  return {
    started,
    async dispose() {
      if (heads.get(key) !== session) return; // taken
      heads.delete(key);
      (await session.catch(() => undefined))?.client.close();
    },
  };
}

/**
 * {@link startUftpHead} under the name a scheme's head-start module exports
 * (workflow/builtin_manifests.ts `headStart`; the CLI imports it by that URL).
 *
 * @example
 * ```ts
 * const head = startHead("uftp://u:pw@h:9000/rest/auth/T:/d", {});
 * ```
 */
export const startHead: typeof startUftpHead = startUftpHead;

/**
 * The session started ahead under `key`, once; undefined when there is none
 * or it failed (the caller then makes its own).
 *
 * @example
 * ```ts
 * const head = await takeUftpHead(uftpHeadKey({ authUrl, credential, request, streams: 1, ca }));
 * ```
 */
export async function takeUftpHead(key: string): Promise<UftpHeadSession | undefined> {
  const session = heads.get(key);
  if (!session) return undefined;
  heads.delete(key);
  const made = await session.catch(() => undefined);
  return made && !made.client.closed ? made : undefined;
}
