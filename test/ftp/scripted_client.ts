/**
 * The client side the scripted-server tests share: a client of the test's
 * server on 127.0.0.1 that gives up after 2 s (a script that stalls fails the
 * test rather than hanging it), and the clean end every passing script has.
 * @module
 */
import assert from "node:assert/strict";
import { FtpClient, type FtpClientOptions } from "../../ftp/client.ts";
import type { ScriptedServer } from "../peers/scripted.ts";

/**
 * Connects to `server` (not logged in yet); `options` add to or override the defaults.
 *
 * @example
 * ```ts
 * const ftp = await connectScripted(server, { pipeline: false });
 * await ftp.login("u", "p");
 * ```
 */
export function connectScripted(
  server: Pick<ScriptedServer, "port">,
  options: Partial<FtpClientOptions> = {},
): Promise<FtpClient> {
  return FtpClient.connect({ host: "127.0.0.1", port: server.port, timeoutMs: 2_000, ...options });
}

/**
 * Quits, then asserts the server's script ran to its end with no error.
 *
 * @example
 * ```ts
 * await quitClean(ftp, server);
 * ```
 */
export async function quitClean(ftp: FtpClient, server: ScriptedServer): Promise<void> {
  await ftp.quit();
  assert.deepEqual(server.errors, []);
}
