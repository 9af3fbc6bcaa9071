/**
 * What an FTP endpoint is opened with: the one vocabulary every scheme
 * receives ({@link FtpEndpointOptions}), FTP's own extras a workflow writes
 * under `options:` ({@link FtpEndpointExtras}, checked against
 * {@link FTP_OPTIONS}), and their translation into the host's typed options
 * ({@link hostOptionsFor}), made here and nowhere else. Pure: nothing here
 * connects.
 * @module
 */
import type { TlsMode } from "../../ftp/client.ts";
import type { FtpUrl } from "../../ftp/url.ts";
import type { SchemeOption, SchemeOptions } from "../scheme_options.ts";
import type { FtpHostOptions } from "./host_options.ts";

/**
 * The FTP scheme's own extras (a workflow endpoint's `options:` map): the
 * host's tuning knobs (`useMlsd`, `listHidden`, `mlsdLocalTime`, `passive`,
 * `setMtime`, `stateDir`, `keepAliveMs`, `sessionFactory`, ...) and how long
 * cached listings are trusted. Durations say their unit in the key.
 */
export interface FtpEndpointExtras extends
  Partial<
    Omit<
      FtpHostOptions,
      "host" | "port" | "tls" | "tlsOptions" | "user" | "password" | "timeoutMs" | "timeShift"
    >
  > {
  /** How long cached listings are trusted (ms). Default 60 s. */
  cacheMaxAgeMs?: number;
}

const bool: SchemeOption = { type: "boolean" };
const ms: SchemeOption = { type: "integer", description: "milliseconds" };

/**
 * The keys of {@link FtpEndpointExtras} a workflow may write under `options:`
 * (the rest take functions or maps: `sessionFactory`, `listParsers`,
 * `features`, `now`; `epsvWorks` is learned, not set). `satisfies` makes `deno check` fail when the extras gain a
 * key this does not list, or this lists one they do not have.
 */
export const FTP_OPTIONS: SchemeOptions = {
  account: { type: "string", description: "ACCT after login" },
  sourceAddress: { type: "string", description: "local address to connect from" },
  activeAddress: { type: "string", description: "address announced in active mode" },
  passive: { ...bool, description: "passive mode (default true)" },
  epsv: { ...bool, description: "try EPSV before PASV (default true)" },
  pipeline: { ...bool, description: "send the transfer commands without waiting (default auto)" },
  nativeDataConnections: bool,
  nativeControl: {
    ...bool,
    description: "plain control connection on Deno.connect (default true with tls off)",
  },
  queueReads: { ...bool, description: "send the next download's commands while one runs" },
  pipelineLogin: { ...bool, description: "USER, PASS and FEAT in one write (default auto)" },
  writeAhead: {
    ...bool,
    description: "send an upload's bytes before the server's 150 (default true)",
  },
  epsvAhead: {
    ...bool,
    description: "EPSV for the next transfer sent with an upload's rename (default auto)",
  },
  nudgeAcks: { ...bool, description: "answer preliminary replies so ACKs are not delayed" },
  trustPasvHost: { ...bool, description: "follow a PASV reply's other host (default false)" },
  dataProtection: { type: "string", values: ["P", "C"], description: "PROT under TLS" },
  encoding: { type: "string", values: ["utf-8", "latin1"], description: "names on the wire" },
  useMlsd: { type: "boolean", values: [true, false, "auto"], description: "MLSD or LIST" },
  listHidden: { ...bool, description: "LIST -a" },
  statList: {
    ...bool,
    description: "list with STAT -a over the control connection where the server's shows '.'",
  },
  mlsdLocalTime: { ...bool, description: "the server's MLSD times are local, not UTC" },
  maxListingBytes: { type: "integer", description: "largest listing accepted" },
  maxStatListingBytes: {
    type: "integer",
    description: "largest STAT listing taken (characters; default maxListingBytes)",
  },
  maxChildren: { type: "integer", description: "child sessions beside the main one" },
  lendMain: bool,
  awaitQuit: { ...bool, description: "wait for a near server's answer to QUIT (default true)" },
  statCache: { type: "object", description: "{ size, maxAge (ms), disabled }" },
  cacheMaxAgeMs: { ...ms, description: "how long cached listings are trusted" },
  stateDir: { type: "string", description: "where `timeShift: auto` results are kept" },
  timeShiftMaxAgeMs: { ...ms, description: "how long a measured time shift is trusted" },
  probeDir: { type: "string", description: "directory for the time shift probe" },
  timeShiftProbe: {
    type: "boolean",
    description: "false: `timeShift: auto` writes no probe file (a remembered shift, else 0)",
  },
  keepAliveMs: { ...ms, description: "NOOP on idle sessions this often (0: off)" },
  setMtime: { type: "string", values: ["auto", "mfmt", "mdtm", "none"] },
} satisfies Record<FtpOptionKey, SchemeOption>;

/** The extras a workflow can write (the others take functions or maps). */
type FtpOptionKey = Exclude<
  keyof FtpEndpointExtras,
  | "sessionFactory"
  | "listParsers"
  | "features"
  | "featuresAhead"
  | "epsvWorks"
  | "now"
  | "oneFile"
  | "literalList"
>;

/**
 * Options of {@link FtpEndpoint.open}: the one vocabulary every scheme
 * receives (`credentials`, `timeShift`, `tls`, `maxConnections`, `timeout` in
 * seconds, `signal`) and FTP's own extras under `options`.
 */
export interface FtpEndpointOptions {
  /** From the endpoint's auth method; the URL's user and password fill the gaps. */
  credentials?: { user?: string; password?: string };
  /** Seconds, `"+HH:MM"` or `"auto"`. */
  timeShift?: number | string;
  /** `mode` applies to `ftp://` only: require AUTH TLS, try it, or stay plain (default). */
  tls?: { mode?: "require" | "try" | "off"; ca?: string; insecure?: boolean };
  /**
   * Most connections to the server at once, the main session included (it is
   * lent to a transfer when the others are all out), so that a server's
   * per-user limit can be met exactly. Default 4.
   */
  maxConnections?: number;
  /** Per network wait, seconds. Default 30. */
  timeout?: number;
  /** FTP's extras (see {@link FtpEndpointExtras}). */
  options?: FtpEndpointExtras | Record<string, unknown>;
  /** Aborts connecting and every operation started with this endpoint. */
  signal?: AbortSignal;
  /**
   * Opened for dry runs only: opening writes nothing on the server, so a
   * `timeShift: "auto"` with no remembered shift is not measured (its probe is
   * a file) but planned with 0, said in a warning.
   */
  dryRun?: boolean;
}

/**
 * The host's options for an endpoint URL opened with `options`, and how many
 * connections the endpoint may have at once (its capabilities say so).
 *
 * @example
 * ```ts
 * const { host, connections } = hostOptionsFor(parseFtpUrl("ftpes://bob@ftp.example.org/pub"), {
 *   credentials: { password: "secret" },
 *   maxConnections: 2,
 * });
 * host.tls; // "explicit"
 * connections; // 2
 * ```
 */
export function hostOptionsFor(
  parsed: FtpUrl,
  options: FtpEndpointOptions,
): { host: FtpHostOptions; connections: number } {
  const { cacheMaxAgeMs, statCache, maxChildren, ...extras } =
    (options.options ?? {}) as FtpEndpointExtras;
  const tlsMode = options.tls?.mode ?? "off";
  const tls: TlsMode = parsed.tls !== "none"
    ? parsed.tls
    : tlsMode === "require" || tlsMode === "try"
    ? "explicit"
    : "none";
  const connections = Math.max(1, options.maxConnections ?? (maxChildren ?? 3) + 1);
  const host: FtpHostOptions = {
    // A plain session's control connection on Deno.connect, not Node's socket
    // layer: its replies and writes cost less CPU (see `nativeControl`).
    nativeControl: tls === "none",
    ...extras,
    host: parsed.host,
    port: parsed.port,
    tls,
    tlsOptions: {
      ...(options.tls?.ca ? { ca: options.tls.ca } : {}),
      ...(options.tls?.insecure ? { insecure: true } : {}),
    },
    user: options.credentials?.user ?? parsed.user,
    password: options.credentials?.password ?? parsed.password,
    timeoutMs: (options.timeout ?? 30) * 1000,
    // The host's own `maxChildren` keeps ftputil's meaning (children beside a
    // main session that stays free); `maxConnections` counts every connection.
    ...(maxChildren !== undefined && options.maxConnections === undefined
      ? { maxChildren }
      : { maxChildren: Math.max(0, connections - 1), lendMain: true }),
    timeShift: options.timeShift,
    // `auto`'s probe goes where the endpoint works (its root, from the login directory as the
    // root is), not into a login directory that may not be writable (a chrooted vsftpd's).
    probeDir: extras.probeDir ?? parsed.path,
    ...(options.dryRun ? { timeShiftProbe: false } : {}),
    statCache: { maxAge: cacheMaxAgeMs ?? 60_000, ...(statCache ?? {}) },
  };
  return { host, connections };
}

/**
 * The endpoint's URL as shown in reports and logs: scheme, user, host, port
 * and the root's server path; never the password.
 *
 * @example
 * ```ts
 * shownUrl(parseFtpUrl("ftp://bob:pw@::1/pub"), "bob", "/home/bob/pub"); // "ftp://bob@[::1]:21/home/bob/pub"
 * ```
 */
export function shownUrl(parsed: FtpUrl, user: string | undefined, root: string): string {
  const host = parsed.host.includes(":") ? `[${parsed.host}]` : parsed.host;
  return `${parsed.scheme}://${
    user ? encodeURIComponent(user) + "@" : ""
  }${host}:${parsed.port}${root}`;
}
