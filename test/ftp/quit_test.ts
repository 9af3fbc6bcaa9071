/**
 * QUIT without waiting for the 221 (`FtpClient.quit({ wait: false })`, what
 * a session pool does at the end of a job on a far server): QUIT reaches the
 * server, the client's side half-closes behind it without a reply (the
 * scripted server answers only once it has seen that end), and the client
 * counts as closed. Both kinds of control socket: node:net (a connect) and a
 * `Deno.Conn` handed over (the CLI's head start, `FtpClient.adopt`).
 */
import assert from "node:assert/strict";
import { FtpClient } from "../../ftp/client.ts";
import {
  scriptedLogin,
  type ScriptedServer,
  type ScriptedSession,
  startScriptedServer,
} from "../peers/scripted.ts";
import { connectScripted } from "./scripted_client.ts";

/** Login, then QUIT; the 221 goes out only after the client's end arrived. */
function quitBeforeReply(done: () => void) {
  return async (s: ScriptedSession): Promise<void> => {
    try {
      await scriptedLogin(s);
      await s.expect("QUIT");
      assert.equal(await s.readCommand(), null); // the client's FIN, with no 221 sent yet
      await s.reply(221, "bye").catch(() => {}); // the client may be gone
    } finally {
      done();
    }
  };
}

async function adopted(server: ScriptedServer): Promise<FtpClient> {
  const conn = await Deno.connect({ hostname: "127.0.0.1", port: server.port });
  const buffer = new Uint8Array(512);
  let text = "";
  while (!text.endsWith("\r\n")) {
    const n = await conn.read(buffer);
    if (n === null) throw new Error("no welcome");
    text += new TextDecoder().decode(buffer.subarray(0, n));
  }
  const welcome = { code: 220, text: text.slice(4).trim(), lines: [text.trim()] };
  return FtpClient.adopt(conn, { welcome }, { host: "127.0.0.1", port: server.port });
}

for (
  const [kind, open] of [
    ["node:net", (server: ScriptedServer) => connectScripted(server)],
    ["Deno.Conn", adopted],
  ] as const
) {
  Deno.test(`quit without waiting (${kind}): QUIT arrives, then the client's end, no reply awaited`, async () => {
    const { promise: scripted, resolve } = Promise.withResolvers<void>();
    await using server = await startScriptedServer(quitBeforeReply(resolve));
    const ftp = await open(server);
    await ftp.login("u", "p");
    await ftp.quit({ wait: false });
    assert.equal(ftp.closed, true);
    await scripted; // the script's end, not a time
    await server.close();
    assert.deepEqual(server.errors, []);
  });
}
