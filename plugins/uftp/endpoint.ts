/**
 * The `uftp://` endpoint: ferry's FTP endpoint (stat cache, pool, atomic and
 * resumable writes) over UFTP sessions. Every pool connection is a freshly
 * authenticated session (or shares a persistent secret), the time shift of
 * UFTPD's local-time MLSD is measured from its STAT times, and server-side
 * hashes (`HASH`) and ranged reads (`RANG`) are offered beside the contract.
 * @module
 */
import type { FtpClient } from "../../ftp.ts";
import { FtpEndpoint, FtpHost, parseTimeShift, SessionPool } from "../../host.ts";
import { type Capabilities, DelegatingEndpoint, normalizePath } from "../../plugin_base.ts";
import type { UftpCredential } from "./auth_header.ts";
import { type CredentialSpec, resolveCredential } from "./credentials.ts";
import { MAX_BLOCK } from "./blocks.ts";
import { uftpHash } from "./dialect.ts";
import { UftpConfigError, UftpUnsupportedError } from "./errors.ts";
import { uftpSessionFactory } from "./session.ts";
import { takeUftpHead, uftpHeadKey } from "./head.ts";
import { measureUftpTimeShift } from "./time.ts";
import { parseUftpUrl, type UftpUrl } from "./url.ts";

/** Options of {@link UftpEndpoint.open} (the workflow's endpoint options). */
export interface UftpEndpointOptions {
  /** From the endpoint's auth method; the URL's user/password/parameters fill the gaps. */
  credentials?: CredentialSpec & Record<string, unknown>;
  /** `ca`: PEM of the auth server's CA. */
  tls?: { ca?: string; insecure?: boolean; mode?: string };
  /** Seconds, `"+HH:MM"`, or `"auto"` (default: measured from STAT times). */
  timeShift?: number | string;
  /**
   * Parallel transfer sessions (default 4; 1 with `oneFile`) beside the one
   * that lists. 1: one session for everything, the listing one lent to the
   * transfer (a single `get`/`put`: one auth request and one UFTPD session,
   * as curl opens).
   */
  maxConnections?: number;
  /** One file is copied (`ferry get`/`put`): `maxConnections` defaults to 1. */
  oneFile?: boolean;
  /** Per network wait, seconds (default 30). */
  timeout?: number;
  /**
   * UFTP extras: `persistent` (one secret for every session), `streams`
   * (multi-stream transfers), `group`, `client` (addresses the UFTPD accepts),
   * `compress` (refused: not implemented), `cacheMaxAgeMs`.
   */
  options?: Record<string, unknown>;
  /** Aborts connecting. */
  signal?: AbortSignal;
  /** A workflow's secrets: one-time secrets are added so logs mask them. */
  secrets?: { add(value: string): unknown };
  /** The clock of SSH-key JWTs (tests). */
  now?: () => number;
}

/**
 * An endpoint on a UFTP server.
 *
 * @example
 * ```ts
 * const ep = await UftpEndpoint.open("uftp://demouser@localhost:9000/rest/auth/TEST:/data", {
 *   credentials: { password: Deno.env.get("UFTP_PASSWORD") },
 * });
 * console.log(await ep.list(""));
 * await ep.close();
 * ```
 */
export class UftpEndpoint extends DelegatingEndpoint<FtpEndpoint> {
  // `inner`: the FTP endpoint underneath (its `host` has the stat cache and time shift).
  readonly #url: string;
  readonly #aux: SessionPool;
  readonly #capabilities: Capabilities;
  readonly #owned: Owned;

  private constructor(
    inner: FtpEndpoint,
    aux: SessionPool,
    url: string,
    caps: Capabilities,
    owned: Owned,
  ) {
    super(inner);
    this.#aux = aux;
    this.#url = url;
    this.#capabilities = caps;
    this.#owned = owned;
  }

  /** The endpoint's URL, without credentials. */
  override get url(): string {
    return this.#url;
  }

  /**
   * Authenticates, opens the first session, measures the time shift and
   * returns the endpoint.
   *
   * @example
   * ```ts
   * const ep = await UftpEndpoint.open(new URL("uftp://u@h:9000/rest/auth/TEST:/d?token=@@UFTP_TOKEN"));
   * ```
   */
  static async open(url: string | URL, options: UftpEndpointOptions = {}): Promise<UftpEndpoint> {
    const parsed = parseUftpUrl(url);
    const extras = options.options ?? {};
    if (extras.compress) {
      throw new UftpUnsupportedError("UFTP compression is not implemented by ferry");
    }
    if (options.tls?.insecure) {
      throw new UftpConfigError(
        "tls.insecure is not supported for UFTP auth servers; give their CA with tls.ca",
      );
    }
    const given = options.credentials ?? {};
    const credential = await resolveCredential({
      user: given.user ?? parsed.user,
      password: given.password ?? parsed.password,
      token: given.token ?? parsed.token,
      identity: given.identity ?? parsed.identity,
      passphrase: given.passphrase,
      anonymous: given.anonymous,
    }, {
      readTextFile: (p) => Deno.readTextFile(p),
      env: (n) => Deno.env.get(n),
      home: Deno.env.get("HOME"),
    });
    const owned: Owned = { spare: {} };
    try {
      return await UftpEndpoint.#open(parsed, options, credential, owned);
    } catch (error) {
      await releaseOwned(owned);
      throw error;
    }
  }

  static async #open(
    parsed: UftpUrl,
    options: UftpEndpointOptions,
    credential: UftpCredential,
    owned: Owned,
  ): Promise<UftpEndpoint> {
    const extras = options.options ?? {};
    const maxConnections = Math.max(1, options.maxConnections ?? (options.oneFile ? 1 : 4));
    const single = maxConnections === 1;
    const streams = typeof extras.streams === "number" ? extras.streams : 1;
    const request = {
      baseDir: parsed.baseDir,
      persistent: extras.persistent === true,
      group: typeof extras.group === "string" ? extras.group : undefined,
      client: typeof extras.client === "string" ? extras.client : undefined,
    };
    const factory = uftpSessionFactory({
      authUrl: parsed.authUrl,
      serverName: parsed.serverName,
      credential,
      request,
      streams,
      ca: options.tls?.ca,
      // One HTTP client for every session's auth request that `fetch` makes (see
      // AuthClientOptions.httpClient), made at the first (~1 ms): as a rule none is.
      get httpClient() {
        const ca = options.tls?.ca;
        return ca ? owned.httpClient ??= Deno.createHttpClient({ caCerts: [ca] }) : undefined;
      },
      timeoutMs: (options.timeout ?? 30) * 1000,
      ftpTimeoutMs: (options.timeout ?? 30) * 1000,
      signal: options.signal,
      now: options.now,
      onSecret: (secret) => options.secrets?.add(secret),
    });
    // A session the CLI started ahead for exactly this (plugins/uftp/head.ts), else a new one.
    const head = await takeUftpHead(
      uftpHeadKey({ authUrl: parsed.authUrl, credential, request, streams, ca: options.tls?.ca }),
    );
    if (head) options.secrets?.add(head.secret);
    let first: FtpClient | undefined = head?.client ?? await factory();
    // The next session (the first transfer's, as a rule) is opened meanwhile:
    // a UFTP session costs an HTTPS request and a login, ~50-100 ms, which
    // then overlap with the time-shift measurement and the first listing
    // instead of following them. Unused, it is closed with the endpoint.
    // A single session has no next one.
    const spare = owned.spare;
    if (!single) {
      spare.pending = factory();
      spare.pending.catch(() => {});
    }
    let shift: number;
    try {
      const wanted = options.timeShift ?? "auto";
      shift = wanted === "auto" ? await measureUftpTimeShift(first) : parseShift(wanted);
    } catch (error) {
      first.close();
      throw error;
    }
    const host = await FtpHost.connect({
      host: new URL(parsed.authUrl).hostname,
      sessionFactory: () => {
        const made = first;
        first = undefined;
        if (made) return Promise.resolve(made);
        const pending = spare.pending;
        spare.pending = undefined;
        // A spare that failed is not the caller's error: a fresh session is.
        return pending ? pending.catch(() => factory()) : factory();
      },
      ...(single ? { maxChildren: 0, lendMain: true } : { maxChildren: maxConnections }),
      // One file: a write's checks ask MLST of its names, not a listing (a data connection).
      oneFile: options.oneFile === true,
      // One file, checked before it got its name: UFTPD answers QUIT by closing, which
      // the end of a `ferry get`/`put` need not wait for.
      awaitQuit: options.oneFile !== true,
      setMtime: "mfmt",
      useMlsd: true,
      // UFTPD's LIST takes its argument as one path (Session.py makeabs: no options, no glob).
      literalList: true,
      // UFTPD writes MLSD `modify` in its local time (FileInfo.py: localtime()).
      mlsdLocalTime: true,
      timeShift: shift,
      statCache: {
        maxAge: typeof extras.cacheMaxAgeMs === "number" ? extras.cacheMaxAgeMs : 60_000,
      },
    });
    try {
      // A cut multi-stream upload can leave a torn last block in the partial (the UFTPD
      // writes a block it got only part of): a resume rewrites that block.
      const shown = shownUrl(parsed, credential);
      const inner = await FtpEndpoint.onHost(host, "/", shown, maxConnections, {
        resumeOverlap: streams > 1 ? MAX_BLOCK : 0,
      });
      const features = await host.features();
      const hashes = (features.get("HASH") ?? "").split(";")
        .map((h) => h.replace("*", "").trim().toLowerCase()).filter(Boolean);
      const caps: Capabilities = {
        ...inner.capabilities(),
        setMtime: true,
        chmod: true,
        readOffset: true,
        writeOffset: true,
        symlinks: false,
        hashes,
      };
      const aux = new SessionPool(factory, { maxChildren: 2 });
      return new UftpEndpoint(inner, aux, shown, caps, owned);
    } catch (error) {
      await host.close();
      throw error;
    }
  }

  /**
   * What this endpoint can do (a copy: changing it changes nothing).
   *
   * @example
   * ```ts
   * ep.capabilities().setMtime; // whether mtimes can be set
   * ```
   */
  override capabilities(): Capabilities {
    return { ...this.#capabilities, hashes: [...this.#capabilities.hashes] };
  }

  /**
   * {@link rename} with the moved file's mtime set in the same write as
   * RNFR/RNTO (MFMT on `from` first: see `FtpEndpoint.renameWithMtime`).
   * Resolves to whether the time was set.
   *
   * @example
   * ```ts
   * await ep.renameWithMtime(".a.bin.ferry.part", "a.bin", new Date("2026-11-30T08:15:00Z"));
   * ```
   */
  renameWithMtime(from: string, to: string, mtime: Date): Promise<boolean> {
    return this.inner.renameWithMtime(from, to, mtime);
  }

  /**
   * The server's hash of a file (`OPTS HASH` + `HASH`), hex.
   *
   * @example
   * ```ts
   * await ep.hash("big.iso", "sha-256");
   * ```
   */
  async hash(path: string, algorithm: string, signal?: AbortSignal): Promise<string> {
    const p = normalizePath(path);
    signal?.throwIfAborted();
    const name = algorithm.toLowerCase();
    if (!this.#capabilities.hashes.includes(name)) {
      throw new UftpUnsupportedError(
        `the UFTPD offers ${this.#capabilities.hashes.join(", ")}, not ${algorithm}`,
      );
    }
    return (await this.#aux.withMain((c) => uftpHash(c, `/${p}`, name))).hash;
  }

  /**
   * `length` bytes from `offset` (`RANG offset offset+length`, end exclusive).
   *
   * @example
   * ```ts
   * const part = await ep.readRange("big.iso", 1 << 20, 4096);
   * ```
   */
  async readRange(
    path: string,
    offset: number,
    length: number,
  ): Promise<ReadableStream<Uint8Array>> {
    const p = normalizePath(path);
    const client = await this.#aux.acquire();
    const features = await client.features();
    const end = features.has("RFC_RANG") ? offset + length - 1 : offset + length;
    try {
      const stream = await client.retrieve(`/${p}`, { before: [`RANG ${offset} ${end}`] });
      const reader = stream.getReader();
      return new ReadableStream<Uint8Array>({
        pull: async (controller) => {
          try {
            const { value, done } = await reader.read();
            if (done) {
              this.#aux.release(client);
              controller.close();
            } else controller.enqueue(value);
          } catch (error) {
            this.#aux.release(client, { broken: true });
            controller.error(error);
          }
        },
        cancel: async (reason) => {
          await reader.cancel(reason).catch(() => {});
          this.#aux.release(client, { broken: true });
        },
      }, { highWaterMark: 0 });
    } catch (error) {
      this.#aux.release(client, { broken: client.closed });
      throw error;
    }
  }

  /**
   * Ends the UFTP session and its auxiliary connection.
   *
   * @example
   * ```ts
   * await ep.close();
   * ```
   */
  override async close(): Promise<void> {
    await Promise.allSettled([this.#aux.close(), this.inner.close()]);
    await releaseOwned(this.#owned);
  }
}

/**
 * What an endpoint holds besides its pools: a session opened ahead of need
 * (`pending` is cleared once handed out) and the auth requests' HTTP client.
 */
interface Owned {
  spare: { pending?: Promise<FtpClient> };
  httpClient?: Deno.HttpClient;
}

async function releaseOwned(owned: Owned): Promise<void> {
  const pending = owned.spare.pending;
  owned.spare.pending = undefined;
  const client = await pending?.catch(() => undefined);
  await client?.quit();
  owned.httpClient?.close();
}

function parseShift(value: number | string): number {
  const parsed = parseTimeShift(value);
  if (parsed === "auto") throw new UftpConfigError("timeShift auto is measured, not parsed");
  return parsed;
}

/**
 * The endpoint's URL for messages: the URL without credentials, naming the user
 * the session logs in as (from `-u` or the auth method when the URL has none),
 * as an FTP endpoint's URL does: user@host:port, never a password or token.
 */
function shownUrl(parsed: UftpUrl, credential: UftpCredential): string {
  const user = "user" in credential ? credential.user : undefined;
  if (parsed.user !== undefined || !user) return parsed.display;
  return parsed.display.replace(/^uftp:\/\//, `uftp://${encodeURIComponent(user)}@`);
}
