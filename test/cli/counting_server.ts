/**
 * ferry's own FTP server over a memory tree with `pub/`, counting control
 * connections and logins: for CLI tests that check a session made ahead is
 * the one used.
 * @module
 */
import { MemoryEndpoint } from "../../mod.ts";
import { startFtpServer, VirtualAuthorizer } from "../../server.ts";

/**
 * Starts the server (user bob, password pw-5ecret); `base` is `127.0.0.1:PORT`.
 *
 * @example
 * ```ts
 * const { srv, counts, base } = await countingServer();
 * await srv.close();
 * ```
 */
export async function countingServer() {
  const ep = new MemoryEndpoint();
  await ep.mkdir("pub", { parents: true });
  const authorizer = new VirtualAuthorizer().addUser("bob", {
    password: "pw-5ecret",
    perm: "elradfmwMT",
  });
  const counts = { connects: 0, logins: 0 };
  const srv = await startFtpServer({
    endpoint: ep,
    authorizer,
    port: 0,
    authFailedDelayMs: 0,
    hooks: {
      onConnect: () => void counts.connects++,
      onLogin: () => void counts.logins++,
    },
  });
  return { srv, ep, counts, base: `127.0.0.1:${srv.port}` };
}
