/**
 * Credentials files in FsTPy's format, one user a line:
 * `user;password-hash;root;perms;login message;logout message`.
 *
 * - `password-hash`: `$scrypt$...` from `ferry serve hash-password`
 *   (recommended), or FsTPy's unsalted MD5 hex (accepted with a warning).
 *   Clear-text passwords are refused.
 * - `root`: the user's home inside the served endpoint (`/` is its root), or
 *   an endpoint URL of its own (`memory://x`, `file:///srv/u`, `ftp://...`).
 * - `perms`: pyftpdlib letters (default `elr`); messages are optional.
 * Empty lines and lines starting with `#` are skipped.
 * @module
 */
import { type Endpoint, isEndpointUrl, openEndpoint } from "../../plugin.ts";
import { VirtualAuthorizer } from "./authorizers.ts";
import { FtpServerError } from "./errors.ts";
import { hashKind } from "../../plugin.ts";
import { checkPerm } from "./permissions.ts";

/** One parsed line. */
export interface CredentialEntry {
  username: string;
  passwordHash: string;
  root: string;
  perm: string;
  loginMessage?: string;
  quitMessage?: string;
  /** 1-based line number in the file. */
  line: number;
}

/**
 * A problem in a credentials file, with its line.
 *
 * @example
 * ```ts
 * throw new CredentialsError("users.txt", 3, "duplicate user bob"); // "users.txt:3: duplicate user bob"
 * ```
 */
export class CredentialsError extends FtpServerError {
  constructor(readonly file: string, readonly line: number, message: string) {
    super(`${file}:${line}: ${message}`, { code: "ESERVERCREDENTIALS" });
  }
}

/**
 * Parses the text of a credentials file (no I/O). Throws `CredentialsError`
 * naming the line for any malformed entry.
 *
 * @example
 * ```ts
 * parseCredentials("bob;827ccb0eea8a706c4c34a16891f84e7b;/;elr;Hi;Bye")[0].username; // "bob"
 * ```
 */
export function parseCredentials(text: string, file = "credentials"): CredentialEntry[] {
  const out: CredentialEntry[] = [];
  const seen = new Set<string>();
  text.split(/\r?\n/).forEach((raw, i) => {
    const line = i + 1;
    if (raw.trim() === "" || raw.trimStart().startsWith("#")) return;
    const f = raw.split(";");
    if (f.length < 3) {
      throw new CredentialsError(
        file,
        line,
        "expected user;password-hash;root[;perms;login;logout]",
      );
    }
    const [username, passwordHash, root, perm = "", loginMessage, quitMessage] = f;
    if (!username || /\s/.test(username)) throw new CredentialsError(file, line, "bad user name");
    if (seen.has(username)) throw new CredentialsError(file, line, `duplicate user ${username}`);
    seen.add(username);
    if (!hashKind(passwordHash)) {
      throw new CredentialsError(
        file,
        line,
        "the password field is not a scrypt or MD5 hash (make one with `ferry serve hash-password`)",
      );
    }
    try {
      checkPerm(perm || "elr");
    } catch (e) {
      throw new CredentialsError(file, line, (e as Error).message);
    }
    out.push({
      username,
      passwordHash,
      root: root || "/",
      perm: perm || "elr",
      loginMessage: loginMessage || undefined,
      // FsTPy keeps the line's newline in the last field; ours are trimmed lines.
      quitMessage: quitMessage?.trimEnd() || undefined,
      line,
    });
  });
  return out;
}

/**
 * Loads a credentials file into a {@link VirtualAuthorizer}. Roots that are
 * endpoint URLs are opened here (and closed by the caller through `endpoints`).
 *
 * @example
 * ```ts
 * const { authorizer } = await loadCredentials("./credentials.txt");
 * ```
 */
export async function loadCredentials(
  file: string,
  authorizer: VirtualAuthorizer = new VirtualAuthorizer(),
): Promise<{ authorizer: VirtualAuthorizer; endpoints: Endpoint[] }> {
  let text: string;
  try {
    text = await Deno.readTextFile(file);
  } catch (e) {
    throw new FtpServerError(`cannot read credentials file ${file}: ${(e as Error).message}`, {
      code: "ESERVERCREDENTIALS",
      cause: e,
    });
  }
  const endpoints: Endpoint[] = [];
  for (const entry of parseCredentials(text, file)) {
    let endpoint: Endpoint | undefined;
    let home = entry.root;
    if (isEndpointUrl(entry.root)) {
      endpoint = await openEndpoint(entry.root);
      endpoints.push(endpoint);
      home = "/";
    }
    authorizer.addUser(entry.username, {
      passwordHash: entry.passwordHash,
      home,
      perm: entry.perm,
      endpoint,
      loginMessage: entry.loginMessage,
      quitMessage: entry.quitMessage,
    });
  }
  return { authorizer, endpoints };
}
