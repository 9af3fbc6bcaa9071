/**
 * `.netrc` files (as curl, lftp and Python's netrc read them): `machine`,
 * `default`, `login`, `password`, `account`, and `macdef` blocks that are skipped.
 * @module
 */

/** One `machine` (or `default`) entry. */
export interface NetrcEntry {
  /** Host name; undefined for the `default` entry. */
  machine?: string;
  /** User name. */
  login?: string;
  /** Password. */
  password?: string;
  /** Account (FTP ACCT), rarely used. */
  account?: string;
}

/**
 * Parses netrc text. Tokens are separated by any white space; `"quoted tokens"`
 * (as curl allows) keep spaces; `#` starts a comment at the start of a token.
 *
 * @example
 * ```ts
 * parseNetrc("machine ftp.example.org login bob password s3cret");
 * // [{ machine: "ftp.example.org", login: "bob", password: "s3cret" }]
 * ```
 */
export function parseNetrc(text: string): NetrcEntry[] {
  const entries: NetrcEntry[] = [];
  const lines = text.split(/\r?\n/);
  let current: NetrcEntry | undefined;
  let inMacro = false;
  const tokens: string[] = [];
  for (const line of lines) {
    if (inMacro) {
      // A macro body runs to the first empty line.
      if (line.trim() === "") inMacro = false;
      continue;
    }
    const lineTokens = tokenize(line);
    const macro = lineTokens.indexOf("macdef");
    if (macro >= 0) {
      tokens.push(...lineTokens.slice(0, macro));
      inMacro = true;
      continue;
    }
    tokens.push(...lineTokens);
  }
  for (let i = 0; i < tokens.length; i++) {
    const t = tokens[i];
    if (t === "machine") {
      current = { machine: tokens[++i] };
      entries.push(current);
    } else if (t === "default") {
      current = {};
      entries.push(current);
    } else if (current && (t === "login" || t === "password" || t === "account")) {
      current[t] = tokens[++i];
    }
  }
  return entries;
}

function tokenize(line: string): string[] {
  const out: string[] = [];
  const re = /"((?:[^"\\]|\\.)*)"|(\S+)/g;
  for (const m of line.matchAll(re)) {
    if (m[2]?.startsWith("#")) break;
    out.push(m[1] !== undefined ? m[1].replace(/\\(.)/g, "$1") : m[2]);
  }
  return out;
}

/**
 * The entry for a host (and login, when given); falls back to `default`.
 *
 * @example
 * ```ts
 * findNetrc(parseNetrc("machine a login x password y\ndefault login anonymous"), "b");
 * // { login: "anonymous" }
 * ```
 */
export function findNetrc(
  entries: NetrcEntry[],
  host: string,
  login?: string,
): NetrcEntry | undefined {
  const h = host.toLowerCase().replace(/^\[|\]$/g, "");
  const fits = (e: NetrcEntry) => login === undefined || e.login === undefined || e.login === login;
  return entries.find((e) => e.machine?.toLowerCase() === h && fits(e)) ??
    entries.find((e) => e.machine === undefined && fits(e));
}

/**
 * Where the netrc file is: `$NETRC`, else `~/.netrc`.
 *
 * @example
 * ```ts
 * defaultNetrcPath((n) => ({ HOME: "/home/bob" } as Record<string, string>)[n]); // "/home/bob/.netrc"
 * ```
 */
export function defaultNetrcPath(env: (name: string) => string | undefined): string | undefined {
  const explicit = env("NETRC");
  if (explicit) return explicit;
  const home = env("HOME") ?? env("USERPROFILE");
  return home ? `${home.replace(/\/+$/, "")}/.netrc` : undefined;
}
