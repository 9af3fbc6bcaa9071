/**
 * The verified-login cache (SFTPGo's password cache): after a user's password
 * was verified against a costly hash (scrypt), the same user and password log
 * in again without paying the hash. Entries are keyed by the user name and an
 * HMAC of the password under a key made at start-up (the cache never holds a
 * password or a hash that could be attacked offline), bounded (least recently
 * used goes first), and tied to the stored secret they were verified against:
 * a changed or removed user misses. Only successes are cached, so a wrong
 * password always costs a full verification.
 * @module
 */
import { createHmac, randomBytes } from "node:crypto";

/** Entries kept by default (about 100 bytes each). */
export const DEFAULT_LOGIN_CACHE_SIZE = 4096;

/**
 * A bounded map from (user, keyed hash of the password) to the secret it was
 * verified against.
 *
 * @example
 * ```ts
 * const cache = new LoginCache();
 * const secret = { kind: "scrypt" };
 * cache.remember("bob", "pw", secret);
 * cache.verified("bob", "pw", secret); // true
 * cache.verified("bob", "nope", secret); // false
 * ```
 */
export class LoginCache {
  readonly #key = randomBytes(32);
  readonly #entries = new Map<string, object>();

  constructor(readonly size: number = DEFAULT_LOGIN_CACHE_SIZE) {}

  #id(user: string, password: string): string {
    const mac = createHmac("sha256", this.#key).update(password, "utf8").digest("base64");
    return `${user}\0${mac}`;
  }

  /** Whether this user logged in with this password against this very secret before. */
  verified(user: string, password: string, secret: object): boolean {
    if (this.size <= 0) return false;
    const id = this.#id(user, password);
    const hit = this.#entries.get(id);
    if (hit !== secret) return false;
    // Least recently used first: a hit moves to the end.
    this.#entries.delete(id);
    this.#entries.set(id, hit);
    return true;
  }

  /** Records a successful verification. */
  remember(user: string, password: string, secret: object): void {
    if (this.size <= 0) return;
    const id = this.#id(user, password);
    this.#entries.delete(id);
    this.#entries.set(id, secret);
    while (this.#entries.size > this.size) {
      this.#entries.delete(this.#entries.keys().next().value!);
    }
  }

  /** Forgets every entry of a user (its credentials changed or it was removed). */
  forget(user: string): void {
    const prefix = `${user}\0`;
    for (const id of [...this.#entries.keys()]) if (id.startsWith(prefix)) this.#entries.delete(id);
  }

  /** Entries held now. */
  get count(): number {
    return this.#entries.size;
  }
}
