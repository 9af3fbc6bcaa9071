/**
 * A transfer is done when the target has the right bytes, not when they were
 * sent: resume offsets come from a fresh stat of the partial, the target's own
 * size is checked before the rename, a mismatch starts over once and then
 * fails the file with both sizes, and a failed transfer leaves a partial only
 * when a later run can resume it.
 */
import assert from "node:assert/strict";
import { partialName } from "../../endpoint/atomic.ts";
import type { Endpoint, Stat, StatOptions, WriteOptions } from "../../endpoint/types.ts";
import { NotFoundError } from "../../endpoint/errors.ts";
import { collect } from "../../endpoint/streams.ts";
import { mirror } from "../../sync/mirror.ts";
import { transferFile } from "../../sync/transfer.ts";
import { TransferVerificationError } from "../../sync/verify.ts";
import { at, CutWrites, mem, pattern, put, Wrapped } from "./helpers.ts";

const fast = { retry: { baseDelayMs: 0 } };

async function bytesOf(ep: Endpoint, path: string): Promise<Uint8Array> {
  return await collect(await ep.read(path));
}

async function exists(ep: Endpoint, path: string): Promise<boolean> {
  return await ep.lstat(path).then(() => true, (e) => {
    if (e instanceof NotFoundError) return false;
    throw e;
  });
}

/**
 * A server that stores fewer bytes than it was sent and still says "ok" (the
 * first `times` writes keep only `keep` bytes).
 */
class ShortStore extends Wrapped {
  constructor(inner: Endpoint, readonly keep: number, public times = Infinity) {
    super(inner);
  }
  override async write(path: string, options: WriteOptions = {}) {
    if (this.times <= 0) return await super.write(path, options);
    this.times--;
    const real = (await super.write(path, { ...options, size: undefined })).getWriter();
    let room = this.keep - (options.offset ?? 0);
    return new WritableStream<Uint8Array>({
      async write(chunk) {
        const part = chunk.subarray(0, Math.max(0, room));
        room -= part.byteLength;
        if (part.byteLength) await real.write(part);
      },
      close: () => real.close(),
      abort: (reason) => real.abort(reason),
    });
  }
}

/**
 * The old UFTP bug: a write "from an offset" truncates the file and stores the
 * tail at byte 0. Also answers non-fresh stats from a stale cache.
 */
class TruncatingResume extends Wrapped {
  readonly statCalls: { path: string; fresh: boolean }[] = [];
  stale = new Map<string, number>();
  override async write(path: string, options: WriteOptions = {}) {
    // The offset is dropped on purpose.
    return await super.write(path, { ...options, offset: 0, size: undefined, atomic: false });
  }
  override async lstat(path: string, options: StatOptions = {}): Promise<Stat> {
    this.statCalls.push({ path, fresh: options.fresh === true });
    const real = await super.lstat(path, options);
    const lie = this.stale.get(path);
    return !options.fresh && lie !== undefined ? { ...real, size: lie } : real;
  }
}

Deno.test("verify: a target that silently stores fewer bytes fails the file with both sizes", async () => {
  const src = mem();
  await put(src, "a.bin", pattern(5000), at(1));
  const inner = mem();
  const dst = new ShortStore(inner, 3000);
  const r = await mirror(src, "", dst, "", fast);
  assert.equal(r.ok, false);
  assert.equal(r.files.failed, 1);
  const message = r.errors[0].message;
  assert.match(message, /3000/);
  assert.match(message, /5000/);
  assert.equal(await exists(inner, "a.bin"), false, "nothing at the real name");
  assert.equal(await exists(inner, partialName("a.bin")), false, "a wrong partial is removed");
});

Deno.test("verify: the typed error carries both sizes; one bad store is retried from zero", async () => {
  const src = mem();
  await put(src, "a.bin", pattern(5000));
  const dst = new ShortStore(mem(), 10, 1);
  const r = await transferFile(src, "a.bin", dst, "a.bin", { size: 5000, ...fast });
  assert.equal(r.attempts, 2);
  assert.equal(r.resumedFrom, 0, "bytes of a store that lied are not resumed");
  assert.deepEqual(await bytesOf(dst, "a.bin"), pattern(5000));

  const always = new ShortStore(mem(), 10);
  const error = await transferFile(src, "a.bin", always, "a.bin", { size: 5000, ...fast })
    .then(() => undefined, (e) => e);
  assert.ok(error instanceof TransferVerificationError, String(error));
  assert.equal(error.expected, 5000);
  assert.equal(error.actual, 10);
});

Deno.test("verify: a resume that truncates the partial is caught and redone from zero", async () => {
  const size = 40_000;
  const src = mem();
  await put(src, "big.bin", pattern(size), at(1));
  const inner = mem();
  // An earlier run's partial: the right first 25,000 bytes, written after the source.
  await put(inner, partialName("big.bin"), pattern(size).subarray(0, 25_000), at(100));
  const dst = new TruncatingResume(inner);
  dst.stale.set(partialName("big.bin"), 30_000);
  const r = await mirror(src, "", dst, "", fast);
  assert.equal(r.ok, true, JSON.stringify(r.errors));
  assert.deepEqual(await bytesOf(inner, "big.bin"), pattern(size));
  const partialStats = dst.statCalls.filter((c) => c.path === partialName("big.bin"));
  assert.ok(partialStats.length >= 2);
  assert.ok(partialStats.every((c) => c.fresh), "offsets and checks come from fresh stats only");
});

Deno.test("verify: the resume offset is the partial's fresh size, never a cached one", async () => {
  const size = 40_000;
  const src = mem();
  await put(src, "big.bin", pattern(size));
  const inner = mem();
  await put(inner, partialName("big.bin"), pattern(size).subarray(0, 25_000));
  const dst = new (class extends Wrapped {
    override lstat(path: string, options: StatOptions = {}) {
      // A cache that still remembers an older, longer partial.
      if (!options.fresh && path === partialName("big.bin")) {
        return Promise.resolve({ name: path, type: "file" as const, size: 30_000, precision: 0 });
      }
      return super.lstat(path, options);
    }
  })(inner);
  const r = await transferFile(src, "big.bin", dst, "big.bin", { size, resume: true, ...fast });
  assert.equal(r.resumedFrom, 25_000);
  assert.deepEqual(await bytesOf(inner, "big.bin"), pattern(size));
});

Deno.test("verify: a partial longer than the source is not resumed", async () => {
  const src = mem();
  await put(src, "a.bin", pattern(1000));
  const inner = mem();
  await put(inner, partialName("a.bin"), pattern(2000));
  const r = await transferFile(src, "a.bin", inner, "a.bin", { size: 1000, resume: true, ...fast });
  assert.equal(r.resumedFrom, 0);
  assert.deepEqual(await bytesOf(inner, "a.bin"), pattern(1000));
});

Deno.test("verify: a complete partial left by a failed rename is finished right, not emptied", async () => {
  const src = mem();
  await put(src, "f.bin", pattern(3000), at(1));
  const inner = mem();
  await put(inner, partialName("f.bin"), pattern(3000), at(50));
  const r = await mirror(src, "", inner, "", fast);
  assert.equal(r.ok, true, JSON.stringify(r.errors));
  assert.equal(r.resumed, 1);
  assert.deepEqual(await bytesOf(inner, "f.bin"), pattern(3000));
});

Deno.test("verify: with checksum, same size but other bytes fails the file with both hashes", async () => {
  const src = mem();
  await put(src, "a.bin", pattern(4000), at(1));
  const inner = mem();
  // Stores every byte, but flips one: only a hash can tell.
  const dst = new (class extends Wrapped {
    hash(path: string, algorithm: string): Promise<string> {
      return inner.hash(path, algorithm);
    }
    override async write(path: string, options: WriteOptions = {}) {
      const real = (await super.write(path, options)).getWriter();
      return new WritableStream<Uint8Array>({
        async write(chunk) {
          const copy = chunk.slice();
          copy[0] ^= 0xff;
          await real.write(copy);
        },
        close: () => real.close(),
        abort: (reason) => real.abort(reason),
      });
    }
  })(inner);
  const bySize = await mirror(src, "", dst, "plain", fast);
  assert.equal(bySize.ok, true, "sizes alone cannot see it");
  const r = await mirror(src, "", dst, "checked", { ...fast, compare: "checksum" });
  assert.equal(r.ok, false);
  assert.match(r.errors[0].message, /sha-256 is [0-9a-f]{64}, the source's [0-9a-f]{64}/);
  assert.equal(await exists(inner, "checked/a.bin"), false);
});

Deno.test("verify: a failed upload removes an empty partial and keeps one with confirmed bytes", async () => {
  const src = mem();
  await put(src, "a.bin", pattern(5000));
  const none = mem();
  const cutAtOnce = new CutWrites(none, 0, 99);
  await assert.rejects(transferFile(src, "a.bin", cutAtOnce, "a.bin", { size: 5000, ...fast }));
  assert.equal(await exists(none, partialName("a.bin")), false);

  const some = mem();
  const cutLater = new CutWrites(some, 1200, 99);
  await assert.rejects(transferFile(src, "a.bin", cutLater, "a.bin", { size: 5000, ...fast }));
  const kept = (await some.lstat(partialName("a.bin"))).size;
  assert.ok(kept > 0 && kept < 5000, `kept for a later resume (${kept} bytes)`);
  assert.equal(await exists(some, "a.bin"), false);
});

Deno.test("verify: a target that names a resume overlap but cannot write inside the partial resumes at its end", async () => {
  const size = 50_000;
  const src = mem();
  await put(src, "a.bin", pattern(size));
  const inner = mem();
  const cut = new CutWrites(inner, 20_000);
  const dst = new (class extends Wrapped {
    override capabilities() {
      return { ...super.capabilities(), resumeOverlap: 4096 };
    }
  })(cut);
  const r = await transferFile(src, "a.bin", dst, "a.bin", { size, ...fast });
  assert.deepEqual(cut.writes.map((w) => w.options.offset ?? 0), [0, 20_000 - 4096, 20_000]);
  assert.equal(r.resumedFrom, 20_000);
  assert.deepEqual(await bytesOf(inner, "a.bin"), pattern(size));
});

Deno.test("verify: a transfer that moved bytes and then got a permanent reply is resumed", async () => {
  const size = 30_000;
  const src = mem();
  await put(src, "a.bin", pattern(size));
  let cuts = 1;
  // The real UFTPD answers a reset data connection with "500 ... Connection reset by peer".
  const flaky = new (class extends Wrapped {
    override async read(path: string, options = {}) {
      const real = (await super.read(path, options)).getReader();
      if (cuts-- <= 0) return new ReadableStream({ pull: (c) => pullAll(real, c) });
      let sent = 0;
      return new ReadableStream<Uint8Array>({
        async pull(c) {
          if (sent >= 10_000) {
            await real.cancel();
            return c.error(
              Object.assign(new Error("500 Connection reset by peer"), { ftpCode: 500 }),
            );
          }
          const { done, value } = await real.read();
          if (done) return c.close();
          const part = value.subarray(0, 10_000 - sent);
          sent += part.byteLength;
          c.enqueue(part);
        },
      });
    }
  })(src);
  const dst = mem();
  const r = await transferFile(flaky, "a.bin", dst, "a.bin", { size, ...fast });
  assert.equal(r.attempts, 2);
  assert.equal(r.resumedFrom, 10_000);
  assert.deepEqual(await bytesOf(dst, "a.bin"), pattern(size));
});

async function pullAll(
  reader: ReadableStreamDefaultReader<Uint8Array>,
  c: ReadableStreamDefaultController<Uint8Array>,
): Promise<void> {
  const { done, value } = await reader.read();
  if (done) c.close();
  else c.enqueue(value);
}

Deno.test("verify: a partial the server made before it refused the transfer is removed", async () => {
  const src = mem();
  await put(src, "a.bin", pattern(100));
  const inner = mem();
  // ProFTPD creates the file on STOR, then answers 425 when the data connection fails.
  const refusing = new (class extends Wrapped {
    override async write(path: string, options: WriteOptions = {}): Promise<never> {
      await (await super.write(path, options)).close().catch(() => {});
      throw Object.assign(new Error("425 Unable to build data connection"), { ftpCode: 425 });
    }
  })(inner);
  await assert.rejects(transferFile(src, "a.bin", refusing, "a.bin", { size: 100, ...fast }));
  assert.equal(await exists(inner, partialName("a.bin")), false);
});
