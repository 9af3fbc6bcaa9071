/**
 * TLS for FTPS: upgrading a control connection (after `234` for explicit FTPS, or
 * right after connect for implicit FTPS) and securing data connections so that
 * they resume the control connection's TLS session, which vsftpd
 * (`require_ssl_reuse=YES`, its default), FileZilla Server and ProFTPD demand.
 *
 * In Deno 2.9.6 such a resumption happens only with `node:tls` on both
 * connections, with `rejectUnauthorized: false` and no custom `ca` or shared
 * `secureContext` (measured against vsftpd 3.0.3; docs/TLS.md). So ferry lets
 * the handshake through unverified and then verifies the certificate itself
 * (./tls/verify.ts), before one byte of the FTP session is sent; a data
 * connection is then pinned to the control connection's certificate. Each
 * control connection gets its own entry in Deno's runtime-wide session store
 * (./tls/session_keys.ts), so parallel sessions do not resume each other's.
 *
 * @example
 * ```ts
 * const control = await startTlsClient(plain, "ftp.example.org", { ca }, 10_000);
 * // ... PBSZ 0, PROT P, PASV, connect `dataPlain` ...
 * const data = await startTlsData(dataPlain, control, { ca }, 10_000);
 * ```
 * @module
 */
import type { Buffer } from "node:buffer";
import { X509Certificate } from "node:crypto";
import { isIP } from "node:net";
import type net from "node:net";
import tls from "node:tls";
import { logger } from "../util/log.ts";
import { formatHostPort } from "./socket.ts";
import { TlsError, TlsFallbackError, TlsVerificationError } from "./tls/errors.ts";
import { verifyCertificateChain } from "./tls/verify.ts";
import { applySessionKey, leaseSessionKey, type SessionKey } from "./tls/session_keys.ts";

export * from "./tls/errors.ts";
export {
  type CertificateVerifyOptions,
  type VerifiedChain,
  verifyCertificateChain,
} from "./tls/verify.ts";

const log = logger("ftp", "tls");

/** How to secure and verify an FTPS connection. */
export interface TlsOptions {
  /** PEM text of the CA certificate(s) to trust instead of the system roots. */
  ca?: string | string[];
  /** Skip certificate verification. Encrypts but does not authenticate: logs a warning. */
  insecure?: boolean;
  /** The name to send as SNI and to verify the certificate for, when not the host dialled. */
  servername?: string;
  /** Lowest TLS version to accept. Default `TLSv1.2`. */
  minVersion?: "TLSv1.2" | "TLSv1.3";
  /** Highest TLS version to offer. Default `TLSv1.3`. */
  maxVersion?: "TLSv1.2" | "TLSv1.3";
}

/** Protocol facts of a TLS connection, for debug logs. */
export interface TlsDescription {
  /** e.g. `TLSv1.3`. */
  protocol: string;
  /** OpenSSL-style cipher name, e.g. `TLS_AES_256_GCM_SHA384`. */
  cipher: string;
  /** Whether the handshake resumed an earlier session. */
  reused: boolean;
}

/** What a secured control connection hands to its data connections. */
interface ControlState {
  host: string;
  /** The verified name. */
  name: string;
  /** `host:port` as dialled, for the per-server TLS version memory. */
  server: string;
  /** This control connection's own entry in Deno's session store (./tls/session_keys.ts). */
  key: SessionKey;
  insecure: boolean;
  fingerprint256: string;
  /** Latest `'session'` value of this control connection (TLS 1.3 tickets come after the handshake). */
  session?: Buffer;
  /** The latest data connection's handshake, when it completed. */
  lastData?: TlsDescription;
}

// Keyed by the control socket itself: state lives and dies with one control
// connection and is never shared across connections (rclone#7234).
const controls = new WeakMap<tls.TLSSocket, ControlState>();

// Servers that refused a TLS 1.2 handshake (they speak TLS 1.3 only). Every
// other server is offered TLS 1.2 alone first (docs/TLS.md, "TLS 1.2 first"):
// Deno spends one TLS 1.3 ticket per resumption and servers that demand reuse
// hand out too few, while a TLS 1.2 session is resumed as often as needed. A
// TLS 1.3 session of these servers that runs out of tickets is replaced, and
// the refused data connection retried. Keyed by `host:port`.
const tls13OnlyServers = new Set<string>();

// Names under which a TLS 1.3 session may sit in Deno's store: a TLS 1.2-only
// handshake under such a key takes the TLS 1.3 ticket first, cannot use it,
// and then does not look for a TLS 1.2 session, so it gets a fresh label.
const tls13Names = new Set<string>();

// Whether each handshake resumed, read at 'secureConnect': once a socket has
// closed, Deno 2.9.6's isSessionReused() reports only whether a session value
// was passed in, not what the handshake did.
const resumed = new WeakMap<tls.TLSSocket, boolean>();

/**
 * Upgrades a connected plain socket to TLS and verifies the server's certificate:
 * chain to `options.ca` (else the system roots) with every signature, validity
 * dates, CA:TRUE on issuers, and the host name (`options.servername ?? host`).
 * The handshake has a deadline. On any failure the socket is destroyed and a
 * {@link TlsError} (handshake) or {@link TlsVerificationError} (certificate) is thrown.
 * The caller must have detached its own `'data'` listeners from `socket` first.
 *
 * @example
 * ```ts
 * const reply = await control.command("AUTH TLS"); // 234
 * const secure = await startTlsClient(plain, "ftp.example.org", {}, 10_000);
 * ```
 */
export async function startTlsClient(
  socket: net.Socket,
  host: string,
  options: TlsOptions,
  timeoutMs: number,
): Promise<tls.TLSSocket> {
  const bareHost = stripBrackets(host);
  const name = stripBrackets(options.servername ?? bareHost);
  const server = formatHostPort(bareHost, socket.remotePort ?? 0);
  const tls12First = options.minVersion !== "TLSv1.3" && options.maxVersion !== "TLSv1.2" &&
    !tls13OnlyServers.has(server);
  const state: ControlState = {
    host: bareHost,
    name,
    server,
    key: leaseSessionKey(name, {
      fresh: tls12First && tls13Names.has(name.toLowerCase()),
      server,
    }),
    insecure: options.insecure === true,
    fingerprint256: "",
  };
  const versions = tls12First ? { ...options, maxVersion: "TLSv1.2" as const } : options;
  // The listener is attached with the handshake: TLS 1.2 emits 'session' in the
  // same tick as 'secureConnect', TLS 1.3 tickets arrive any time after it.
  let secure: tls.TLSSocket;
  try {
    secure = await handshake(
      socket,
      keyedOptions(socket, state.key, name, versions),
      timeoutMs,
      bareHost,
      (session) => state.session = session,
    );
  } catch (error) {
    state.key.release();
    if (tls12First && error instanceof TlsError && error.code === "ETLSHANDSHAKE") {
      tls13OnlyServers.add(server);
      log.warn(
        "{server} refused TLS 1.2: it speaks TLS 1.3 only, and its sessions use TLS 1.3 " +
          "(a server that demands data connections resume the control connection's session " +
          "may then refuse one when a session runs out of TLS 1.3 tickets; it is retried)",
        { server },
      );
      throw new TlsFallbackError(`${server} speaks TLS 1.3 only: ${error.message}`, {
        code: "ETLSHANDSHAKE",
        host: bareHost,
        cause: error,
      });
    }
    throw error;
  }
  secure.once("close", () => state.key.release());
  if (secure.getProtocol() === "TLSv1.3") tls13Names.add(name.toLowerCase());
  try {
    const chain = peerCertificates(secure);
    state.fingerprint256 = chain[0]?.fingerprint256 ?? "";
    if (state.insecure) warnInsecure(chain, name, options);
    else verifyCertificateChain(chain, name, { ca: options.ca });
  } catch (error) {
    destroyBoth(secure, socket);
    throw error;
  }
  controls.set(secure, state);
  log.debug("TLS control connection to {host}: {protocol}, {cipher}", {
    host: bareHost,
    ...describeTls(secure),
  });
  return secure;
}

/**
 * Secures a data connection of `control` (a socket returned by
 * {@link startTlsClient}): offers to resume the control connection's own TLS
 * session and, once connected, requires the data peer's certificate to be the
 * control peer's (SHA-256 fingerprint), else throws {@link TlsVerificationError}
 * `ECERTPINNED`. The SNI name is the control connection's (resumption needs it).
 * `options` contributes only the TLS versions; trust was settled on the control.
 *
 * @example
 * ```ts
 * const pasvSocket = await connectSocket(host, pasvPort, { timeoutMs: 10_000 });
 * const data = await startTlsData(pasvSocket, controlSocket, options, 10_000);
 * ```
 */
export async function startTlsData(
  socket: net.Socket,
  control: tls.TLSSocket,
  options: TlsOptions,
  timeoutMs: number,
): Promise<tls.TLSSocket> {
  const state = controls.get(control);
  if (state === undefined) {
    socket.destroy();
    throw new TlsError(
      "a TLS data connection needs a control connection secured by startTlsClient",
      { code: "ETLSSTATE" },
    );
  }
  // In Deno 2.9.6 the value is a token that only allows resumption; rustls picks
  // the ticket from its own store, under the control connection's key
  // (docs/TLS.md, "Session scoping").
  const session = state.session ?? control.getSession() ?? undefined;
  // A data connection negotiates the control connection's version: a TLS 1.2
  // session is only found by a handshake that offers TLS 1.2 alone, and vice versa.
  const version = control.getProtocol() === "TLSv1.2" ? "TLSv1.2" : options.maxVersion;
  state.lastData = undefined;
  const secure = await handshake(
    socket,
    {
      ...keyedOptions(socket, state.key, state.name, { ...options, maxVersion: version }),
      session,
    },
    timeoutMs,
    state.host,
  );
  state.lastData = describeTls(secure);
  const fingerprint = peerCertificates(secure)[0]?.fingerprint256 ?? "";
  if (fingerprint !== state.fingerprint256) {
    if (!state.insecure) {
      destroyBoth(secure, socket);
      throw new TlsVerificationError(
        `data connection to ${state.host} presented a different certificate (SHA-256 ${
          fingerprint || "none"
        }) than its control connection (${state.fingerprint256})`,
        { code: "ECERTPINNED", host: state.host, fingerprint256: fingerprint },
      );
    }
    log.warn("data connection to {host} presented a different certificate (insecure: true)", {
      host: state.host,
    });
  }
  // One per transfer: the socket is asked only when debug is on.
  log.debug(
    "TLS data connection to {host}: {protocol}, {cipher}, session reused: {reused}",
    () => ({
      host: state.host,
      ...describeTls(secure),
    }),
  );
  return secure;
}

/**
 * Called when the server refused a data connection of `control` (a 4xx reply
 * after the data connection's TLS handshake). When that handshake was TLS 1.3
 * and could not resume (Deno's store had no ticket of this session left; only
 * TLS 1.3-only servers, or `minVersion: "TLSv1.3"`, get TLS 1.3 sessions),
 * returns true: this control connection will keep failing and should be
 * replaced by a new one. Otherwise returns false.
 *
 * @example
 * ```ts
 * if (reply.code === 425 && explainDataRefusal(controlSocket)) client.retire("it has no TLS 1.3 ticket left to resume");
 * ```
 */
export function explainDataRefusal(control: tls.TLSSocket): boolean {
  const data = controls.get(control)?.lastData;
  return data !== undefined && data.protocol === "TLSv1.3" && !data.reused;
}

/**
 * Protocol, cipher and resumption of a TLS socket, for debug logs.
 *
 * @example
 * ```ts
 * log.debug("{protocol} {cipher} reused={reused}", describeTls(secure));
 * ```
 */
export function describeTls(socket: tls.TLSSocket): TlsDescription {
  return {
    protocol: socket.getProtocol() ?? "unknown",
    cipher: socket.getCipher()?.name ?? "unknown",
    reused: resumed.get(socket) ?? socket.isSessionReused(),
  };
}

/**
 * The certificates the peer presented, its own first, as `X509Certificate`s.
 * (In Deno 2.9.6 `getPeerCertificate(true)` yields the chain as sent when no
 * `ca` is configured; `getPeerX509Certificate()` stops after one issuer.)
 *
 * @example
 * ```ts
 * const [leaf] = peerCertificates(secure);
 * console.log(leaf.subject, leaf.fingerprint256);
 * ```
 */
export function peerCertificates(socket: tls.TLSSocket): X509Certificate[] {
  const chain: X509Certificate[] = [];
  const seen = new Set<string>();
  let cert: tls.DetailedPeerCertificate | undefined = socket.getPeerCertificate(true);
  while (cert?.raw && chain.length < 16 && !seen.has(cert.fingerprint256)) {
    seen.add(cert.fingerprint256);
    chain.push(new X509Certificate(cert.raw));
    cert = cert.issuerCertificate === cert ? undefined : cert.issuerCertificate;
  }
  return chain;
}

/**
 * Options shared by control and data connections. Deno 2.9.6 resumes only when
 * both use the same session key (./tls/session_keys.ts) and neither carries
 * `host`, `port`, `ca` or a `secureContext` (rustls refuses to resume across
 * different certificate verifiers).
 */
function keyedOptions(
  socket: net.Socket,
  key: SessionKey,
  name: string,
  options: TlsOptions,
): tls.ConnectionOptions {
  const servername = applySessionKey(socket, key);
  return {
    rejectUnauthorized: false,
    // An IP literal is not a valid SNI value (RFC 6066); node:tls throws on it.
    servername: servername === undefined || isIP(name) ? undefined : servername,
    minVersion: options.minVersion ?? "TLSv1.2",
    maxVersion: options.maxVersion ?? "TLSv1.3",
  };
}

function handshake(
  socket: net.Socket,
  options: tls.ConnectionOptions,
  timeoutMs: number,
  host: string,
  onSession?: (session: Buffer) => void,
): Promise<tls.TLSSocket> {
  return new Promise((resolve, reject) => {
    const secure = tls.connect({ ...options, socket });
    if (onSession) secure.on("session", onSession);
    let settled = false;
    const settle = (error?: TlsError) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      secure.off("secureConnect", onSecure);
      secure.off("close", onClose);
      secure.off("error", onError);
      if (error === undefined) return resolve(secure);
      destroyBoth(secure, socket);
      reject(error);
    };
    const onSecure = () => {
      resumed.set(secure, secure.isSessionReused());
      settle();
    };
    const onError = (cause: Error) =>
      settle(
        notTlsRecord(cause)
          ? new TlsError(
            `${host} did not speak TLS: it answered with bytes that are no TLS record`,
            {
              code: "ENOTTLS",
              host,
              cause,
            },
          )
          : new TlsError(`TLS handshake with ${host} failed: ${cause.message}`, {
            code: "ETLSHANDSHAKE",
            host,
            cause,
          }),
      );
    const onClose = () =>
      settle(
        new TlsError(`${host} closed the connection during the TLS handshake`, {
          code: "ETLSHANDSHAKE",
          host,
        }),
      );
    const timer = setTimeout(
      () =>
        settle(
          new TlsError(`TLS handshake with ${host} timed out after ${timeoutMs} ms`, {
            code: "ETLSTIMEOUT",
            host,
          }),
        ),
      timeoutMs,
    );
    secure.once("secureConnect", onSecure);
    secure.on("error", onError);
    secure.once("close", onClose);
  });
}

/**
 * Whether a handshake error says the peer's bytes were no TLS record (rustls'
 * `InvalidContentType`, OpenSSL's `wrong version number`): the peer speaks
 * something else, plain FTP most often. Such a peer is not "TLS 1.3 only".
 */
function notTlsRecord(cause: Error): boolean {
  return /InvalidContentType|wrong version number|unknown protocol/i.test(cause.message);
}

function warnInsecure(chain: X509Certificate[], name: string, options: TlsOptions): void {
  let verdict = "it would have passed verification";
  try {
    verifyCertificateChain(chain, name, { ca: options.ca });
  } catch (error) {
    verdict = `it would have been REFUSED: ${(error as Error).message}`;
  }
  log.warn(
    "TLS CERTIFICATE VERIFICATION IS OFF for {host} (insecure: true): the connection is " +
      "encrypted but the server is NOT authenticated, so anyone on the network path can read " +
      "and change it. Server certificate {subject}, SHA-256 {fingerprint256}; {verdict}",
    {
      host: name,
      subject: chain[0]?.subject ?? "(none)",
      fingerprint256: chain[0]?.fingerprint256 ?? "(none)",
      verdict,
    },
  );
}

function destroyBoth(secure: tls.TLSSocket, socket: net.Socket): void {
  // Errors after a refusal (Deno may emit the handshake error twice) must not
  // become uncaught exceptions.
  secure.on("error", () => {});
  socket.on("error", () => {});
  secure.destroy();
  socket.destroy();
}

function stripBrackets(host: string): string {
  return host.replace(/^\[(.*)\]$/, "$1");
}
