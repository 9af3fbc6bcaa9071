/**
 * ferry's FTP/FTPS server as a library: serve any endpoint with users,
 * permissions, TLS, hooks and limits; the same server `ferry serve` runs.
 *
 * @example Serve a memory tree to one user
 * ```ts
 * import { MemoryEndpoint } from "./mod.ts";
 * import { startFtpServer, VirtualAuthorizer } from "./server.ts";
 *
 * const authorizer = new VirtualAuthorizer().addUser("bob", { password: "pw", perm: "elradfmwMT" });
 * const srv = await startFtpServer({ endpoint: new MemoryEndpoint(), authorizer, port: 0 });
 * await srv.close();
 * ```
 * @module
 */
export * from "./plugins/server/api.ts";

// The types the names above mention (deno doc links them; not an API of their own): the
// endpoint contract's list, then this one's own.
export type * from "./endpoint/mentions.ts";
export type { ResolvedOptions } from "./plugins/server/options.ts";
