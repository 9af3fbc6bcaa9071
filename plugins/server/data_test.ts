import assert from "node:assert/strict";
import { parseEprt, parsePort, plainIp } from "./data.ts";

Deno.test("PORT/EPRT parsing", () => {
  assert.deepEqual(parsePort("127,0,0,1,4,1"), { host: "127.0.0.1", port: 1025 });
  assert.equal(parsePort("127,0,0,1,4"), undefined);
  assert.equal(parsePort("256,0,0,1,4,1"), undefined);
  assert.deepEqual(parseEprt("|1|10.0.0.1|2000|"), { family: 1, host: "10.0.0.1", port: 2000 });
  assert.deepEqual(parseEprt("!2!::1!21!"), { family: 2, host: "::1", port: 21 });
  assert.equal(parseEprt("|1|10.0.0.1|0|"), undefined);
  assert.equal(plainIp("::ffff:127.0.0.1"), "127.0.0.1");
});
