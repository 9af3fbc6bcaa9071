/**
 * Event hooks, pyftpdlib's `on_*` callbacks as plain objects: several hook
 * sets can be installed (one per plugin) and each method is optional.
 * A hook that throws is logged and ignored, except where a hook may decide:
 * `onFileReceived` vetoes an upload by throwing `UploadVetoError` (or returning
 * `false`), and `onIncompleteFileReceived` returns `"delete"` to drop a partial upload.
 * @module
 */
import { logger } from "../../plugin.ts";

const log = logger("server", "hooks");

/** Who is on the other end. */
export interface SessionInfo {
  /** Number of the session, unique in the process. */
  sessionId: number;
  /** The client's IP address. */
  remoteAddress: string;
  /** The client's port. */
  remotePort: number;
  /** The logged-in user, if any. */
  username?: string;
  /** Whether the control connection is protected by TLS. */
  secure: boolean;
}

/** A finished or interrupted transfer. */
export interface TransferEvent extends SessionInfo {
  /** Virtual path as the client named it (e.g. `/in/a.txt`). */
  path: string;
  /** Path relative to the served endpoint's root. */
  endpointPath: string;
  /** Bytes transferred. */
  bytes: number;
  /** Duration of the transfer in seconds. */
  seconds: number;
  /**
   * Uploads with `atomicUploads` (the default): where the received bytes are
   * while `onFileReceived` decides (relative to the endpoint's root); the
   * target at `endpointPath` still holds what it held before.
   */
  stagedPath?: string;
}

/** What `onFileReceived` may answer: `false` or a string vetoes the upload. */
export type ReceivedVerdict = void | boolean | string;

/** The hooks a plugin or an embedding program can install. */
export interface ServerHooks {
  /** A client connected (before any greeting). */
  onConnect?(session: SessionInfo): void | Promise<void>;
  /** The control connection closed. */
  onDisconnect?(session: SessionInfo): void | Promise<void>;
  /** A user logged in. */
  onLogin?(session: SessionInfo & { username: string }): void | Promise<void>;
  /** A login failed (wrong password or unknown user). */
  onLoginFailed?(session: SessionInfo & { username: string }): void | Promise<void>;
  /** A user logged out (QUIT, REIN or disconnect). */
  onLogout?(session: SessionInfo & { username: string }): void | Promise<void>;
  /** A download finished completely. */
  onFileSent?(event: TransferEvent): void | Promise<void>;
  /** Runs before the 226 reply; veto by returning `false`/a reason or throwing `UploadVetoError`. */
  onFileReceived?(event: TransferEvent): ReceivedVerdict | Promise<ReceivedVerdict>;
  /** A download was cut short (ABOR, error, disconnect). */
  onIncompleteFileSent?(event: TransferEvent): void | Promise<void>;
  /** Return `"delete"` to remove the partial file. */
  onIncompleteFileReceived?(
    event: TransferEvent,
  ): void | "delete" | "keep" | Promise<void | "delete" | "keep">;
}

type HookName = keyof ServerHooks;

/**
 * Calls one hook on every hook set, in order; errors are logged, never thrown.
 * Returns the results so that deciding hooks can be read.
 *
 * @example
 * ```ts
 * await runHooks(hooks, "onConnect", info);
 * ```
 */
export async function runHooks<K extends HookName>(
  hooks: readonly ServerHooks[],
  name: K,
  event: Parameters<NonNullable<ServerHooks[K]>>[0],
): Promise<unknown[]> {
  const results: unknown[] = [];
  for (const h of hooks) {
    const fn = h[name] as ((e: typeof event) => unknown) | undefined;
    if (!fn) continue;
    try {
      results.push(await fn.call(h, event));
    } catch (e) {
      log.error("hook {name} failed: {error}", { name, error: (e as Error)?.message ?? String(e) });
      results.push(e);
    }
  }
  return results;
}
