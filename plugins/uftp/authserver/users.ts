/**
 * The users of the self-hosted auth service and how each credential is
 * checked: passwords (plain for demos, or scrypt/MD5 hashes made by `ferry
 * serve hash-password`), opaque bearer tokens, and SSH public keys that verify
 * the self-signed JWTs UNICORE clients send (`sub` = `iss`, not expired).
 * @module
 */
import type { KeyObject } from "node:crypto";
import {
  checkSecret,
  type SecretVerifier,
  StandIns,
  type StoredSecret,
  storedSecret,
} from "../../../plugin.ts";
import { decodeJwt, verifyJwtSignature } from "../jwt.ts";
import { loadPublicKey } from "../keys.ts";

/** One user of the auth service. */
export interface AuthUser {
  /** Plain password (demos, tests). */
  password?: string;
  /** scrypt or MD5 hash of the password (`ferry serve hash-password`). */
  passwordHash?: string;
  /** Opaque bearer tokens that stand for this user. */
  tokens?: string[];
  /** SSH public keys (`authorized_keys` lines) that may sign this user's JWTs. */
  sshKeys?: string[];
  /** The login the UFTPD session runs as (default: the user name). */
  uid?: string;
  /** Groups the user may choose with `group` (the first is the default). */
  groups?: string[];
}

/** Who a request is, or why not. */
export type Identity = { user: string; account: AuthUser; method: string } | { error: string };

/**
 * Checks an `Authorization` header against the users.
 *
 * @example
 * ```ts
 * const users = new UserTable({ demouser: { password: "test123" } });
 * await users.identify("Basic ZGVtb3VzZXI6dGVzdDEyMw=="); // { user: "demouser", ... }
 * ```
 */
export class UserTable {
  readonly #users: Map<string, AuthUser>;
  readonly #keys = new Map<string, KeyObject[]>();
  readonly #secrets = new Map<string, StoredSecret>();
  // Unknown names (and users without a password) are checked against a stand-in of the
  // users' own kind and cost, so a failure does not tell whether the name exists.
  readonly #standIns = new StandIns();
  readonly #now: () => number;
  readonly #verify: SecretVerifier;

  /** Makes the table from `users`; `verify` checks stored secrets. */
  constructor(
    users: Record<string, AuthUser>,
    options: { now?: () => number; verify?: SecretVerifier } = {},
  ) {
    this.#users = new Map(Object.entries(users));
    this.#now = options.now ?? Date.now;
    this.#verify = options.verify ?? checkSecret;
    for (const [name, account] of this.#users) {
      this.#keys.set(name, (account.sshKeys ?? []).map((line) => loadPublicKey(line)));
      if (account.password === undefined && account.passwordHash === undefined) continue;
      const secret = storedSecret(account.password, account.passwordHash);
      this.#secrets.set(name, secret);
      this.#standIns.add(secret);
    }
  }

  /**
   * The user behind a header; `undefined` header means anonymous.
   *
   * @example
   * ```ts
   * await users.identify("Basic " + btoa("demo:pw")); // { user: "demo", ... }
   * ```
   */
  async identify(header: string | null): Promise<Identity | undefined> {
    if (!header) return undefined;
    const space = header.indexOf(" ");
    const scheme = header.slice(0, space).toLowerCase();
    const value = header.slice(space + 1).trim();
    if (scheme === "basic") return await this.#basic(value);
    if (scheme === "bearer") return this.#bearer(value);
    return { error: `unsupported authorization scheme ${header.slice(0, space)}` };
  }

  async #basic(value: string): Promise<Identity> {
    let decoded: string;
    try {
      decoded = new TextDecoder().decode(Uint8Array.from(atob(value), (c) => c.charCodeAt(0)));
    } catch {
      return { error: "malformed Basic credentials" };
    }
    const colon = decoded.indexOf(":");
    const user = decoded.slice(0, colon);
    const password = decoded.slice(colon + 1);
    const account = this.#users.get(user);
    const secret = colon < 0 ? undefined : this.#secrets.get(user);
    if (!secret) {
      await this.#verify(await this.#standIns.get(), password).catch(() => false);
      return { error: "Authentication failure" };
    }
    const ok = await this.#verify(secret, password);
    return ok && account
      ? { user, account, method: "password" }
      : { error: "Authentication failure" };
  }

  #bearer(token: string): Identity {
    for (const [user, account] of this.#users) {
      if ((account.tokens ?? []).some((t) => timingSafeEqualText(t, token))) {
        return { user, account, method: "token" };
      }
    }
    const jwt = decodeJwt(token);
    if (!jwt) return { error: "Authentication failure" };
    const { sub, iss, exp } = jwt.claims;
    if (typeof sub !== "string" || sub !== iss) return { error: "JWT: sub must equal iss" };
    if (typeof exp !== "number") return { error: "JWT without exp" };
    if (exp * 1000 < this.#now()) return { error: "JWT expired" };
    const account = this.#users.get(sub);
    const keys = this.#keys.get(sub) ?? [];
    if (account && keys.some((k) => verifyJwtSignature(jwt, k))) {
      return { user: sub, account, method: "ssh-key" };
    }
    return { error: "Authentication failure" };
  }
}

function timingSafeEqualText(a: string, b: string): boolean {
  const x = new TextEncoder().encode(a);
  const y = new TextEncoder().encode(b);
  let diff = x.length ^ y.length;
  for (let i = 0; i < Math.max(x.length, y.length); i++) diff |= (x[i] ?? 0) ^ (y[i] ?? 0);
  return diff === 0;
}
