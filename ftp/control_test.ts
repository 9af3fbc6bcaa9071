import assert from "node:assert/strict";
import { ControlConnection } from "./control.ts";
import { ConnSocket } from "./conn_socket.ts";
import { FtpConnectionError } from "./errors.ts";

Deno.test("control: replies not read when the connection is destroyed are not handed out", async () => {
  const listener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const port = (listener.addr as Deno.NetAddr).port;
  const served = (async () => {
    const c = await listener.accept();
    // Two replies in one write: the second waits, unread, once the first is taken.
    await c.write(new TextEncoder().encode("213 20240101000000\r\n229 (|||4242|)\r\n"));
    await c.read(new Uint8Array(16)).catch(() => null); // until the client goes
    c.close();
  })();
  const conn = await Deno.connect({ hostname: "127.0.0.1", port });
  const control = new ControlConnection(new ConnSocket(conn), {
    encoding: "utf-8",
    timeoutMs: 5_000,
    peer: `127.0.0.1:${port}`,
  });
  try {
    assert.equal((await control.read()).code, 213);
    control.destroy();
    // A download queued behind would take the 229 for its own: it must see the session gone.
    await assert.rejects(control.read(), FtpConnectionError);
  } finally {
    control.destroy();
    await served;
    listener.close();
  }
});
