import assert from "node:assert/strict";
import type { DataConnection } from "./data_connection.ts";
import { retrieveSource, retrieveStream, type TransferHandle } from "./transfer.ts";
import { FtpConnectionError } from "./errors.ts";

/** A download whose read waits until the data connection is destroyed, and whose ABOR we resolve by hand. */
function stalledDownload(abortOutcome: "in step" | "out of step") {
  let cut!: (error: Error) => void;
  const data: DataConnection = {
    read: () => new Promise((_, reject) => cut = reject),
    write: () => Promise.resolve(),
    end: () => Promise.resolve(),
    destroy: () => cut(new Error("data connection closed")),
  };
  let resync!: () => void;
  const resynced = new Promise<void>((resolve) => resync = resolve);
  const handle: TransferHandle = {
    data,
    preliminary: { code: 150, text: "here it comes", lines: [] } as never,
    command: "RETR a",
    timeoutMs: 1000,
    finalReply: () => Promise.reject(new Error("not reached")),
    abort: async () => {
      data.destroy(); // as the client does: the data connection first, then ABOR
      await resynced;
      if (abortOutcome === "out of step") throw new Error("could not resynchronise");
    },
    failed: (cause) => Promise.resolve(cause),
  };
  return { handle, resync };
}

for (const outcome of ["in step", "out of step"] as const) {
  Deno.test(`retrieveStream: a read cut by an abort hands the session back only after the ABOR (${outcome})`, async () => {
    const { handle, resync } = stalledDownload(outcome);
    const stop = new AbortController();
    const settled: boolean[] = [];
    const stream = retrieveStream(handle, {
      signal: stop.signal,
      onSettled: (failed) => settled.push(failed),
    });
    const read = stream.getReader().read();
    read.catch(() => {});
    await new Promise((resolve) => setTimeout(resolve, 0)); // the read is waiting on the data
    stop.abort();
    // Let the cut read fail and its handler run (event-loop turns, not a deadline).
    for (let i = 0; i < 5; i++) await new Promise((resolve) => setTimeout(resolve, 0));
    // The session's control connection still has ABOR's replies coming: not back in the pool yet.
    assert.deepEqual(settled, []);
    resync();
    await read.catch(() => {});
    await new Promise((resolve) => setTimeout(resolve, 0));
    assert.deepEqual(settled, [outcome === "out of step"]);
  });
}

/** A finished download of `chunks` over a data connection that has (or lacks) `readInto`. */
function download(chunks: Uint8Array[], options: { readInto: boolean; announced?: number }) {
  let i = 0;
  const replies: string[] = [];
  const data: DataConnection = {
    read: () => Promise.resolve(chunks[i++] ?? null),
    ...(options.readInto
      ? {
        readInto: (into: Uint8Array) => {
          const chunk = chunks[i++];
          if (!chunk) return Promise.resolve(null);
          into.set(chunk);
          return Promise.resolve(chunk.byteLength);
        },
      }
      : {}),
    write: () => Promise.resolve(),
    end: () => Promise.resolve(),
    destroy: () => {},
  };
  const handle: TransferHandle = {
    data,
    preliminary: { code: 150, text: "here it comes", lines: [] } as never,
    command: "RETR a",
    announcedBytes: options.announced,
    timeoutMs: 1000,
    finalReply: () => (replies.push("226"), Promise.resolve({ code: 226 } as never)),
    abort: () => (replies.push("ABOR"), Promise.resolve()),
    failed: (cause) => Promise.resolve(cause),
  };
  return { handle, replies };
}

Deno.test("retrieveSource: the bytes into the caller's buffer, the final reply read, the session handed back", async () => {
  for (const readInto of [true, false]) {
    const { handle, replies } = download([Uint8Array.of(1, 2, 3), Uint8Array.of(4)], { readInto });
    const settled: boolean[] = [];
    const progress: number[] = [];
    const source = retrieveSource(handle, {
      onSettled: (failed) => settled.push(failed),
      onProgress: (n) => progress.push(n),
    });
    // Without readInto (TLS), a chunk larger than the buffer is handed out in parts.
    const buffer = new Uint8Array(readInto ? 8 : 2);
    const got: number[] = [];
    for (let n; (n = await source.readInto(buffer)) !== null;) got.push(...buffer.subarray(0, n));
    assert.deepEqual(got, [1, 2, 3, 4]);
    assert.deepEqual(replies, ["226"]);
    assert.deepEqual(settled, [false]);
    assert.deepEqual(progress, [3, 4]);
  }
  // Fewer bytes than announced: an error, the session still handed back in step.
  const short = download([Uint8Array.of(1)], { readInto: true, announced: 2 });
  const settled: boolean[] = [];
  const source = retrieveSource(short.handle, { onSettled: (failed) => settled.push(failed) });
  const buffer = new Uint8Array(4);
  assert.equal(await source.readInto(buffer), 1);
  await assert.rejects(source.readInto(buffer), FtpConnectionError);
  assert.deepEqual(settled, [false]);
  // Cancelled early: ABOR, the session handed back in step.
  const cut = download([Uint8Array.of(1), Uint8Array.of(2)], { readInto: true });
  const cutSettled: boolean[] = [];
  const early = retrieveSource(cut.handle, { onSettled: (failed) => cutSettled.push(failed) });
  assert.equal(await early.readInto(buffer), 1);
  await early.cancel();
  assert.deepEqual(cut.replies, ["ABOR"]);
  assert.deepEqual(cutSettled, [false]);
  // Nothing to read (the server answered 2xx at once): the end at once.
  const none = retrieveSource({ ...cut.handle, data: undefined }, {});
  assert.equal(await none.readInto(buffer), null);
});
