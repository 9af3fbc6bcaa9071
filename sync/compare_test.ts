import assert from "node:assert/strict";
import type { Stat } from "../endpoint/types.ts";
import { Precision } from "../endpoint/types.ts";
import { commonHash, compareEntries, mtimeWindow, sameMtime } from "./compare.ts";

const t0 = Date.UTC(2024, 0, 1, 12, 0, 0);
function file(size: number, ms: number | undefined, precision: number = Precision.seconds): Stat {
  return {
    name: "f",
    type: "file",
    size,
    mtime: ms === undefined ? undefined : new Date(ms),
    precision,
  };
}

Deno.test("compare: missing, size, type", () => {
  assert.deepEqual(compareEntries(file(1, t0), undefined), { verdict: "missing" });
  assert.deepEqual(compareEntries(file(1, t0), file(2, t0)), {
    verdict: "differs",
    reason: "size",
  });
  const dir: Stat = { name: "f", type: "dir", size: 0, precision: 1 };
  assert.deepEqual(compareEntries(file(1, t0), dir), { verdict: "differs", reason: "type" });
  assert.deepEqual(compareEntries(dir, dir), { verdict: "same", reason: "dir" });
});

Deno.test("compare: size+mtime within the coarser precision plus tolerance", () => {
  const src = file(3, t0 + 59_000, Precision.milliseconds);
  const listed = file(3, t0, Precision.minutes); // an FTP LIST "12:00"
  assert.equal(compareEntries(src, listed).verdict, "same");
  assert.deepEqual(compareEntries(file(3, t0 + 61_000), listed), {
    verdict: "differs",
    reason: "mtime",
  });
  assert.equal(compareEntries(file(3, t0 + 61_000), listed, { toleranceMs: 2000 }).verdict, "same");
  assert.equal(compareEntries(file(3, t0 + 1500), file(3, t0)).verdict, "differs");
  assert.equal(compareEntries(file(3, t0 + 999), file(3, t0)).verdict, "same");
});

Deno.test("compare: an unknown mtime leaves the decision to the size", () => {
  assert.deepEqual(compareEntries(file(3, t0), file(3, undefined)), {
    verdict: "same",
    reason: "size, mtime unknown",
  });
  assert.deepEqual(compareEntries(file(3, t0), file(3, 0, Precision.unknown)).verdict, "same");
});

Deno.test("compare: a time shift the endpoint does not apply", () => {
  const src = file(3, t0);
  const shifted = file(3, t0 - 3_600_000); // target lists one hour behind
  assert.equal(compareEntries(src, shifted).verdict, "differs");
  assert.equal(compareEntries(src, shifted, { timeShiftMs: 3_600_000 }).verdict, "same");
});

Deno.test("compare: size mode and checksum mode", () => {
  assert.equal(compareEntries(file(3, t0), file(3, t0 + 1e7), { mode: "size" }).verdict, "same");
  const cs = { mode: "checksum" as const };
  assert.deepEqual(
    compareEntries(file(3, t0), file(3, t0 + 1e7), { ...cs, srcHash: "AB", dstHash: "ab" }),
    {
      verdict: "same",
      reason: "checksum",
    },
  );
  assert.deepEqual(
    compareEntries(file(3, t0), file(3, t0), { ...cs, srcHash: "ab", dstHash: "cd" }),
    {
      verdict: "differs",
      reason: "checksum",
    },
  );
  assert.deepEqual(compareEntries(file(3, t0), file(3, t0), cs), {
    verdict: "same",
    reason: "size, no common hash",
  });
});

Deno.test("compare: helpers", () => {
  assert.equal(mtimeWindow(file(0, 0, 1000), file(0, 0, 60_000), 5), 60_005);
  assert.equal(sameMtime(file(0, t0), file(0, undefined)), undefined);
  const caps = (hashes: string[]) =>
    ({ hashes }) as unknown as import("../endpoint/types.ts").Capabilities;
  assert.equal(commonHash(caps(["SHA-256", "md5"]), caps(["md5", "sha-256"])), "sha-256");
  assert.equal(commonHash(caps(["md5"]), caps([])), undefined);
});
