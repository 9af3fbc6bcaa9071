/**
 * ftp/tls.ts, imported when a session first needs TLS: it pulls node:tls and
 * node:crypto, and with them most of Deno's Node layer (~20 ms of start-up
 * for a plain-FTP `ferry put`, which never needs them).
 * @module
 */

let loaded: typeof import("./tls.ts") | undefined;

/**
 * The TLS code, imported on first call.
 *
 * @example
 * ```ts
 * const socket = await (await tlsCode()).startTlsClient(plain, host, {}, 30_000);
 * ```
 */
export async function tlsCode(): Promise<typeof import("./tls.ts")> {
  return loaded ??= await import("./tls.ts");
}

/**
 * The TLS code if a session has imported it already (every TLS session has),
 * else undefined.
 *
 * @example
 * ```ts
 * tlsCodeIfLoaded()?.explainDataRefusal(socket);
 * ```
 */
export function tlsCodeIfLoaded(): typeof import("./tls.ts") | undefined {
  return loaded;
}
