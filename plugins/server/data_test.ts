import assert from "node:assert/strict";
import { DataChannel, parseEprt, parsePort, plainIp } from "./data.ts";
import type { ReplyError } from "./errors.ts";

Deno.test("PORT/EPRT parsing", () => {
  assert.deepEqual(parsePort("127,0,0,1,4,1"), { host: "127.0.0.1", port: 1025 });
  assert.equal(parsePort("127,0,0,1,4"), undefined);
  assert.equal(parsePort("256,0,0,1,4,1"), undefined);
  assert.deepEqual(parseEprt("|1|10.0.0.1|2000|"), { family: 1, host: "10.0.0.1", port: 2000 });
  assert.deepEqual(parseEprt("!2!::1!21!"), { family: 2, host: "::1", port: 21 });
  assert.equal(parseEprt("|1|10.0.0.1|0|"), undefined);
  assert.equal(plainIp("::ffff:127.0.0.1"), "127.0.0.1");
});

Deno.test("passive: a port of the range, plain and for TLS; 425 when every port is busy", async () => {
  const taken = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const port = taken.addr.port;
  const channel = (range: [number, number]) =>
    new DataChannel({
      remoteAddress: "127.0.0.1",
      localAddress: "127.0.0.1",
      passivePorts: range,
      permitForeignAddresses: false,
      permitPrivilegedPorts: false,
      connectTimeout: 5_000,
      tlsHandshakeTimeout: 5_000,
    });
  try {
    for (const tls of [false, true]) {
      const dc = channel([port, port]);
      await assert.rejects(
        async () => await dc.passive(tls),
        (e: ReplyError) => e.reply === 425 && /all passive ports are busy/.test(e.message),
      );
      dc.close();
    }
  } finally {
    taken.close();
  }
  for (const tls of [false, true]) {
    // A port free now (a closed plain listener's port lingers until its accept settles).
    const probe = Deno.listen({ hostname: "127.0.0.1", port: 0 });
    const free = probe.addr.port;
    probe.close();
    const dc = channel([free, free]);
    assert.equal(await dc.passive(tls), free);
    dc.close();
  }
});
