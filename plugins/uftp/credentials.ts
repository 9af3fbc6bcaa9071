/**
 * Resolving the credentials UNICORE's auth server accepts: username/password,
 * a bearer token (given, `@file`, `@@ENV` as in PyUNICORE), an SSH key file
 * (loaded with keys.ts, only then), or nothing (anonymous). Resolution takes
 * its I/O as functions. Their `Authorization` headers: auth_header.ts (no
 * signing) and jwt.ts `authorizationHeader` (any credential).
 * @module
 */
import type { UftpCredential } from "./auth_header.ts";
import { UftpConfigError } from "./errors.ts";
import { identityPath } from "./identity.ts";

/**
 * keys.ts, by a specifier Deno cannot read ahead: only key files need it, and
 * its OpenSSH parsing brings node:crypto and bcrypt-pbkdf (CommonJS) along.
 */
const KEYS_MODULE = new URL("./keys.ts", import.meta.url).href;

/** What a user may give (URL parts, workflow auth options). */
export interface CredentialSpec {
  /** User name (default: the URL's). */
  user?: string;
  /** Password for the auth server (basic auth). */
  password?: string;
  /** A token, `@file` (read, trimmed) or `@@ENV` (an environment variable). */
  token?: string;
  /** A private key file (see {@link identityPath}); `password` is then its passphrase. */
  identity?: string;
  /** The key's passphrase (default: `password`). */
  passphrase?: string;
  /** Send no credentials even when a user is named. */
  anonymous?: boolean;
}

/** The I/O credential resolution may do. */
export interface CredentialIo {
  /** Reads a token or key file. */
  readTextFile(path: string): Promise<string>;
  /** Reads an environment variable. */
  env(name: string): string | undefined;
  /** The home directory `~/` expands to. */
  home?: string;
  /** Where `./` token and key files are relative to. */
  baseDir?: string;
}

/**
 * A token spec's value: `@@NAME` reads the environment variable, `@path` the
 * file (trimmed), anything else is the token itself.
 *
 * @example
 * ```ts
 * await resolveTokenSpec("@@UFTP_TOKEN", io); // the variable's value
 * await resolveTokenSpec("@token.txt", io);   // the file's content
 * ```
 */
export async function resolveTokenSpec(spec: string, io: CredentialIo): Promise<string> {
  if (spec.startsWith("@@")) {
    const name = spec.slice(2);
    const value = io.env(name);
    if (value === undefined || value.trim() === "") {
      throw new UftpConfigError(`token=@@${name}: environment variable ${name} is not set`);
    }
    return value.trim();
  }
  if (spec.startsWith("@")) {
    const path = identityPathForFile(spec.slice(1), io);
    let text: string;
    try {
      text = await io.readTextFile(path);
    } catch (cause) {
      throw new UftpConfigError(`cannot read the token file ${path}`, { cause });
    }
    if (text.trim() === "") throw new UftpConfigError(`the token file ${path} is empty`);
    return text.trim();
  }
  return spec;
}

function identityPathForFile(path: string, io: CredentialIo): string {
  if (path.startsWith("~")) return identityPath(path, io);
  return path.startsWith("/") ? path : `${io.baseDir ?? "."}/${path}`;
}

/**
 * Picks and loads the credential, in PyUNICORE's order: a token, else an
 * identity (key) file, else user and password, else anonymous.
 *
 * @example
 * ```ts
 * const cred = await resolveCredential({ user: "demouser", identity: "id_ed25519", password: "pp" }, {
 *   readTextFile: Deno.readTextFile, env: Deno.env.get, home: Deno.env.get("HOME"),
 * });
 * cred.kind; // "key"
 * ```
 */
export async function resolveCredential(
  spec: CredentialSpec,
  io: CredentialIo,
): Promise<UftpCredential> {
  if (spec.anonymous) return { kind: "anonymous" };
  if (spec.token !== undefined && spec.token !== "") {
    return { kind: "token", token: await resolveTokenSpec(spec.token, io) };
  }
  if (spec.identity !== undefined && spec.identity !== "") {
    if (!spec.user) throw new UftpConfigError("SSH key authentication needs a user name");
    const path = identityPath(spec.identity, io);
    let text: string;
    try {
      text = await io.readTextFile(path);
    } catch (cause) {
      throw new UftpConfigError(`cannot read the identity file ${path}`, { cause });
    }
    const { loadPrivateKey } = await import(KEYS_MODULE) as typeof import("./keys.ts");
    const key = loadPrivateKey(text, spec.passphrase ?? spec.password);
    return { kind: "key", user: spec.user, key };
  }
  if (spec.user !== undefined && spec.user !== "" && spec.user !== "anonymous") {
    return { kind: "password", user: spec.user, password: spec.password ?? "" };
  }
  return { kind: "anonymous" };
}
