/**
 * Authorizers: who may log in, where their home is and what they may do.
 * Pluggable: anything implementing {@link Authorizer} can be given to the
 * server (an auth plugin supplies its own).
 * @module
 */
import type { Endpoint } from "../../plugin.ts";
import { logger } from "../../plugin.ts";
import { FtpServerError } from "./errors.ts";
import { ftpNormalize, joinRelative } from "./paths.ts";
import { checkPerm, type PermissionOverride, WRITE_PERMS } from "./permissions.ts";
import { DEFAULT_LOGIN_CACHE_SIZE, LoginCache } from "./login_cache.ts";
import {
  checkSecret,
  type SecretVerifier,
  StandIns,
  type StoredSecret,
  storedSecret,
} from "../../plugin.ts";

const log = logger("server", "auth");

/** A logged-in user as the session sees it. */
export interface UserAccount {
  /** The login name. */
  username: string;
  /** Home (jail root) as a path relative to the endpoint root; `""` is the root. */
  home: string;
  /** Permission letters (see permissions.ts). */
  perm: string;
  /** Per-directory permission letters that replace `perm` there. */
  overrides?: readonly PermissionOverride[];
  /** Serve this user from another endpoint than the server's. */
  endpoint?: Endpoint;
  /** Text of the 230 reply after login. */
  loginMessage?: string;
  /** Text of the 221 reply to QUIT. */
  quitMessage?: string;
  /** Logged in as anonymous (the password is an e-mail address, not checked). */
  anonymous?: boolean;
}

/** What an authorizer learns about the login attempt besides the credentials. */
export interface LoginContext {
  /** The client's IP address. */
  remoteAddress: string;
  /** Whether the control connection is protected by TLS. */
  secure: boolean;
}

/**
 * Decides logins. Implementations must take about the same time for unknown
 * users as for wrong passwords and must not say which one it was.
 */
export interface Authorizer {
  /** The account for valid credentials, or undefined. */
  authenticate(
    username: string,
    password: string,
    context: LoginContext,
  ): Promise<UserAccount | undefined>;
}

/** Options of {@link VirtualAuthorizer.addUser}. */
export interface AddUserOptions {
  /** Clear-text password (pyftpdlib's DummyAuthorizer style). */
  password?: string;
  /** Stored hash (`$scrypt$...` or FsTPy MD5 hex); wins over `password`. */
  passwordHash?: string;
  /** Home as an endpoint-relative path (default: the endpoint root). */
  home?: string;
  /** Permission letters (default `elr`, read-only). */
  perm?: string;
  /** Serve this user from another endpoint than the server's. */
  endpoint?: Endpoint;
  /** Text of the 230 reply after login. */
  loginMessage?: string;
  /** Text of the 221 reply to QUIT. */
  quitMessage?: string;
}

interface UserRecord {
  account: UserAccount;
  /** Undefined for anonymous. */
  secret?: StoredSecret;
  overrides: PermissionOverride[];
}

/** Options of {@link VirtualAuthorizer}. */
export interface VirtualAuthorizerOptions {
  /** How a password is checked (default: scrypt/MD5 verification, constant-time clear text). */
  verify?: SecretVerifier;
  /**
   * Verified logins against scrypt hashes remembered, so that repeated logins
   * skip the hash (default 4096; 0 turns the cache off). See login_cache.ts.
   */
  loginCacheSize?: number;
}

/** Names that mean "anonymous" (vsftpd accepts both). */
export const ANONYMOUS_NAMES = ["anonymous", "ftp"];

/**
 * Virtual users held in memory, pyftpdlib's DummyAuthorizer with hashed
 * passwords: users, anonymous, per-directory overrides, login/quit messages.
 *
 * @example
 * ```ts
 * const auth = new VirtualAuthorizer();
 * auth.addUser("bob", { password: "pw", home: "users/bob", perm: "elradfmwMT" });
 * auth.addAnonymous({ home: "pub" });
 * auth.overridePerm("bob", "/readonly", "elr", true);
 * ```
 */
export class VirtualAuthorizer implements Authorizer {
  #users = new Map<string, UserRecord>();
  // Unknown names are checked against a stand-in of the users' own kind and cost.
  #standIns = new StandIns();
  readonly #verify: SecretVerifier;
  readonly #cache: LoginCache;

  /** Makes an empty user table; `verify` checks stored secrets (tests pass a fast one). */
  constructor(options: VirtualAuthorizerOptions = {}) {
    this.#verify = options.verify ?? checkSecret;
    this.#cache = new LoginCache(options.loginCacheSize ?? DEFAULT_LOGIN_CACHE_SIZE);
  }

  /**
   * Adds a user; throws `FtpServerError` for duplicates, bad permissions or no password.
   *
   * @example
   * ```ts
   * new VirtualAuthorizer().addUser("bob", { password: "s3cret", home: "bob", perm: "elradfmw" });
   * ```
   */
  addUser(username: string, options: AddUserOptions): this {
    if (!username || /[\r\n\0]/.test(username)) {
      throw new FtpServerError(`invalid user name ${JSON.stringify(username)}`, {
        code: "ESERVERCONFIG",
      });
    }
    if (this.#users.has(username)) {
      throw new FtpServerError(`user ${JSON.stringify(username)} already exists`, {
        code: "ESERVERCONFIG",
      });
    }
    if (options.password === undefined && options.passwordHash === undefined) {
      throw new FtpServerError(
        `user ${JSON.stringify(username)} needs a password or passwordHash`,
        {
          code: "ESERVERCONFIG",
        },
      );
    }
    const perm = options.perm ?? "elr";
    checkPerm(perm);
    const secret = storedSecret(options.password, options.passwordHash);
    this.#standIns.add(secret);
    this.#users.set(username, {
      account: {
        username,
        home: normalizeHome(options.home ?? ""),
        perm,
        endpoint: options.endpoint,
        loginMessage: options.loginMessage,
        quitMessage: options.quitMessage,
      },
      secret,
      overrides: [],
    });
    return this;
  }

  /**
   * Adds anonymous access (`anonymous` and `ftp`, any password). Read-only by
   * default; write letters are accepted with a warning, as pyftpdlib does.
   *
   * @example
   * ```ts
   * new VirtualAuthorizer().addAnonymous({ home: "pub" });
   * ```
   */
  addAnonymous(options: Omit<AddUserOptions, "password" | "passwordHash"> = {}): this {
    const perm = options.perm ?? "elr";
    checkPerm(perm);
    if ([...perm].some((c) => WRITE_PERMS.includes(c))) {
      log.warn("write permissions for anonymous users ({perm}): anyone can change files", {
        perm,
      });
    }
    for (const name of ANONYMOUS_NAMES) this.removeUser(name);
    const record: UserRecord = {
      account: {
        username: "anonymous",
        home: normalizeHome(options.home ?? ""),
        perm,
        endpoint: options.endpoint,
        loginMessage: options.loginMessage,
        quitMessage: options.quitMessage,
        anonymous: true,
      },
      overrides: [],
    };
    for (const name of ANONYMOUS_NAMES) this.#users.set(name, record);
    return this;
  }

  /**
   * Overrides the permissions of `username` in virtual `directory` (as the user
   * sees it); `recursive` extends it to the whole subtree.
   *
   * @example
   * ```ts
   * auth.overridePerm("bob", "/incoming", "elrw", true);
   * ```
   */
  overridePerm(username: string, directory: string, perm: string, recursive = false): this {
    const record = this.#users.get(username);
    if (!record) {
      throw new FtpServerError(`no such user ${JSON.stringify(username)}`, {
        code: "ESERVERCONFIG",
      });
    }
    checkPerm(perm);
    const dir = ftpNormalize("/", directory);
    if (dir === "/") {
      throw new FtpServerError("can't override home directory permissions", {
        code: "ESERVERCONFIG",
      });
    }
    record.overrides = record.overrides.filter((o) => o.directory !== dir);
    record.overrides.push({ directory: dir, perm, recursive });
    record.account = { ...record.account, overrides: [...record.overrides] };
    return this;
  }

  /**
   * Whether a user of that name exists.
   *
   * @example
   * ```ts
   * auth.hasUser("bob"); // true
   * ```
   */
  hasUser(username: string): boolean {
    return this.#users.has(username);
  }

  /**
   * Removes a user (no error if missing).
   *
   * @example
   * ```ts
   * auth.removeUser("bob");
   * ```
   */
  removeUser(username: string): void {
    const secret = this.#users.get(username)?.secret;
    if (secret) this.#standIns.remove(secret);
    this.#users.delete(username);
    this.#cache.forget(username);
  }

  /**
   * The configured account (without secrets), or undefined.
   *
   * @example
   * ```ts
   * auth.account("bob")?.perm; // "elradfmw"
   * ```
   */
  account(username: string): UserAccount | undefined {
    return this.#users.get(username)?.account;
  }

  /**
   * The account for valid credentials, or undefined.
   *
   * @example
   * ```ts
   * await auth.authenticate("bob", "s3cret", { remoteAddress: "127.0.0.1", secure: false });
   * ```
   */
  async authenticate(
    username: string,
    password: string,
    _context?: LoginContext,
  ): Promise<UserAccount | undefined> {
    const record = this.#users.get(username);
    if (!record) {
      // The same verifier, kind and cost as a configured user; the caller adds the same delay.
      await this.#verify(await this.#standIns.get(), password).catch(() => false);
      return undefined;
    }
    const secret = record.secret;
    if (!secret) return record.account; // anonymous
    // Only a costly hash is worth caching; clear text and MD5 are cheaper than the HMAC.
    const cacheable = secret.kind === "scrypt";
    if (cacheable && this.#cache.verified(username, password, secret)) return record.account;
    if (!await this.#verify(secret, password)) return undefined;
    if (cacheable) this.#cache.remember(username, password, secret);
    return record.account;
  }
}

/**
 * Normalizes a configured home to an endpoint-relative path (`/` and `""` are
 * the root; `..` cannot climb above it).
 *
 * @example
 * ```ts
 * normalizeHome("/users/bob/"); // "users/bob"
 * ```
 */
export function normalizeHome(home: string): string {
  return joinRelative(ftpNormalize("/", home));
}

/**
 * Tries several authorizers in order; the first account wins.
 *
 * @example
 * ```ts
 * const auth = new ChainAuthorizer([fileUsers, pluginUsers]);
 * ```
 */
export class ChainAuthorizer implements Authorizer {
  /** Tries `authorizers` in order; the first that knows the user decides. */
  constructor(readonly authorizers: readonly Authorizer[]) {}
  /**
   * The account for valid credentials, or undefined.
   *
   * @example
   * ```ts
   * await chain.authenticate("bob", "s3cret", { remoteAddress: "127.0.0.1", secure: true });
   * ```
   */
  async authenticate(
    username: string,
    password: string,
    context: LoginContext,
  ): Promise<UserAccount | undefined> {
    for (const a of this.authorizers) {
      const account = await a.authenticate(username, password, context);
      if (account) return account;
    }
    return undefined;
  }
}
