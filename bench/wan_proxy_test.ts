import assert from "node:assert/strict";
import { parseRate, passivePort, rewritePassive, startWanProxy } from "./wan_proxy.ts";

Deno.test("wan proxy: PASV and EPSV replies name the server's port and are rewritten", () => {
  assert.equal(passivePort("227 Entering Passive Mode (127,0,0,1,195,80).\r\n"), 50000);
  assert.equal(passivePort("229 Entering Extended Passive Mode (|||50000|)\r\n"), 50000);
  assert.equal(passivePort("226 Transfer complete (50000).\r\n"), undefined);
  assert.equal(
    rewritePassive("227 Entering Passive Mode (10,0,0,9,195,80).\r\n", "127.0.0.1", 40001),
    "227 Entering Passive Mode (127,0,0,1,156,65).\r\n",
  );
  assert.equal(
    rewritePassive("229 Entering Extended Passive Mode (|||50000|)\r\n", "127.0.0.1", 40000),
    "229 Entering Extended Passive Mode (|||40000|)\r\n",
  );
});

Deno.test("wan proxy: rates in bits or bytes per second", () => {
  assert.equal(parseRate("100Mbit"), 12_500_000);
  assert.equal(parseRate("12.5MB"), 12_500_000);
  assert.equal(parseRate("1000"), 1000);
  assert.throws(() => parseRate("fast"), /not a rate/);
});

for (const delayFin of [false, true]) {
  Deno.test(
    `wan proxy: control replies and a passive data connection pass through it${
      delayFin ? " (FINs delayed)" : ""
    }`,
    () => passThrough(delayFin),
  );
}

async function passThrough(delayFin: boolean): Promise<void> {
  // A stand-in server: one control line naming a data port, which sends bytes and closes.
  const data = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const control = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const dataPort = (data.addr as Deno.NetAddr).port;
  const served = (async () => {
    const c = await control.accept();
    await c.write(
      new TextEncoder().encode(`229 Entering Extended Passive Mode (|||${dataPort}|)\r\n`),
    );
    const d = await data.accept();
    await d.write(new TextEncoder().encode("payload é"));
    d.close();
    await c.read(new Uint8Array(16)); // until the client goes
    c.close();
  })();
  const wan = startWanProxy({
    target: { hostname: "127.0.0.1", port: (control.addr as Deno.NetAddr).port },
    delayMs: 1,
    delayFin,
  });
  try {
    const c = await Deno.connect({ hostname: wan.hostname, port: wan.port });
    const reply = await readAll(c, (text) => text.endsWith("\n"));
    const port = passivePort(reply);
    assert.ok(port !== undefined && port !== dataPort, reply);
    const d = await Deno.connect({ hostname: "127.0.0.1", port });
    assert.equal(await readAll(d), "payload é");
    d.close();
    c.close();
    await served;
    assert.equal(wan.stats.controlConnections, 1);
    assert.equal(wan.stats.dataConnections, 1);
  } finally {
    await wan.close();
    data.close();
    control.close();
  }
}

async function readAll(conn: Deno.Conn, enough?: (text: string) => boolean): Promise<string> {
  const parts: Uint8Array[] = [];
  const buffer = new Uint8Array(1024);
  for (;;) {
    const n = await conn.read(buffer);
    if (n === null) break;
    parts.push(buffer.slice(0, n));
    const text = new TextDecoder().decode(concat(parts));
    if (enough?.(text)) return text;
  }
  return new TextDecoder().decode(concat(parts));
}

function concat(parts: Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
}
