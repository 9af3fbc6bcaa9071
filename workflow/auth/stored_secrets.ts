/**
 * What a virtual user's password is checked against, and the stand-in checked
 * for a user name nobody configured. The stand-in has the kind and cost of the
 * configured users (the most common one when they differ), so a failed login
 * costs the same whether the name exists or not: user names cannot be told
 * apart by timing (issue 17 measured ~210 ms more for unknown names against
 * `-u/-P` users, whose scrypt cost is lower than the old fixed stand-in's).
 * @module
 */
import {
  DEFAULT_SCRYPT,
  hashPassword,
  md5Password,
  plainEquals,
  type ScryptParams,
  scryptParams,
  verifyPassword,
} from "./passwords.ts";

/** A configured password: clear text (pyftpdlib style), FsTPy MD5 hex, or scrypt. */
export type StoredSecret =
  | { kind: "clear"; value: string }
  | { kind: "md5"; value: string }
  | { kind: "scrypt"; value: string; params: ScryptParams };

/** Checks a password against a stored secret (swappable in tests to see what is checked). */
export type SecretVerifier = (secret: StoredSecret, password: string) => Promise<boolean>;

/**
 * The stored secret for a user's `password` / `passwordHash` (the hash wins).
 *
 * @example
 * ```ts
 * storedSecret("pw"); // { kind: "clear", value: "pw" }
 * ```
 */
export function storedSecret(password?: string, passwordHash?: string): StoredSecret {
  if (passwordHash === undefined) return { kind: "clear", value: password ?? "" };
  const params = scryptParams(passwordHash);
  if (params) return { kind: "scrypt", value: passwordHash, params };
  // MD5 is the only other kind; any other format fails in verifyPassword, as before.
  return { kind: "md5", value: passwordHash };
}

/**
 * The kind and cost of a secret as one key: what two checks must share to cost the same.
 *
 * @example
 * ```ts
 * secretCost({ kind: "scrypt", value: "...", params: { ln: 12, r: 8, p: 1 } }); // "scrypt ln=12 r=8 p=1"
 * ```
 */
export function secretCost(secret: StoredSecret): string {
  if (secret.kind !== "scrypt") return secret.kind;
  const { ln, r, p } = secret.params;
  return `scrypt ln=${ln} r=${r} p=${p}`;
}

/**
 * The default verifier: scrypt and MD5 through `verifyPassword`, clear text
 * compared in constant time.
 *
 * @example
 * ```ts
 * await checkSecret({ kind: "clear", value: "pw" }, "pw"); // true
 * ```
 */
export function checkSecret(secret: StoredSecret, password: string): Promise<boolean> {
  if (secret.kind === "clear") return Promise.resolve(plainEquals(secret.value, password));
  return verifyPassword(secret.value, password);
}

// One stand-in per cost, shared by every authorizer of the process.
const standIns = new Map<string, Promise<StoredSecret>>();

function standIn(like: StoredSecret): Promise<StoredSecret> {
  const key = secretCost(like);
  let made = standIns.get(key);
  if (!made) {
    const value = btoa(String.fromCharCode(...crypto.getRandomValues(new Uint8Array(18))));
    made = like.kind === "clear"
      ? Promise.resolve({ kind: "clear", value })
      : like.kind === "md5"
      ? Promise.resolve({ kind: "md5", value: md5Password(value) })
      : hashPassword(value, like.params).then((h) => ({
        kind: "scrypt",
        value: h,
        params: like.params,
      }));
    standIns.set(key, made);
  }
  return made;
}

const DEFAULT_STAND_IN: StoredSecret = { kind: "scrypt", value: "", params: DEFAULT_SCRYPT };

function rank(s: StoredSecret): number {
  return s.kind === "clear"
    ? 0
    : s.kind === "md5"
    ? 1
    : 2 + s.params.ln * 1000 + s.params.r * 10 + s.params.p;
}

/**
 * Counts the costs of the configured users and hands out the stand-in for
 * unknown names: the most common cost, the dearest one on a tie, scrypt at
 * the default cost when there are no users. The stand-in is made when a user
 * is added, so the first unknown name does not pay for making it.
 *
 * @example
 * ```ts
 * const d = new StandIns();
 * d.add(storedSecret("pw"));
 * await d.get(); // { kind: "clear", value: "<random>" }
 * ```
 */
export class StandIns {
  readonly #costs = new Map<string, { count: number; like: StoredSecret }>();

  /**
   * Counts a configured user's secret.
   *
   * @example
   * ```ts
   * standIns.add(storedSecret);
   * ```
   */
  add(secret: StoredSecret): void {
    const key = secretCost(secret);
    const c = this.#costs.get(key);
    if (c) c.count++;
    else this.#costs.set(key, { count: 1, like: secret });
    standIn(secret).catch(() => {}); // made now; a failure shows when it is used
  }

  /**
   * Forgets a removed user's secret.
   *
   * @example
   * ```ts
   * standIns.remove(storedSecret);
   * ```
   */
  remove(secret: StoredSecret): void {
    const key = secretCost(secret);
    const c = this.#costs.get(key);
    if (c && --c.count === 0) this.#costs.delete(key);
  }

  /**
   * The secret to check an unknown name's password against.
   *
   * @example
   * ```ts
   * await standIns.get(); // checked against for unknown users, so they cost the same time
   * ```
   */
  get(): Promise<StoredSecret> {
    let best: { count: number; like: StoredSecret } | undefined;
    for (const c of this.#costs.values()) {
      if (
        !best || c.count > best.count || (c.count === best.count && rank(c.like) > rank(best.like))
      ) best = c;
    }
    return standIn(best?.like ?? DEFAULT_STAND_IN);
  }
}
