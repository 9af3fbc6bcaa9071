/**
 * What a credential for UNICORE's auth server is, and the `Authorization`
 * header of those that need no signing (a password, a token, none), without
 * Node's crypto: the head start of a `uftp://` get/put sends its auth request
 * with this alone. An SSH key's header is a freshly signed JWT
 * (credentials.ts `authorizationHeader`, which loads jwt.ts).
 * @module
 */
import type { KeyObject } from "node:crypto";

/** One way of proving who one is to the auth server. */
export type UftpCredential =
  | { kind: "password"; user: string; password: string }
  | { kind: "token"; token: string }
  | { kind: "key"; user: string; key: KeyObject }
  | { kind: "anonymous" };

/**
 * The `Authorization` header of a password (Basic) or a token (Bearer); none
 * for anonymous.
 *
 * @example
 * ```ts
 * plainAuthorizationHeader({ kind: "password", user: "demouser", password: "test123" });
 * // "Basic ZGVtb3VzZXI6dGVzdDEyMw=="
 * ```
 */
export function plainAuthorizationHeader(
  credential: Exclude<UftpCredential, { kind: "key" }>,
): string | undefined {
  switch (credential.kind) {
    case "password": {
      const bytes = new TextEncoder().encode(`${credential.user}:${credential.password}`);
      return `Basic ${btoa(String.fromCharCode(...bytes))}`;
    }
    case "token":
      return `Bearer ${credential.token}`;
    case "anonymous":
      return undefined;
  }
}
