/**
 * What a {@link LocalEndpoint} hands its read and write code
 * (endpoint/local/read.ts, endpoint/local/write.ts): its root guard, its
 * flush setting and its error mapping. Types only: those modules name it
 * without importing the endpoint (which imports them).
 * @module
 */
import type { RootGuard } from "./guard.ts";

/** A local endpoint's parts its read and write code works with. */
export interface LocalFiles {
  /** The root and the check that a path stays inside it. */
  readonly guard: RootGuard;
  /** `LocalEndpointOptions.fsync`. */
  readonly fsync: "replace" | "always" | "never";
  /** Runs a Deno file operation and turns its errors into endpoint errors about `path`. */
  attempt<T>(path: string, op: () => Promise<T>): Promise<T>;
  /** {@link attempt} of a synchronous operation (no promise of its own). */
  attemptSync<T>(path: string, op: () => T): T;
  /** The endpoint's own `setMtime` (an atomic write's last step). */
  setMtime(path: string, mtime: Date): Promise<void>;
}
