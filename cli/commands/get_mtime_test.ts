import assert from "node:assert/strict";
import type { Stat } from "../../endpoint/types.ts";
import { Precision } from "../../util/precision.ts";
import { keepExact } from "./get_mtime.ts";

const listed = (iso: string, precision: number) =>
  ({ type: "file", size: 1, mtime: new Date(iso), precision }) as Stat;

Deno.test("keepExact: MDTM's second inside the listed day or minute, else the listing", () => {
  const exact = new Date("2025-01-02T03:04:05Z");
  assert.equal(keepExact(listed("2025-01-02T00:00:00Z", Precision.days), exact), exact);
  assert.equal(keepExact(listed("2025-01-02T03:04:00Z", Precision.minutes), exact), exact);
  // Another day: the file changed since the listing, or MDTM answers in another zone.
  const other = listed("2025-01-05T00:00:00Z", Precision.days);
  assert.equal(keepExact(other, exact), other.mtime);
  // A listing with the second already, or no MDTM answer: the listing.
  const mlsd = listed("2025-01-02T03:04:06Z", Precision.seconds);
  assert.equal(keepExact(mlsd, exact), mlsd.mtime);
  assert.equal(keepExact(other, undefined), other.mtime);
  assert.equal(keepExact(undefined, exact), undefined);
});
