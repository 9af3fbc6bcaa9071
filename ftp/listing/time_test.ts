import assert from "node:assert/strict";
import {
  FUTURE_TOLERANCE_MS,
  guessYearMillis,
  monthIndex,
  resolveContext,
  stripEol,
  unshift,
  utcMillis,
} from "./time.ts";

const at = (iso: string, timeShift = 0) => ({ now: new Date(iso), timeShift });
const iso = (ms: number | undefined) => ms === undefined ? undefined : new Date(ms).toISOString();

Deno.test("utcMillis: rejects roll-over dates, keeps years below 100", () => {
  assert.equal(utcMillis(2024, 1, 29), Date.UTC(2024, 1, 29));
  assert.equal(utcMillis(2026, 1, 29), undefined);
  assert.equal(utcMillis(2100, 1, 29), undefined);
  assert.equal(utcMillis(2000, 1, 29), Date.UTC(2000, 1, 29));
  assert.equal(utcMillis(2024, 3, 31), undefined);
  assert.equal(utcMillis(2024, 0, 1, 24, 0), undefined);
  assert.equal(utcMillis(2024, 0, 1, 23, 60), undefined);
  assert.equal(new Date(utcMillis(99, 0, 1)!).getUTCFullYear(), 99);
  assert.equal(iso(utcMillis(2016, 11, 31, 23, 59, 60)), "2016-12-31T23:59:59.000Z");
});

Deno.test("guessYearMillis: the latest year not beyond now + tolerance", () => {
  // Around New Year, both directions.
  assert.equal(
    iso(guessYearMillis(11, 31, 23, 59, at("2027-01-01T00:30:00Z"))),
    "2026-12-31T23:59:00.000Z",
  );
  assert.equal(
    iso(guessYearMillis(0, 1, 0, 0, at("2026-12-31T00:00:00Z"))),
    "2027-01-01T00:00:00.000Z",
  );
  assert.equal(
    iso(guessYearMillis(0, 1, 0, 1, at("2026-12-31T00:00:00Z"))),
    "2026-01-01T00:01:00.000Z",
  );
  // Recent past and half a year back stay in this year.
  assert.equal(
    iso(guessYearMillis(10, 21, 5, 8, at("2026-11-21T05:10:00Z"))),
    "2026-11-21T05:08:00.000Z",
  );
  assert.equal(
    iso(guessYearMillis(4, 21, 5, 8, at("2026-11-21T05:10:00Z"))),
    "2026-05-21T05:08:00.000Z",
  );
  // The tolerance is exactly one day.
  assert.equal(FUTURE_TOLERANCE_MS, 86_400_000);
  assert.equal(
    iso(guessYearMillis(10, 22, 5, 10, at("2026-11-21T05:10:00Z"))),
    "2026-11-22T05:10:00.000Z",
  );
  assert.equal(
    iso(guessYearMillis(10, 22, 5, 11, at("2026-11-21T05:10:00Z"))),
    "2025-11-22T05:11:00.000Z",
  );
});

Deno.test("guessYearMillis: Feb 29 goes to the nearest fitting leap year", () => {
  assert.equal(
    iso(guessYearMillis(1, 29, 12, 0, at("2026-06-01T00:00:00Z"))),
    "2024-02-29T12:00:00.000Z",
  );
  assert.equal(
    iso(guessYearMillis(1, 29, 12, 0, at("2024-03-01T00:00:00Z"))),
    "2024-02-29T12:00:00.000Z",
  );
  assert.equal(
    iso(guessYearMillis(1, 29, 12, 0, at("2024-02-01T00:00:00Z"))),
    "2020-02-29T12:00:00.000Z",
  );
  // 2100 is not a leap year: from 2101 the last Feb 29 is in 2096.
  assert.equal(
    iso(guessYearMillis(1, 29, 0, 0, at("2101-01-01T00:00:00Z"))),
    "2096-02-29T00:00:00.000Z",
  );
  assert.equal(guessYearMillis(1, 30, 0, 0, at("2026-06-01T00:00:00Z")), undefined);
});

Deno.test("guessYearMillis: compares in the server's frame", () => {
  // UTC 2026-12-31 00:00 is 14:00 on a UTC+14 server; Jan 1 12:00 there is 22 h ahead.
  assert.equal(
    iso(guessYearMillis(0, 1, 12, 0, at("2026-12-31T00:00:00Z", 14 * 3600))),
    "2027-01-01T12:00:00.000Z",
  );
  assert.equal(
    iso(guessYearMillis(0, 1, 12, 0, at("2026-12-31T00:00:00Z"))),
    "2026-01-01T12:00:00.000Z",
  );
});

Deno.test("unshift, resolveContext, stripEol, monthIndex", () => {
  assert.equal(
    unshift(Date.UTC(2024, 0, 1, 5, 30), at("2024-01-01T00:00:00Z", 19_800)).toISOString(),
    "2024-01-01T00:00:00.000Z",
  );
  assert.equal(
    unshift(0, at("2024-01-01T00:00:00Z", -3600)).toISOString(),
    "1970-01-01T01:00:00.000Z",
  );
  assert.equal(resolveContext().timeShift, 0);
  assert.ok(Math.abs(resolveContext().now.getTime() - Date.now()) < 60_000);
  assert.equal(resolveContext({ timeShift: 7 }).timeShift, 7);
  assert.equal(stripEol(" a b \r\n"), " a b ");
  assert.equal(stripEol("a\n"), "a");
  assert.equal(stripEol("a\r"), "a");
  assert.equal(stripEol("a\r\r\n"), "a\r");
  assert.equal(monthIndex("DEC"), 11);
  assert.equal(monthIndex("Sept"), -1);
});
