/**
 * What one login of a session holds: the user, their jailed filesystem, the
 * working directory and the transfer parameters the client set. REIN (and a
 * new USER after a login) replaces the whole object, so nothing a previous
 * user set can survive into the next login. What belongs to the connection
 * (TLS, PBSZ/PROT, the count of failed logins, the data channel) stays on
 * the session.
 * @module
 */
import type { UserAccount } from "./authorizers.ts";
import type { JailedFs } from "./filesystem.ts";
import { DEFAULT_MLST_FACTS } from "./listing.ts";

/**
 * The per-login state of a session.
 *
 * @example
 * ```ts
 * session.state = new LoginState(); // REIN: every per-login setting back to its default
 * ```
 */
export class LoginState {
  /** USER given, PASS not yet. */
  pendingUser?: string;
  account?: UserAccount;
  fs?: JailedFs;
  cwd = "/";
  type: "A" | "I" = "A";
  restPosition = 0;
  renameFrom?: string;
  epsvAll = false;
  /** Shared until OPTS MLST sets a list of its own (a new array; never changed in place). */
  mlstFacts: readonly string[] = DEFAULT_MLST_FACTS;
  hashAlgorithm = "SHA-256";
}
