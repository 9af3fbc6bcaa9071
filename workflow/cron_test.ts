import assert from "node:assert/strict";
import { cronProblem, nextRuns, timezoneProblem } from "./cron.ts";

Deno.test("cron expressions are checked with croner", () => {
  assert.equal(cronProblem("15 3 * * *"), undefined);
  assert.equal(cronProblem("@daily"), undefined);
  assert.match(cronProblem("61 * * * *")!, /minute/);
  assert.match(cronProblem("* *")!, /bad cron/);
  assert.match(cronProblem("0 0 31 2 *")!, /never fires/);
  assert.match(cronProblem("0 0 31 4 *")!, /never fires/);
  assert.equal(cronProblem("0 0 29 2 *"), undefined, "every leap year");
  assert.match(cronProblem("* * * * *", "Mars/Base")!, /time zone/);
  assert.equal(timezoneProblem("Europe/Berlin"), undefined);
});

Deno.test("next runs", () => {
  const runs = nextRuns("0 * * * *", 2, new Date("2026-01-01T00:30:00Z"), "UTC");
  assert.deepEqual(runs.map((d) => d.toISOString()), [
    "2026-01-01T01:00:00.000Z",
    "2026-01-01T02:00:00.000Z",
  ]);
});
