import assert from "node:assert/strict";
import { parseDeleteLimit, parseDuration, parseSize, parseTimeShift } from "./units.ts";

Deno.test("sizes", () => {
  assert.equal(parseSize("10KiB"), 10240);
  assert.equal(parseSize("1.5 MB"), 1_500_000);
  assert.equal(parseSize(7), 7);
  assert.throws(() => parseSize("ten"));
});

Deno.test("durations", () => {
  assert.equal(parseDuration("250ms"), 250);
  assert.equal(parseDuration("2m"), 120_000);
  assert.equal(parseDuration(1.5), 1500);
});

Deno.test("time shifts", () => {
  assert.equal(parseTimeShift("+05:30"), 19800);
  assert.equal(parseTimeShift("-01:00"), -3600);
  assert.equal(parseTimeShift("auto"), "auto");
  assert.throws(() => parseTimeShift("+5"));
});

Deno.test("delete limits", () => {
  assert.deepEqual(parseDeleteLimit("10%"), { percent: 10 });
  assert.deepEqual(parseDeleteLimit(3), { count: 3 });
});
