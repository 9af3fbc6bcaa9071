/**
 * JWTs as UNICORE's SSH-key authentication uses them: the client signs
 * `{sub, iss, iat, exp}` with its own private key (RS256, ES256 or EdDSA by key
 * type), the auth server checks the signature against the user's public keys.
 * Encoding and decoding are pure; signing uses node:crypto.
 * @module
 */
import { type KeyObject, sign, verify } from "node:crypto";
import { plainAuthorizationHeader, type UftpCredential } from "./auth_header.ts";
import { UftpConfigError } from "./errors.ts";
import { base64url } from "./ssh_wire.ts";

/** The JWS algorithms UNICORE accepts for SSH-key tokens. */
export type JwtAlgorithm = "RS256" | "ES256" | "EdDSA";

/** Lifetime of a self-signed token, as PyUNICORE and the Java client use it. */
export const TOKEN_LIFETIME_SECONDS = 300;

/**
 * The algorithm for a key (RSA → RS256, P-256 → ES256, Ed25519 → EdDSA).
 *
 * @example
 * ```ts
 * jwtAlgorithm(createPrivateKey(pem)); // "ES256"
 * ```
 */
export function jwtAlgorithm(key: KeyObject): JwtAlgorithm {
  const type = key.asymmetricKeyType;
  if (type === "rsa") return "RS256";
  if (type === "ed25519") return "EdDSA";
  if (type === "ec" && key.asymmetricKeyDetails?.namedCurve === "prime256v1") return "ES256";
  throw new UftpConfigError(
    `a ${type}${
      type === "ec" ? ` ${key.asymmetricKeyDetails?.namedCurve}` : ""
    } key cannot sign UNICORE JWTs (use Ed25519, ECDSA P-256 or RSA)`,
  );
}

const text = new TextEncoder();

function part(value: unknown): string {
  return base64url(text.encode(JSON.stringify(value)));
}

function fromBase64url(value: string): Uint8Array {
  const b64 = value.replaceAll("-", "+").replaceAll("_", "/");
  const bin = atob(b64 + "=".repeat((4 - b64.length % 4) % 4));
  return Uint8Array.from(bin, (c) => c.charCodeAt(0));
}

/**
 * Signs claims with a private key; the algorithm follows the key type.
 *
 * @example
 * ```ts
 * const jwt = signJwt({ sub: "demo", iss: "demo", iat: 1, exp: 301 }, privateKey);
 * ```
 */
export function signJwt(claims: Record<string, unknown>, key: KeyObject): string {
  const alg = jwtAlgorithm(key);
  const input = `${part({ alg, typ: "JWT" })}.${part(claims)}`;
  const data = text.encode(input);
  const signature = alg === "EdDSA"
    ? sign(null, data, key)
    : sign("sha256", data, alg === "ES256" ? { key, dsaEncoding: "ieee-p1363" } : key);
  return `${input}.${base64url(new Uint8Array(signature))}`;
}

/**
 * The token an SSH key user sends: `sub` = `iss` = user, `iat` now, `exp`
 * 300 s later (UNICORE's `JWTUtils.createJWTToken(user, 300, user, key)`).
 *
 * @example
 * ```ts
 * const bearer = selfSignedToken("demouser", key, { now: () => Date.now() });
 * ```
 */
export function selfSignedToken(
  user: string,
  key: KeyObject,
  options: { now?: () => number; lifetimeSeconds?: number } = {},
): string {
  const iat = Math.floor((options.now ?? Date.now)() / 1000);
  const exp = iat + (options.lifetimeSeconds ?? TOKEN_LIFETIME_SECONDS);
  return signJwt({ sub: user, iss: user, iat, exp }, key);
}

/** A JWT taken apart (nothing verified yet). */
export interface DecodedJwt {
  /** The JOSE header. */
  header: { alg?: string; typ?: string };
  /** The payload. */
  claims: Record<string, unknown>;
  /** `header.payload`, the bytes the signature covers. */
  signingInput: string;
  /** The signature bytes. */
  signature: Uint8Array;
}

/**
 * Splits and decodes a compact JWT; undefined when it is not one.
 *
 * @example
 * ```ts
 * decodeJwt(token)?.claims.sub; // "demouser"
 * ```
 */
export function decodeJwt(token: string): DecodedJwt | undefined {
  const parts = token.split(".");
  if (parts.length !== 3) return undefined;
  try {
    const header = JSON.parse(new TextDecoder().decode(fromBase64url(parts[0])));
    const claims = JSON.parse(new TextDecoder().decode(fromBase64url(parts[1])));
    if (typeof header !== "object" || typeof claims !== "object" || !claims) return undefined;
    return {
      header,
      claims,
      signingInput: `${parts[0]}.${parts[1]}`,
      signature: fromBase64url(parts[2]),
    };
  } catch {
    return undefined;
  }
}

/**
 * Whether `jwt` carries a valid signature by `publicKey` with the algorithm
 * that key type implies (an `alg` naming another one is refused).
 *
 * @example
 * ```ts
 * verifyJwtSignature(decodeJwt(token)!, publicKey); // true
 * ```
 */
export function verifyJwtSignature(jwt: DecodedJwt, publicKey: KeyObject): boolean {
  let alg: JwtAlgorithm;
  try {
    alg = jwtAlgorithm(publicKey);
  } catch {
    return false;
  }
  if (jwt.header.alg !== alg) return false;
  const data = text.encode(jwt.signingInput);
  try {
    return alg === "EdDSA" ? verify(null, data, publicKey, jwt.signature) : verify(
      "sha256",
      data,
      alg === "ES256" ? { key: publicKey, dsaEncoding: "ieee-p1363" } : publicKey,
      jwt.signature,
    );
  } catch {
    return false;
  }
}

/**
 * The `Authorization` header for a credential (none for anonymous). SSH keys
 * get a fresh 300 s JWT each time, as PyUNICORE does.
 *
 * @example
 * ```ts
 * authorizationHeader({ kind: "password", user: "demouser", password: "test123" });
 * // "Basic ZGVtb3VzZXI6dGVzdDEyMw=="
 * ```
 */
export function authorizationHeader(
  credential: UftpCredential,
  now: () => number = Date.now,
): string | undefined {
  return credential.kind === "key"
    ? `Bearer ${selfSignedToken(credential.user, credential.key, { now })}`
    : plainAuthorizationHeader(credential);
}
