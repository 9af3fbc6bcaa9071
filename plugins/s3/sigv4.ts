/**
 * AWS Signature Version 4 for S3 requests: pure functions over `node:crypto`
 * (synchronous HMAC/SHA-256, no package). Bodies are sent as `UNSIGNED-PAYLOAD`
 * with a `Content-MD5` the server checks, so a 256 MiB upload is hashed once.
 * @module
 */
import { createHash, createHmac } from "node:crypto";

/** Keys a request is signed with. `sessionToken` comes with temporary keys. */
export interface SigningKeys {
  accessKeyId: string;
  secretAccessKey: string;
  sessionToken?: string;
}

/** One request to sign. Header names may be in any case; they are lower-cased. */
export interface SignInput {
  method: string;
  url: URL;
  headers: Record<string, string>;
  region: string;
  /** Hex SHA-256 of the body, or `UNSIGNED-PAYLOAD` (the default). */
  payloadHash?: string;
  /** Signing time (default now). */
  now?: Date;
  service?: string;
}

/** SHA-256 of the empty string, the payload hash of bodiless requests. */
export const EMPTY_SHA256 = "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855";

/**
 * RFC 3986 percent-encoding as SigV4 wants it (unreserved characters stay,
 * `/` too when `keepSlash`).
 *
 * @example
 * ```ts
 * uriEncode("a b/c*"); // "a%20b%2Fc%2A"
 * uriEncode("a b/c", true); // "a%20b/c"
 * ```
 */
export function uriEncode(value: string, keepSlash = false): string {
  let out = "";
  for (const byte of new TextEncoder().encode(value)) {
    const c = String.fromCharCode(byte);
    if (/[A-Za-z0-9_.~-]/.test(c) || (keepSlash && c === "/")) out += c;
    else out += "%" + byte.toString(16).toUpperCase().padStart(2, "0");
  }
  return out;
}

/**
 * The canonical query string: pairs sorted by encoded key, then value.
 *
 * @example
 * ```ts
 * canonicalQuery(new URLSearchParams("prefix=a b&list-type=2")); // "list-type=2&prefix=a%20b"
 * ```
 */
export function canonicalQuery(params: URLSearchParams): string {
  const pairs = [...params].map(([k, v]) => [uriEncode(k), uriEncode(v)]);
  pairs.sort((a, b) => a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : a[1] < b[1] ? -1 : a[1] > b[1] ? 1 : 0);
  return pairs.map(([k, v]) => `${k}=${v}`).join("&");
}

/** `20130524T000000Z` from a date. */
function amzDate(d: Date): string {
  return d.toISOString().replace(/[-:]/g, "").replace(/\.\d{3}/, "");
}

function hmac(key: string | Uint8Array, data: string): Uint8Array {
  return createHmac("sha256", key).update(data).digest();
}

const keyCache = new Map<string, Uint8Array>();

/** The derived signing key of a day, region and service (cached: one per day). */
function signingKey(secret: string, day: string, region: string, service: string): Uint8Array {
  const id = `${day}/${region}/${service}/${createHash("sha256").update(secret).digest("hex")}`;
  let key = keyCache.get(id);
  if (!key) {
    key = hmac(hmac(hmac(hmac("AWS4" + secret, day), region), service), "aws4_request");
    if (keyCache.size > 16) keyCache.clear();
    keyCache.set(id, key);
  }
  return key;
}

/**
 * Signs a request: returns the headers to send (the input's plus `host`,
 * `x-amz-date`, `x-amz-content-sha256`, the session token and `authorization`).
 * The URL's path must already be encoded the way it is sent.
 *
 * @example
 * ```ts
 * const headers = signRequest({ method: "GET", url: new URL("https://b.s3.amazonaws.com/k"), headers: {}, region: "us-east-1" }, keys);
 * await fetch("https://b.s3.amazonaws.com/k", { headers });
 * ```
 */
export function signRequest(input: SignInput, keys: SigningKeys): Record<string, string> {
  const now = input.now ?? new Date();
  const date = amzDate(now);
  const day = date.slice(0, 8);
  const service = input.service ?? "s3";
  const payloadHash = input.payloadHash ?? "UNSIGNED-PAYLOAD";
  const headers: Record<string, string> = {};
  for (const [k, v] of Object.entries(input.headers)) headers[k.toLowerCase()] = String(v);
  headers["host"] = input.url.host;
  headers["x-amz-date"] = date;
  headers["x-amz-content-sha256"] = payloadHash;
  if (keys.sessionToken) headers["x-amz-security-token"] = keys.sessionToken;
  const names = Object.keys(headers).sort();
  const canonicalHeaders = names.map((n) => `${n}:${headers[n].trim().replace(/\s+/g, " ")}\n`)
    .join("");
  const signedHeaders = names.join(";");
  const canonical = [
    input.method,
    input.url.pathname || "/",
    canonicalQuery(input.url.searchParams),
    canonicalHeaders,
    signedHeaders,
    payloadHash,
  ].join("\n");
  const scope = `${day}/${input.region}/${service}/aws4_request`;
  const toSign = [
    "AWS4-HMAC-SHA256",
    date,
    scope,
    createHash("sha256").update(canonical).digest("hex"),
  ].join("\n");
  const signature = createHmac(
    "sha256",
    signingKey(keys.secretAccessKey, day, input.region, service),
  )
    .update(toSign).digest("hex");
  headers["authorization"] = `AWS4-HMAC-SHA256 Credential=${keys.accessKeyId}/${scope}, ` +
    `SignedHeaders=${signedHeaders}, Signature=${signature}`;
  delete headers["host"];
  return headers;
}
