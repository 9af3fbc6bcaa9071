import assert from "node:assert/strict";
import { TransferAbort } from "./abort.ts";

Deno.test("TransferAbort runs each listener once, and not one removed or added after", () => {
  const abort = new TransferAbort();
  const ran: string[] = [];
  const removed = () => ran.push("removed");
  abort.addEventListener("abort", () => ran.push("a"));
  abort.addEventListener("abort", removed);
  abort.removeEventListener("abort", removed);
  assert.equal(abort.aborted, false);
  abort.abort();
  abort.abort();
  abort.addEventListener("abort", () => ran.push("late"));
  assert.equal(abort.aborted, true);
  assert.deepEqual(ran, ["a"]);
});
