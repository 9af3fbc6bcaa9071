/**
 * Passwords out of URLs, for messages and logs. Its own module, not ftp/url.ts's:
 * commands of any scheme (`ls ./dir`, a `get` from S3) name URLs in their
 * messages without loading the FTP URL parser.
 * @module
 */

/**
 * The URL with any password replaced by `****`, for messages and logs.
 *
 * @example
 * ```ts
 * redactUrl("ftp://bob:secret@host/"); // "ftp://bob:****@host/"
 * ```
 */
export function redactUrl(text: string): string {
  const masked = text.replace(/^([a-z][a-z0-9+.-]*:\/\/[^/@:]*):[^/@]*@/i, "$1:****@");
  if (masked !== text || URL.canParse(text)) return masked;
  // Not a URL: a password holding '/', '?' or '#' (not escaped) ends the authority early,
  // so everything up to the last '@' is masked.
  return text.replace(/^([a-z][a-z0-9+.-]*:\/\/[^/@:]*):.*@/is, "$1:****@");
}
