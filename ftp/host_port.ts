/**
 * How a peer is written in messages; no imports, so that the CLI's head start
 * and the URL parser use it without loading the wire client.
 * @module
 */

/**
 * `host:port`, with brackets around IPv6 literals.
 *
 * @example
 * ```ts
 * formatHostPort("::1", 21); // "[::1]:21"
 * ```
 */
export function formatHostPort(host: string, port: number): string {
  return host.includes(":") ? `[${host}]:${port}` : `${host}:${port}`;
}
