// Memory per transfer (issue 17 item 3), counted in chunks and buffers, not in time or RSS:
// a download whose client stops reading holds one chunk being sent and one read ahead, and
// reuses its two buffers; an upload whose endpoint stalls holds two batches, reused.
import assert from "node:assert/strict";
import { MemoryEndpoint } from "../../plugin.ts";
import { VirtualAuthorizer } from "../../server.ts";
import { validateConfig } from "../../plugins/server/config.ts";
import { resolveOptions } from "../../plugins/server/options.ts";
import { receiveFromSocket, sendToSocket } from "../../plugins/server/transfer.ts";

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

Deno.test("a stalled download holds two chunks and reuses two buffers", async () => {
  const { stream, stats } = numberedSource(40);
  const conn = new StallingConn();
  const progress = { bytes: 0 };
  const ctl = new AbortController();
  const firstWrite = conn.nextWrite();
  const done = sendToSocket(stream, conn as unknown as Deno.Conn, {
    signal: ctl.signal,
    dataTimeout: 60_000,
    progress,
    chunkSize: CHUNK,
  });
  // The client reads 10 chunks, then stops.
  await firstWrite;
  for (let i = 0; i < 10; i++) {
    const next = conn.nextWrite();
    conn.writes[i].done(conn.writes[i].bytes);
    await next;
  }
  // Stalled: write 11 is pending. The pump reads at most one chunk ahead of it.
  if (stats.pulls < 12) await new Promise<void>((r) => stats.onPull = r);
  // Give any read-ahead every chance to happen (a stream high-water mark would pull now).
  for (let i = 0; i < 20; i++) await new Promise((r) => setTimeout(r, 0));
  assert.equal(conn.writes.length, 11);
  assert.equal(stats.pulls, 12, "one chunk in flight, one read ahead, nothing more");
  assert.ok(stats.pulledBytes - progress.bytes <= 2 * CHUNK);
  // The client reads again: the transfer completes with the same two buffers.
  let i = 10;
  const pump = (async () => {
    while (i < 40) {
      if (!conn.writes[i]) await conn.nextWrite();
      conn.writes[i].done(conn.writes[i].bytes);
      i++;
    }
  })();
  await done;
  await pump;
  assert.equal(progress.bytes, 40 * CHUNK);
  assert.equal(stats.fresh, 2, "40 chunks read into 2 buffers");
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

Deno.test("transferChunkSize: 128 KiB by default, 4 KiB to 16 MiB, from the YAML too", () => {
  const base = { endpoint: new MemoryEndpoint(), authorizer: new VirtualAuthorizer() };
  assert.equal(resolveOptions(base).transferChunkSize, 128 * 1024);
  assert.equal(resolveOptions({ ...base, transferChunkSize: 65536 }).transferChunkSize, 65536);
  assert.throws(() => resolveOptions({ ...base, transferChunkSize: 100 }), /transferChunkSize/);
  assert.equal(validateConfig({ transferChunkSize: 262144 }, "s.yaml").transferChunkSize, 262144);
  assert.throws(
    () => validateConfig({ transferChunkSize: "big" }, "s.yaml"),
    /s\.yaml: transferChunkSize: expected a whole number of bytes/,
  );
});
