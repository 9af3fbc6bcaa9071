import assert from "node:assert/strict";
import { tickOf } from "./schedule.ts";

Deno.test("tickOf: the tick from a scheduler job's id, else when the job was made", () => {
  assert.equal(tickOf({ id: "repeat:nightly#0:1764900000000", timestamp: 5 }), 1764900000000);
  assert.equal(tickOf({ id: "repeat:a:b:c#1:1764900001000", timestamp: 5 }), 1764900001000);
  assert.equal(tickOf({ id: "42x", timestamp: 5 }), 5);
  assert.equal(tickOf({ timestamp: 7 }), 7);
});
