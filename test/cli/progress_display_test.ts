import assert from "node:assert/strict";
import { createDisplay, eventsFor } from "../../cli/progress.ts";

Deno.test("eventsFor: no listener for the quiet display, so a run skips building events", () => {
  assert.equal(eventsFor(createDisplay("none", () => {})), undefined);
});

Deno.test("eventsFor: the lines display hears the run's events", () => {
  const lines: string[] = [];
  const display = createDisplay("lines", (l) => lines.push(l));
  const onEvent = eventsFor(display);
  assert.equal(typeof onEvent, "function");
  onEvent!({ type: "job-retry", job: "a", attempt: 2, delayMs: 0, error: "x" });
});
