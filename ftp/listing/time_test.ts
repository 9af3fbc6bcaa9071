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

/** utcMillis as it was, all by a Date set field by field: what the arithmetic must match. */
function utcMillisByDate(
  year: number,
  month0: number,
  day: number,
  hour = 0,
  minute = 0,
  second = 0,
  ms = 0,
): number | undefined {
  if (
    !Number.isInteger(year) || month0 < 0 || month0 > 11 || day < 1 || day > 31 ||
    hour < 0 || hour > 23 || minute < 0 || minute > 59 || second < 0 || second > 60 ||
    ms < 0 || ms > 999
  ) return undefined;
  const date = new Date(0);
  date.setUTCFullYear(year, month0, day);
  date.setUTCHours(hour, minute, Math.min(second, 59), ms);
  if (date.getUTCMonth() !== month0 || date.getUTCDate() !== day) return undefined;
  return date.getTime();
}

Deno.test("utcMillis: the same answers as a Date set field by field, over 400,000 fields", () => {
  let seed = 7;
  const next = () => {
    seed = (seed + 0x6d2b79f5) | 0;
    let t = Math.imul(seed ^ (seed >>> 15), 1 | seed);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  const pick = <T>(xs: T[]) => xs[Math.floor(next() * xs.length)];
  const odd = [NaN, -1, 0.5, 1.5, -0, Infinity, 1e9];
  const field = (lo: number, hi: number) =>
    next() < 0.9 ? lo + Math.floor(next() * (hi - lo + 1)) : pick(odd);
  const years = () =>
    next() < 0.8 ? 1900 + Math.floor(next() * 300) : pick([
      0,
      1,
      99,
      100,
      101,
      1600,
      1700,
      2000,
      2100,
      2400,
      199_999,
      200_000,
      200_001,
      275_760,
      275_761,
      -1,
      2024.5,
      NaN,
    ]);
  for (let i = 0; i < 400_000; i++) {
    const args = [
      years(),
      field(-1, 12),
      field(0, 32),
      field(-1, 24),
      field(-1, 60),
      field(-1, 61),
      field(-1, 1000),
    ] as const;
    const n = 3 + Math.floor(next() * 5); // 3 to 7 fields given
    const given = args.slice(0, n) as unknown as Parameters<typeof utcMillis>;
    assert.equal(utcMillis(...given), utcMillisByDate(...given), JSON.stringify(given));
  }
});

Deno.test("guessYearMillis: each call's own now, also when it changes line by line", () => {
  const nows = [
    "2027-01-01T00:30:00Z",
    "2026-12-31T00:00:00Z",
    "2024-02-29T12:00:00Z",
    "2027-01-01T00:30:00Z",
  ];
  for (const now of [...nows, ...nows.reverse()]) {
    const ctx = at(now);
    const year = new Date(now).getUTCFullYear();
    for (const [m, d, h, min] of [[0, 1, 0, 0], [11, 31, 23, 59], [1, 29, 12, 0], [5, 15, 8, 30]]) {
      let expected: number | undefined;
      for (let y = year + 1; y >= year - 8 && expected === undefined; y--) {
        const t = utcMillisByDate(y, m, d, h, min);
        if (t !== undefined && t <= ctx.now.getTime() + FUTURE_TOLERANCE_MS) expected = t;
      }
      assert.equal(guessYearMillis(m, d, h, min, ctx), expected, `${now} ${m} ${d} ${h}:${min}`);
    }
  }
});
