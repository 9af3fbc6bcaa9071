/**
 * Server options and their defaults (pyftpdlib's class attributes, as one
 * plain object per server instead of process-global state).
 * @module
 */
import type { Endpoint } from "../../plugin.ts";
import type { Authorizer } from "./authorizers.ts";
import type { ServerHooks } from "./hooks.ts";
import type { TlsOptions } from "./tls.ts";
import { FtpServerError } from "./errors.ts";

/**
 * Default `transferChunkSize`: 64 KiB. A stalled download holds one chunk
 * beside the runtime's ~45 KiB per session, so 128 KiB chunks put it at ~170
 * KiB; 64 KiB at ~115. One 512 MiB STOR + RETR cost the same server CPU per
 * MiB either way (0.49 against 0.48 ms), 300 concurrent ones ~10 % more
 * (bench/server_memory.ts; docs/SERVER.md "Memory").
 */
export const DEFAULT_TRANSFER_CHUNK = 64 * 1024;
/** Bounds of `transferChunkSize` (4 KiB to 16 MiB). */
export const TRANSFER_CHUNK_RANGE = [4096, 16 * 1048576] as const;

/** Everything {@link startFtpServer} accepts. Only `endpoint` and `authorizer` are required. */
export interface FtpServerOptions {
  /** The storage served; each user's home is a path inside it (or the user's own endpoint). */
  endpoint: Endpoint;
  /** Decides who may log in, and their home and permissions. */
  authorizer: Authorizer;
  /** Interface to bind (default `127.0.0.1`). */
  host?: string;
  /** Port (default 2121; 0 picks a free one). */
  port?: number;
  /** Text of the 220 greeting. */
  banner?: string;
  /** Inclusive passive port range, e.g. `[60000, 60100]`; default: any free port. */
  passivePorts?: readonly [number, number];
  /** IPv4 address to advertise in 227 replies (NAT). */
  masqueradeAddress?: string;
  /** Per local interface address: the address to advertise (several public IPs). */
  masqueradeAddressMap?: Readonly<Record<string, string>>;
  /** Allow data connections to/from other hosts than the client (FXP). Default false. */
  permitForeignAddresses?: boolean;
  /** Allow PORT/EPRT to ports below 1024. Default false. */
  permitPrivilegedPorts?: boolean;
  /** Max simultaneous sessions (default 512, 0 = unlimited). */
  maxConnections?: number;
  /** Max sessions from one IP (default 0 = unlimited). */
  maxConnectionsPerIp?: number;
  /** Wrong passwords tolerated per session before disconnecting (default 3). */
  maxLoginAttempts?: number;
  /** Delay before answering a failed login, ms (default 3000, as pyftpdlib). */
  authFailedDelayMs?: number;
  /** Idle control connection timeout, ms (default 300 000; 0 = none). */
  idleTimeoutMs?: number;
  /** A stalled data transfer is dropped after this many ms (default 300 000). */
  dataTimeoutMs?: number;
  /** Time for a data connection to arrive or be made, ms (default 30 000). */
  dataConnectTimeoutMs?: number;
  /** Certificate and key: enables AUTH TLS (and implicit TLS when asked). */
  tls?: TlsOptions;
  /** TLS from the first byte (ftps://, usually port 990). */
  implicitTls?: boolean;
  /** Refuse USER/PASS until the control connection is protected. */
  tlsControlRequired?: boolean;
  /** Refuse data connections until PROT P. */
  tlsDataRequired?: boolean;
  /** Data connections must resume the TLS session (vsftpd's `require_ssl_reuse`). Default false. */
  requireTlsSessionReuse?: boolean;
  /** Max time for a TLS handshake, ms (default 10 000). */
  tlsHandshakeTimeoutMs?: number;
  /**
   * Stage uploads under a temporary name; the target changes only after the
   * transfer completed and `onFileReceived` accepted it (default true). false:
   * write in place as pyftpdlib and vsftpd do (a broken upload stays, resumable).
   */
  atomicUploads?: boolean;
  /**
   * Bytes per transfer chunk (default {@link DEFAULT_TRANSFER_CHUNK}). A
   * download from a local directory holds one (read, sent, read into again),
   * from a remote endpoint two (one sent while the next is read); an upload
   * two, one being written to the endpoint while the next fills (a stalled
   * one frees the second). Larger chunks mean fewer endpoint operations per
   * byte.
   */
  transferChunkSize?: number;
  /**
   * Give memory freed by finished transfers back to the OS after 2 s without
   * a transfer (glibc's `malloc_trim` through FFI; Linux, and only when FFI is
   * allowed). Default true.
   */
  trimMemory?: boolean;
  /** Download limit per session, bytes/s (0 = none). */
  readLimit?: number;
  /** Upload limit per session, bytes/s (0 = none). */
  writeLimit?: number;
  /** Event hooks; one set per plugin. */
  hooks?: ServerHooks | readonly ServerHooks[];
}

/** Options with every default filled in. */
export type ResolvedOptions =
  & Required<
    Omit<
      FtpServerOptions,
      "tls" | "passivePorts" | "masqueradeAddress" | "masqueradeAddressMap" | "hooks"
    >
  >
  & Pick<FtpServerOptions, "tls" | "passivePorts" | "masqueradeAddress" | "masqueradeAddressMap">
  & { hooks: readonly ServerHooks[] };

/**
 * Fills in defaults.
 *
 * @example
 * ```ts
 * resolveOptions({ endpoint, authorizer }).port; // 2121
 * ```
 */
export function resolveOptions(o: FtpServerOptions): ResolvedOptions {
  return {
    endpoint: o.endpoint,
    authorizer: o.authorizer,
    host: o.host ?? "127.0.0.1",
    port: o.port ?? 2121,
    banner: o.banner ?? "ferry FTP server ready.",
    passivePorts: o.passivePorts,
    masqueradeAddress: o.masqueradeAddress,
    masqueradeAddressMap: o.masqueradeAddressMap,
    permitForeignAddresses: o.permitForeignAddresses ?? false,
    permitPrivilegedPorts: o.permitPrivilegedPorts ?? false,
    maxConnections: o.maxConnections ?? 512,
    maxConnectionsPerIp: o.maxConnectionsPerIp ?? 0,
    maxLoginAttempts: o.maxLoginAttempts ?? 3,
    authFailedDelayMs: o.authFailedDelayMs ?? 3000,
    idleTimeoutMs: o.idleTimeoutMs ?? 300_000,
    dataTimeoutMs: o.dataTimeoutMs ?? 300_000,
    dataConnectTimeoutMs: o.dataConnectTimeoutMs ?? 30_000,
    tls: o.tls,
    implicitTls: o.implicitTls ?? false,
    tlsControlRequired: o.tlsControlRequired ?? false,
    tlsDataRequired: o.tlsDataRequired ?? false,
    requireTlsSessionReuse: o.requireTlsSessionReuse ?? false,
    tlsHandshakeTimeoutMs: o.tlsHandshakeTimeoutMs ?? 10_000,
    atomicUploads: o.atomicUploads ?? true,
    transferChunkSize: chunkSize(o.transferChunkSize),
    trimMemory: o.trimMemory ?? true,
    readLimit: o.readLimit ?? 0,
    writeLimit: o.writeLimit ?? 0,
    hooks: o.hooks === undefined ? [] : Array.isArray(o.hooks) ? o.hooks : [o.hooks as ServerHooks],
  };
}

function chunkSize(n: number | undefined): number {
  if (n === undefined) return DEFAULT_TRANSFER_CHUNK;
  const [min, max] = TRANSFER_CHUNK_RANGE;
  if (!Number.isInteger(n) || n < min || n > max) {
    throw new FtpServerError(
      `transferChunkSize: expected a whole number of bytes from ${min} to ${max}, got ${n}`,
      { code: "ESERVERCONFIG" },
    );
  }
  return n;
}
