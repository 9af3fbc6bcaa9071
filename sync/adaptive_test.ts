import assert from "node:assert/strict";
import { AdaptiveLimit, isTooMany } from "./adaptive.ts";
import { forEachLimit } from "./pool.ts";

/**
 * Feeds `adaptive` a simulated link on which `useful` transfers at once help
 * and more do not (each file takes 100 ms; beyond `useful` the link is full
 * and files take proportionally longer). Returns the counts seen, in order.
 */
function simulate(adaptive: AdaptiveLimit, useful: number, files: number): number[] {
  let now = 0;
  const seen: number[] = [];
  for (let f = 0; f < files; f++) {
    const inFlight = adaptive.limit;
    const perFile = 100 * Math.max(1, inFlight / useful);
    // inFlight files finish every perFile ms: one finishes every perFile / inFlight ms.
    now += perFile / inFlight;
    seen.push(adaptive.done(now, 64 * 1024));
  }
  return seen;
}

Deno.test("adaptive: grows while throughput grows, then stays", () => {
  const adaptive = new AdaptiveLimit({ max: 16, start: 2 });
  const seen = simulate(adaptive, 6, 2_000);
  assert.ok(Math.max(...seen) <= 7, `stopped near the useful count: ${Math.max(...seen)}`);
  assert.ok(adaptive.limit >= 6, `reached it: ${adaptive.limit}`);
  assert.equal(adaptive.growing, false);
  // Once stopped, it stays.
  const after = simulate(adaptive, 6, 500);
  assert.ok(after.every((n) => n === adaptive.limit));
});

Deno.test("adaptive: never above max however much it would pay", () => {
  const adaptive = new AdaptiveLimit({ max: 8 });
  assert.equal(adaptive.limit, 4, "starts at half");
  const seen = simulate(adaptive, 100, 3_000);
  assert.equal(Math.max(...seen), 8);
  assert.equal(adaptive.limit, 8);
  assert.equal(new AdaptiveLimit({ max: 1 }).limit, 1);
  assert.equal(new AdaptiveLimit({ max: 3, start: 10 }).limit, 3);
});

Deno.test("adaptive: a refusal steps down and the count never climbs back to it", () => {
  const adaptive = new AdaptiveLimit({ max: 8, start: 6 });
  assert.equal(adaptive.refused(), 5);
  assert.equal(adaptive.refused(), 4);
  // Even where more would pay, it stays at or below the last count the server took.
  const seen = simulate(adaptive, 100, 2_000);
  assert.ok(seen.every((n) => n <= 4), `max ${Math.max(...seen)}`);
  for (let i = 0; i < 10; i++) adaptive.refused();
  assert.equal(adaptive.limit, 1, "never below one");
});

Deno.test("adaptive: isTooMany knows 421 and TooManyConnectionsError, also as a cause", () => {
  assert.equal(isTooMany(Object.assign(new Error("x"), { ftpCode: 421 })), true);
  const tooMany = Object.assign(new Error("530 too many"), {
    name: "TooManyConnectionsError",
    ftpCode: 530,
  });
  assert.equal(isTooMany(new Error("wrapped", { cause: tooMany })), true);
  assert.equal(isTooMany(Object.assign(new Error("x"), { ftpCode: 530 })), false);
  assert.equal(isTooMany(undefined), false);
});

Deno.test("forEachLimit: a limit function is followed up and down, every item once", async () => {
  let limit = 2;
  let inFlight = 0;
  const peaks: number[] = [];
  const seen: number[] = [];
  const gates: (() => void)[] = [];
  const items = Array.from({ length: 40 }, (_, i) => i);
  const running = forEachLimit(items, () => limit, async (item) => {
    inFlight++;
    peaks.push(inFlight);
    await new Promise<void>((resolve) => gates.push(resolve));
    seen.push(item);
    inFlight--;
  });
  const step = async () => {
    while (gates.length === 0) await new Promise((r) => setTimeout(r, 0));
    gates.shift()!();
    await new Promise((r) => setTimeout(r, 0));
  };
  for (let i = 0; i < 6; i++) await step();
  assert.ok(Math.max(...peaks) <= 2);
  limit = 5;
  for (let i = 0; i < 10; i++) await step();
  assert.equal(Math.max(...peaks), 5, "grew to the new limit");
  limit = 1;
  const mark = peaks.length;
  for (let i = 0; i < 10; i++) await step();
  // Transfers already running finish; only then does the count drop to 1.
  assert.ok(peaks.slice(mark + 5).every((p) => p <= 1), JSON.stringify(peaks.slice(mark)));
  while (seen.length < items.length) await step();
  await running;
  assert.deepEqual([...seen].sort((a, b) => a - b), items);
});
