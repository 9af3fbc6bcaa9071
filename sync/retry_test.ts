import assert from "node:assert/strict";
import { NotFoundError } from "../endpoint/errors.ts";
import { backoffDelay, isTemporary, withRetry } from "./retry.ts";

Deno.test("retry: temporary errors are 4xx replies and dropped connections", () => {
  const e = (props: Record<string, unknown>) => Object.assign(new Error("x"), props);
  assert.equal(isTemporary(e({ ftpCode: 421 })), true);
  assert.equal(isTemporary(e({ ftpCode: 451 })), true);
  assert.equal(isTemporary(e({ ftpCode: 550 })), false);
  assert.equal(isTemporary(e({ code: "ECONNRESET" })), true);
  assert.equal(isTemporary(e({ code: "ETIMEDOUT" })), true);
  assert.equal(isTemporary(new Deno.errors.ConnectionReset("reset")), true);
  assert.equal(isTemporary(new Error("wrapped", { cause: e({ code: "EPIPE" }) })), true);
  assert.equal(isTemporary(new NotFoundError("a")), false);
  assert.equal(isTemporary("string"), false);
});

Deno.test("retry: exponential back-off, capped", () => {
  const none = () => 0;
  assert.deepEqual([1, 2, 3, 4].map((n) => backoffDelay(n, { baseDelayMs: 100 }, none)), [
    100,
    200,
    400,
    800,
  ]);
  assert.equal(backoffDelay(20, { baseDelayMs: 100, maxDelayMs: 1000 }, none), 1000);
  assert.equal(backoffDelay(1, { baseDelayMs: 100 }, () => 1), 125);
});

Deno.test("retry: withRetry retries temporary errors only, up to the limit", async () => {
  let calls = 0;
  const retried: number[] = [];
  const value = await withRetry(() => {
    calls++;
    if (calls < 3) throw Object.assign(new Error("reset"), { code: "ECONNRESET" });
    return Promise.resolve("ok");
  }, { retries: 3, baseDelayMs: 0, onRetry: (_e, n) => retried.push(n) });
  assert.equal(value, "ok");
  assert.deepEqual(retried, [1, 2]);

  calls = 0;
  await assert.rejects(
    withRetry(() => {
      calls++;
      throw new NotFoundError("a");
    }, { baseDelayMs: 0 }),
    NotFoundError,
  );
  assert.equal(calls, 1);

  calls = 0;
  await assert.rejects(withRetry(() => {
    calls++;
    throw Object.assign(new Error("421"), { ftpCode: 421 });
  }, { retries: 2, baseDelayMs: 0 }));
  assert.equal(calls, 3);
});
