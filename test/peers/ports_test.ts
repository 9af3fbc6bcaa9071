import assert from "node:assert/strict";
import net from "node:net";
import { soleListener } from "./owner.ts";
import { freePort, freePortRange, reserveSharedPorts } from "./ports.ts";

Deno.test("freePort: a port that can be bound on 127.0.0.1", async () => {
  const port = await freePort();
  assert.ok(port > 0 && port < 65536);
  Deno.listen({ hostname: "127.0.0.1", port }).close();
});

Deno.test("freePortRange: an inclusive run of contiguous bindable ports", async () => {
  const [first, last] = await freePortRange(8);
  assert.equal(last - first, 7);
  const held = [];
  try {
    for (let p = first; p <= last; p++) held.push(Deno.listen({ hostname: "127.0.0.1", port: p }));
  } finally {
    held.forEach((l) => l.close());
  }
  await assert.rejects(freePortRange(0), RangeError);
});

Deno.test("reserveSharedPorts: distinct held ports only SO_REUSEPORT can join; sole listener after release", async () => {
  const held = await reserveSharedPorts(3);
  const joined: net.Server[] = [];
  try {
    assert.equal(new Set(held.ports).size, 3);
    for (const port of held.ports) {
      assert.throws(() => Deno.listen({ hostname: "127.0.0.1", port }), Deno.errors.AddrInUse);
    }
    // What the UFTPD does: bind with SO_REUSEPORT while ours still hold the ports.
    for (const port of held.ports) {
      const server = net.createServer();
      joined.push(server);
      await new Promise<void>((resolve, reject) => {
        server.once("error", reject);
        server.listen({ host: "127.0.0.1", port, reusePort: true }, () => resolve());
      });
      assert.equal(soleListener(Deno.pid, port), false, "two sockets share it");
    }
  } finally {
    await held.release();
    await held.release();
  }
  try {
    for (const port of held.ports) assert.equal(soleListener(Deno.pid, port), true);
  } finally {
    await Promise.all(joined.map((s) => new Promise((resolve) => s.close(resolve))));
  }
  for (const port of held.ports) assert.equal(soleListener(Deno.pid, port), false, "none left");
});
