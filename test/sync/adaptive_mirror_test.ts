/**
 * A mirror with `adaptive`: the copies in flight start at half of `parallel`,
 * never exceed it, and step down for good when the target turns a session
 * away as one too many (a 421), while every file still arrives.
 */
import assert from "node:assert/strict";
import { mirror } from "../../sync/mirror.ts";
import type { Capabilities, Endpoint, WriteOptions } from "../../endpoint/types.ts";
import { contents, mem, put, Wrapped } from "./helpers.ts";

/** Counts writes open at once; the `refuseAt`-th write fails once with a 421. */
class Busy extends Wrapped {
  open = 0;
  /** Writes open at the start of each write, in order. */
  atStart: number[] = [];
  writes = 0;
  refusedAt?: number;
  constructor(inner: Endpoint, readonly limit: number, readonly refuseAt: number) {
    super(inner);
  }
  override capabilities(): Capabilities {
    return { ...super.capabilities(), maxConnections: this.limit };
  }
  override async write(path: string, options?: WriteOptions) {
    if (++this.writes === this.refuseAt) {
      this.refusedAt = this.atStart.length;
      throw Object.assign(new Error("421 Too many connections from this address"), {
        ftpCode: 421,
        name: "TooManyConnectionsError",
      });
    }
    this.atStart.push(++this.open);
    const inner = await super.write(path, options);
    const writer = inner.getWriter();
    const done = () => this.open--;
    return new WritableStream<Uint8Array>({
      write: (chunk) => writer.write(chunk),
      close: () => writer.close().finally(done),
      abort: (reason) => writer.abort(reason).finally(done),
    });
  }
}

Deno.test("adaptive mirror: within parallel, one fewer for good after a 421, every file there", async () => {
  const src = mem();
  for (let i = 0; i < 60; i++) await put(src, `d${i % 3}/f${i}.txt`, `file ${i}`);
  const dst = new Busy(mem(), 6, 10);
  const r = await mirror(src, "", dst, "", {
    parallel: 6,
    adaptive: true,
    retry: { retries: 2, baseDelayMs: 1 },
  });
  assert.equal(r.ok, true, JSON.stringify(r.errors));
  assert.deepEqual(await contents(dst), await contents(src));
  assert.ok(Math.max(...dst.atStart) <= 3, `starts at half of 6: ${dst.atStart}`);
  assert.ok(dst.refusedAt !== undefined);
  // Once the transfers in flight at the refusal have ended, no more than 2 at once.
  const after = dst.atStart.slice(dst.refusedAt + 3);
  assert.ok(after.length > 20 && after.every((n) => n <= 2), JSON.stringify(dst.atStart));
});
