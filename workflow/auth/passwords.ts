/**
 * Password hashes for virtual users. scrypt (node:crypto) is the recommended
 * format; FsTPy's unsalted MD5 hex is accepted for compatibility, with a warning.
 *
 * Stored form of a scrypt hash (PHC-like, self-describing so the cost can grow):
 * `$scrypt$ln=15,r=8,p=1$<salt base64>$<hash base64>`.
 * @module
 */
import process from "node:process";
import { logger } from "../../util/log.ts";
import { FerryError } from "../../util/errors.ts";

const log = logger("server", "auth");

/**
 * node:crypto, loaded on first use (`process.getBuiltinModule`, synchronous):
 * this module is part of the `./plugin` entry point, and a process that checks
 * no password (a UFTP get) then skips that part of Deno's Node layer (~20 ms
 * of CPU at start-up, docs/BENCHMARKS.md).
 */
function nodeCrypto(): typeof import("node:crypto") {
  return process.getBuiltinModule("node:crypto");
}

/** A stored password that is no hash this module knows (code `ESERVERHASH`). */
export class PasswordHashError extends FerryError {
  /** Makes the error. */
  constructor(message: string) {
    super(message, { code: "ESERVERHASH" });
  }
}

/** scrypt cost parameters. */
export interface ScryptParams {
  /** log2 of N (CPU/memory cost). 15 costs about 32 MiB and tens of ms per check. */
  ln: number;
  /** Block size factor (8 is usual). */
  r: number;
  /** Parallelism (1 is usual). */
  p: number;
}

/** The default scrypt cost: N = 2^15, r = 8, p = 1 (OWASP's scrypt floor is N = 2^17 with p = 1; 2^15 keeps 300 logins bearable on 2 cores). */
export const DEFAULT_SCRYPT: ScryptParams = { ln: 15, r: 8, p: 1 };

function scryptAsync(password: string, salt: Uint8Array, p: ScryptParams, len: number) {
  const N = 2 ** p.ln;
  return new Promise<Uint8Array>((resolve, reject) => {
    nodeCrypto().scrypt(
      password.normalize("NFC"),
      salt,
      len,
      { N, r: p.r, p: p.p, maxmem: 256 * N * p.r + 1024 * 1024 },
      (err, key) => err ? reject(err) : resolve(new Uint8Array(key)),
    );
  });
}

/**
 * Hashes a password with scrypt and a fresh 16-byte salt.
 *
 * @example
 * ```ts
 * const stored = await hashPassword("s3cret"); // "$scrypt$ln=15,r=8,p=1$...$..."
 * ```
 */
export async function hashPassword(
  password: string,
  params: ScryptParams = DEFAULT_SCRYPT,
): Promise<string> {
  const salt = crypto.getRandomValues(new Uint8Array(16));
  const key = await scryptAsync(password, salt, params, 32);
  const b64 = (b: Uint8Array) => btoa(String.fromCharCode(...b)).replace(/=+$/, "");
  return `$scrypt$ln=${params.ln},r=${params.r},p=${params.p}$${b64(salt)}$${b64(key)}`;
}

/**
 * Hashes a password the FsTPy way (unsalted MD5, hex). Only for files that must
 * stay readable by FsTPy; anyone with the file can brute-force these quickly.
 *
 * @example
 * ```ts
 * md5Password("12345"); // "827ccb0eea8a706c4c34a16891f84e7b"
 * ```
 */
export function md5Password(password: string): string {
  return nodeCrypto().createHash("md5").update(password, "utf8").digest("hex");
}

function fromB64(s: string): Uint8Array {
  const bin = atob(s.replace(/-/g, "+").replace(/_/g, "/"));
  return Uint8Array.from(bin, (c) => c.charCodeAt(0));
}

function parseScrypt(stored: string) {
  const m = /^\$scrypt\$ln=(\d+),r=(\d+),p=(\d+)\$([A-Za-z0-9+/_-]+)\$([A-Za-z0-9+/_-]+)$/.exec(
    stored,
  );
  if (!m) return undefined;
  const params = { ln: Number(m[1]), r: Number(m[2]), p: Number(m[3]) };
  if (params.ln < 1 || params.ln > 24 || params.r < 1 || params.p < 1 || params.p > 16) {
    return undefined;
  }
  return { params, salt: fromB64(m[4]), key: fromB64(m[5]) };
}

/**
 * The scrypt cost of a stored `$scrypt$` hash, or undefined for anything else.
 *
 * @example
 * ```ts
 * scryptParams(await hashPassword("pw", { ln: 12, r: 8, p: 1 })); // { ln: 12, r: 8, p: 1 }
 * ```
 */
export function scryptParams(stored: string): ScryptParams | undefined {
  return parseScrypt(stored)?.params;
}

/** Which kind of stored hash a string is. */
export type HashKind = "scrypt" | "md5";

/**
 * Tells the kind of a stored password hash, or undefined when it is none we know.
 *
 * @example
 * ```ts
 * hashKind("827ccb0eea8a706c4c34a16891f84e7b"); // "md5"
 * ```
 */
export function hashKind(stored: string): HashKind | undefined {
  if (stored.startsWith("$scrypt$")) return parseScrypt(stored) ? "scrypt" : undefined;
  if (/^[0-9a-fA-F]{32}$/.test(stored)) return "md5";
  return undefined;
}

let md5Warned = false;

/**
 * Checks a password against a stored hash in constant time per format.
 * Throws {@link PasswordHashError} for a stored value that is not a known hash.
 *
 * @example
 * ```ts
 * await verifyPassword(await hashPassword("pw"), "pw"); // true
 * ```
 */
export async function verifyPassword(stored: string, password: string): Promise<boolean> {
  const kind = hashKind(stored);
  if (kind === "scrypt") {
    const s = parseScrypt(stored)!;
    const key = await scryptAsync(password, s.salt, s.params, s.key.length);
    return nodeCrypto().timingSafeEqual(key, s.key);
  }
  if (kind === "md5") {
    if (!md5Warned) {
      md5Warned = true;
      log.warn(
        "unsalted MD5 password hashes are accepted for FsTPy compatibility; " +
          "replace them with `ferry serve hash-password` (scrypt)",
      );
    }
    const got = new TextEncoder().encode(md5Password(password));
    return nodeCrypto().timingSafeEqual(got, new TextEncoder().encode(stored.toLowerCase()));
  }
  throw new PasswordHashError("unknown password hash format");
}

/**
 * Compares a plain password in constant time (for users configured with a
 * clear-text password, as pyftpdlib's DummyAuthorizer stores them).
 *
 * @example
 * ```ts
 * plainEquals("a", "a"); // true
 * ```
 */
export function plainEquals(expected: string, given: string): boolean {
  const { createHash, timingSafeEqual } = nodeCrypto();
  const a = createHash("sha256").update(expected, "utf8").digest();
  const b = createHash("sha256").update(given, "utf8").digest();
  return timingSafeEqual(a, b);
}
