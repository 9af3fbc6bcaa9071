import assert from "node:assert/strict";
import { DelegatingEndpoint } from "../endpoint/delegating.ts";
import { IsADirectoryError } from "../endpoint/errors.ts";
import { MemoryEndpoint } from "../endpoint/memory.ts";
import { configureLogging, type LogRecord, resetLogging } from "../deps/logtape.ts";
import { replaceChecked } from "./replace_checked.ts";

/** An FTP server's temporary refusal, as Pure-FTPd answers RNTO onto a directory. */
function busy(to: string): Error {
  return Object.assign(
    new Error(`server replied 451 Rename/move failure: Is a directory to RNTO ${to}`),
    {
      ftpCode: 451,
    },
  );
}

/** A backend that answers 451 to renames onto `refused`, counting the renames. */
class Refusing451 extends DelegatingEndpoint {
  renames = 0;
  constructor(inner: MemoryEndpoint, readonly refused: string) {
    super(inner);
  }
  override async rename(from: string, to: string): Promise<void> {
    this.renames++;
    if (to === this.refused) throw busy(to);
    await super.rename(from, to);
  }
}

async function logged<T>(fn: () => Promise<T>): Promise<{ result: T | unknown; lines: string[] }> {
  const records: LogRecord[] = [];
  await configureLogging({
    reset: true,
    sinks: { memory: (record) => records.push(record) },
    loggers: [
      { category: ["ferry"], sinks: ["memory"], lowestLevel: "info" },
      { category: ["logtape", "meta"], sinks: [], lowestLevel: "error" },
    ],
  });
  try {
    const result = await fn().catch((error) => error);
    return { result, lines: records.map((r) => r.message.map(String).join("")) };
  } finally {
    await resetLogging();
  }
}

async function setUp(refused: string) {
  const mem = new MemoryEndpoint();
  await mem.mkdir("d");
  await ReadableStream.from([new Uint8Array(3)]).pipeTo(await mem.write(".d.part"));
  return { mem, ep: new Refusing451(mem, refused) };
}

Deno.test("replaceChecked: a temporary refusal of a rename onto a directory is final at once", async () => {
  const { mem, ep } = await setUp("d");
  const { result, lines } = await logged(() =>
    replaceChecked(ep, ".d.part", "d", { size: 3, retry: { retries: 3, baseDelayMs: 1 } })
  );
  assert.ok(result instanceof IsADirectoryError, String(result));
  assert.equal(result.message, "is a directory: d");
  assert.equal(ep.renames, 1);
  assert.deepEqual(lines, [
    "d: the server refused the rename (server replied 451 Rename/move failure: Is a directory " +
    "to RNTO d), and d is a directory: no retry",
  ]);
  // The partial is the caller's to remove (ferry put does).
  assert.ok(await mem.lstat(".d.part"));
});

Deno.test("replaceChecked: a temporary refusal onto a file is retried, said as a refusal, not a cut", async () => {
  const { ep } = await setUp("x");
  const { result, lines } = await logged(() =>
    replaceChecked(ep, ".d.part", "x", { size: 3, retry: { retries: 2, baseDelayMs: 1 } })
  );
  assert.match(String(result), /451/);
  assert.equal(ep.renames, 3);
  assert.equal(lines.length, 2, lines.join("\n"));
  for (const line of lines) {
    assert.match(line, /^x: the server refused the rename for now \(.*451.*\); renaming again$/);
  }
});
