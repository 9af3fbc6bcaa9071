import assert from "node:assert/strict";
import { tickOf } from "./schedule.ts";
import { idsOf, workflowOf } from "./schedulers.ts";

Deno.test("tickOf: the tick from a scheduler job's id, else when the job was made", () => {
  assert.equal(tickOf({ id: "repeat:nightly#0:1764900000000", timestamp: 5 }), 1764900000000);
  assert.equal(tickOf({ id: "repeat:a:b:c#1:1764900001000", timestamp: 5 }), 1764900001000);
  assert.equal(tickOf({ id: "42x", timestamp: 5 }), 5);
  assert.equal(tickOf({ timestamp: 7 }), 7);
});

Deno.test("idsOf/workflowOf: a workflow's scheduler ids, not another's with the same prefix", () => {
  const ids = ["nightly#0", "nightly#1", "nightly-2#0", "nightly#x", "night#ly#0"];
  assert.deepEqual(idsOf(ids, "nightly"), ["nightly#0", "nightly#1"]);
  assert.deepEqual(idsOf(ids, "night#ly"), ["night#ly#0"]);
  assert.equal(workflowOf("night#ly#0"), "night#ly");
  assert.equal(workflowOf("plain"), "plain");
});
