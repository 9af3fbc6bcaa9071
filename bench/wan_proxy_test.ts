import assert from "node:assert/strict";
import net from "node:net";
import {
  dataPortRange,
  parseRate,
  passivePort,
  rewritePassive,
  startWanProxy,
} from "./wan_proxy.ts";

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

Deno.test("wan proxy: data ports lie below the kernel's ephemeral range", () => {
  assert.deepEqual(dataPortRange("32768\t60999\n"), { first: 16384, last: 32767 });
  assert.deepEqual(dataPortRange("10000 20000"), { first: 1024, last: 9999 });
  assert.deepEqual(dataPortRange(""), { first: 16384, last: 32767 });
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

/**
 * A stand-in server: one control line naming a data port, which sends `payload`
 * and closes; `served` ends when the client has gone.
 */
function standIn(payload: string) {
  const data = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const control = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const dataPort = (data.addr as Deno.NetAddr).port;
  const served = (async () => {
    const c = await control.accept();
    await c.write(
      new TextEncoder().encode(`229 Entering Extended Passive Mode (|||${dataPort}|)\r\n`),
    );
    const d = await data.accept();
    await d.write(new TextEncoder().encode(payload));
    d.close();
    await c.read(new Uint8Array(16)); // until the client goes
    c.close();
  })();
  return { data, control, dataPort, served };
}

/** The kernel's ephemeral port range as its file gives it ("" where there is none). */
async function ephemeralRange(): Promise<string> {
  return await Deno.readTextFile("/proc/sys/net/ipv4/ip_local_port_range").catch(() => "");
}

async function passThrough(delayFin: boolean): Promise<void> {
  const { data, control, dataPort, served } = standIn("payload é");
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
    // Bound by number below the ephemeral range (listenDataPort), not by port 0.
    const { first, last } = dataPortRange(await ephemeralRange());
    assert.ok(port >= first && port <= last, `${port} outside ${first}-${last}`);
    const d = await Deno.connect({ hostname: wan.hostname, port });
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

Deno.test("wan proxy: its data ports are out of reach of others: not on 127.0.0.1, not from another address", async () => {
  const { data, control, served } = standIn("this file's bytes");
  const wan = startWanProxy({
    target: { hostname: "127.0.0.1", port: (control.addr as Deno.NetAddr).port },
    delayMs: 0,
  });
  try {
    const c = await Deno.connect({ hostname: wan.hostname, port: wan.port });
    const port = passivePort(await readAll(c, (text) => text.endsWith("\n")))!;
    // Before: the proxy listened on 127.0.0.1, where another program polling a port it
    // had found free (test/peers' freePort + awaitBanner) took a download's bytes first.
    if (Deno.build.os === "linux") {
      assert.notEqual(wan.hostname, "127.0.0.1");
      await assert.rejects(
        Deno.connect({ hostname: "127.0.0.1", port }),
        Deno.errors.ConnectionRefused,
      );
      // Another address than the control connection's client: refused, nothing passed on.
      const stray = net.connect({ host: wan.hostname, port, localAddress: "127.0.0.2" });
      stray.on("data", () => assert.fail("a stray connection got bytes"));
      await new Promise<void>((resolve, reject) => {
        stray.once("close", () => resolve());
        stray.once("error", reject);
      });
      assert.equal(wan.stats.strayDataConnections, 1);
    }
    // The client's own connection still gets the file.
    const d = await Deno.connect({ hostname: wan.hostname, port });
    assert.equal(await readAll(d), "this file's bytes");
    d.close();
    c.close();
    await served;
    assert.equal(wan.stats.dataConnections, 1);
  } finally {
    await wan.close();
    data.close();
    control.close();
  }
});

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
