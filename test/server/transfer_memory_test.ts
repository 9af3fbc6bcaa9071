// Memory per transfer (issue 17 item 3), counted in chunks and buffers, not in time or RSS:
// a download whose client stops reading holds one chunk being sent and one read ahead, and
// reuses its two buffers; an upload whose endpoint stalls holds two batches, reused.
import assert from "node:assert/strict";
import { LocalEndpoint, MemoryEndpoint } from "../../plugin.ts";
import { VirtualAuthorizer } from "../../server.ts";
import { validateConfig } from "../../plugins/server/config.ts";
import { resolveOptions } from "../../plugins/server/options.ts";
import {
  type DownloadSource,
  receiveFromSocket,
  sendToSocket,
} from "../../plugins/server/transfer.ts";

const CHUNK = 64 * 1024;

/** A stand-in for a plain data connection (`Deno.Conn`) whose writes finish only when let go. */
class StallingConn {
  writes: { bytes: number; done: (n: number) => void }[] = [];
  #written?: () => void;
  closed = false;
  write(chunk: Uint8Array): Promise<number> {
    return new Promise((done) => {
      this.writes.push({ bytes: chunk.length, done });
      this.#written?.();
    });
  }
  /** Resolves at the next `write` call (or now, if one is pending and unanswered). */
  nextWrite(): Promise<void> {
    return new Promise((r) => this.#written = r);
  }
  close() {
    this.closed = true;
  }
}

/**
 * A byte stream of `count` chunks. Each chunk's first byte carries its
 * number (from 1), so a view that arrives holding a non-zero first byte is a
 * buffer the reader used before; `fresh` counts buffers seen for the first time.
 */
function numberedSource(count: number) {
  const stats = {
    pulls: 0,
    fresh: 0,
    pulledBytes: 0,
    onPull: undefined as (() => void) | undefined,
  };
  const stream = new ReadableStream({
    type: "bytes",
    pull(controller) {
      const req = controller.byobRequest!;
      const view = new Uint8Array(req.view!.buffer, req.view!.byteOffset, req.view!.byteLength);
      if (stats.pulls === count) {
        controller.close();
        req.respond(0);
        return;
      }
      if (view[0] === 0) stats.fresh++;
      stats.pulls++;
      view.fill(stats.pulls & 0xff || 1);
      stats.pulledBytes += view.length;
      req.respond(view.length);
      stats.onPull?.();
    },
  });
  return { stream, stats };
}

/** A download of `source` into a client that reads `readFirst` chunks, then stops. */
async function stallAfter(
  source: DownloadSource,
  readFirst: number,
  onPulled: (wait: () => Promise<void>) => Promise<void>,
) {
  const conn = new StallingConn();
  const progress = { bytes: 0 };
  const firstWrite = conn.nextWrite();
  const done = sendToSocket(source, conn as unknown as Deno.Conn, {
    signal: new AbortController().signal,
    dataTimeout: 60_000,
    progress,
    chunkSize: CHUNK,
  });
  await firstWrite;
  for (let i = 0; i < readFirst; i++) {
    const next = conn.nextWrite();
    conn.writes[i].done(conn.writes[i].bytes);
    await next;
  }
  // Stalled: the next write is pending. Give any read-ahead every chance to
  // happen (a stream's high-water mark, an eager pump) before counting.
  await onPulled(async () => {
    for (let i = 0; i < 20; i++) await new Promise((r) => setTimeout(r, 0));
  });
  const stalledWrites = conn.writes.length;
  // The client reads again: the transfer completes.
  let i = readFirst;
  const reading = (async () => {
    while (true) {
      if (!conn.writes[i]) {
        const next = conn.nextWrite();
        if (await Promise.race([next.then(() => false), done.then(() => true)])) return;
      }
      conn.writes[i].done(conn.writes[i].bytes);
      i++;
    }
  })();
  await done;
  await reading;
  return { stalledWrites, progress };
}

Deno.test("a stalled download of a local file holds one chunk, read into one reused buffer", async () => {
  const { stream, stats } = numberedSource(40);
  const r = await stallAfter(stream, 10, async (settle) => {
    await settle();
    assert.equal(stats.pulls, 11, "the chunk being sent, nothing read ahead");
  });
  assert.equal(r.stalledWrites, 11);
  assert.equal(r.progress.bytes, 40 * CHUNK);
  assert.equal(stats.fresh, 1, "40 chunks read into 1 buffer");
});

Deno.test("a stalled download of another stream holds two chunks (one sent, one read ahead)", async () => {
  let pulls = 0;
  const stream = new ReadableStream<Uint8Array>({
    pull(controller) {
      if (pulls === 40) return controller.close();
      pulls++;
      controller.enqueue(new Uint8Array(CHUNK).fill(1));
    },
  }, { highWaterMark: 0 });
  const r = await stallAfter(stream, 10, async (settle) => {
    await settle();
    assert.equal(pulls, 12, "one chunk in flight, one read ahead, nothing more");
  });
  assert.equal(r.stalledWrites, 11);
  assert.equal(r.progress.bytes, 40 * CHUNK);
});

Deno.test("a stalled download of a source that fetches (readDirect) holds two chunks, reused", async () => {
  // An FTP endpoint's source: each read lands in the buffer it is given.
  let reads = 0;
  const buffers = new Set<ArrayBuffer>();
  const source = {
    readInto(into: Uint8Array): Promise<number | null> {
      if (reads === 40) return Promise.resolve(null);
      reads++;
      buffers.add(into.buffer as ArrayBuffer);
      into.fill(1);
      return Promise.resolve(into.length);
    },
    cancel: () => Promise.resolve(),
  };
  const r = await stallAfter(source, 10, async (settle) => {
    await settle();
    assert.equal(reads, 12, "one chunk in flight, one read ahead, nothing more");
  });
  assert.equal(r.stalledWrites, 11);
  assert.equal(r.progress.bytes, 40 * CHUNK);
  assert.equal(buffers.size, 2, "40 chunks read into 2 buffers");
});

Deno.test("an upload to a stalled endpoint holds two batches, reused", async () => {
  const total = 20 * CHUNK;
  let sent = 0;
  // The client side of the data connection: reads fill whatever the server asks for.
  const conn = {
    read(into: Uint8Array): Promise<number | null> {
      if (sent >= total) return Promise.resolve(null);
      const n = Math.min(into.length, total - sent, 16 * 1024);
      into.fill(7, 0, n);
      sent += n;
      return Promise.resolve(n);
    },
    close() {},
  };
  const buffers = new Set<ArrayBufferLike>();
  const pending: (() => void)[] = [];
  let written = 0;
  let wake: (() => void) | undefined;
  const sink = new WritableStream<Uint8Array>({
    write(chunk) {
      buffers.add(chunk.buffer);
      written += chunk.length;
      return new Promise<void>((r) => {
        pending.push(r);
        wake?.();
      });
    },
  });
  const done = receiveFromSocket(conn as unknown as Deno.Conn, sink, {
    signal: new AbortController().signal,
    dataTimeout: 60_000,
    progress: { bytes: 0 },
    chunkSize: CHUNK,
  });
  // The endpoint takes the first batch and does not finish it: the server fills one more, then waits.
  while (!pending.length) await new Promise<void>((r) => wake = r);
  for (let i = 0; i < 20; i++) await new Promise((r) => setTimeout(r, 0));
  assert.equal(pending.length, 1);
  assert.ok(sent <= 2 * CHUNK, `read ${sent} bytes while the endpoint stalled`);
  // The endpoint goes on: every batch is written from the same two buffers.
  while (written < total || pending.length) {
    if (!pending.length) await new Promise<void>((r) => wake = r);
    pending.shift()!();
    await new Promise((r) => setTimeout(r, 0));
  }
  await done;
  assert.equal(written, total);
  assert.ok(buffers.size <= 2, `${buffers.size} buffers for 20 batches`);
});

Deno.test("transferChunkSize: 64 KiB by default, 4 KiB to 16 MiB, from the YAML too", () => {
  const base = { endpoint: new MemoryEndpoint(), authorizer: new VirtualAuthorizer() };
  assert.equal(resolveOptions(base).transferChunkSize, 64 * 1024);
  assert.equal(resolveOptions({ ...base, transferChunkSize: 65536 }).transferChunkSize, 65536);
  assert.throws(() => resolveOptions({ ...base, transferChunkSize: 100 }), /transferChunkSize/);
  assert.equal(validateConfig({ transferChunkSize: 262144 }, "s.yaml").transferChunkSize, 262144);
  assert.throws(
    () => validateConfig({ transferChunkSize: "big" }, "s.yaml"),
    /s\.yaml: transferChunkSize: expected a whole number of bytes/,
  );
});

Deno.test("LocalEndpoint.read is a byte stream: a BYOB reader fills its own buffer", async () => {
  const dir = await Deno.makeTempDir();
  try {
    const data = new Uint8Array(300_000).map((_, i) => i % 251);
    await Deno.writeFile(`${dir}/f.bin`, data);
    const ep = new LocalEndpoint(dir);
    const reader = (await ep.read("f.bin")).getReader({ mode: "byob" });
    let buf = new ArrayBuffer(CHUNK);
    const got: number[] = [];
    while (true) {
      const r = await reader.read(new Uint8Array(buf));
      if (r.done) break;
      assert.equal(r.value.buffer.byteLength, CHUNK, "read into the reader's buffer");
      got.push(...r.value);
      buf = r.value.buffer as ArrayBuffer;
    }
    assert.deepEqual(new Uint8Array(got), data);
    // A default reader still gets whole chunks of its own.
    const whole = new Uint8Array(
      await new Response(await ep.read("f.bin", { offset: 1000 })).arrayBuffer(),
    );
    assert.deepEqual(whole, data.subarray(1000));
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
