import assert from "node:assert/strict";
import { freePort, freePortRange } from "./ports.ts";

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
