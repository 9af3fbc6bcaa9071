import assert from "node:assert/strict";
import type { DataConnection } from "./data_connection.ts";
import { retrieveStream, type TransferHandle } from "./transfer.ts";

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
