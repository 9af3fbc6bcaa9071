import assert from "node:assert/strict";
import { connectConn } from "./data_connection.ts";
import { FtpConnectionError, FtpTimeoutError } from "./errors.ts";

Deno.test("connectConn: a connection, a refusal, and a deadline that passes first", async () => {
  const listener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const port = listener.addr.port;
  try {
    const conn = await connectConn("127.0.0.1", port, { timeoutMs: 10_000 });
    assert.equal(conn.remoteAddr.port, port);
    conn.close();
    (await listener.accept()).close();
    // A deadline of 0 passes before any connect completes: a timeout, and the
    // connection that still arrives is closed by us (the server reads its end).
    await assert.rejects(connectConn("127.0.0.1", port, { timeoutMs: 0 }), FtpTimeoutError);
    const late = await listener.accept();
    assert.equal(await late.read(new Uint8Array(1)), null);
    late.close();
  } finally {
    listener.close();
  }
  // Nothing listens there any more: refused.
  await assert.rejects(connectConn("127.0.0.1", port, { timeoutMs: 10_000 }), FtpConnectionError);
});
