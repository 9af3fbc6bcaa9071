import assert from "node:assert/strict";
import { compareMtimes, shouldTransfer } from "../mtime.ts";
import {
  formatTimeShift,
  parseTimeShift,
  roundTimeShift,
  TimeShiftError,
  timeShiftFromProbe,
  validateTimeShift,
} from "./time_shift.ts";

Deno.test("time shift: rounding to 15 minutes keeps the sign", () => {
  assert.equal(roundTimeShift(19_790), 19_800);
  assert.equal(roundTimeShift(449), 0);
  assert.equal(roundTimeShift(450), 900);
  assert.equal(roundTimeShift(-449), 0);
  assert.equal(roundTimeShift(-3_500), -3_600);
  assert.equal(Object.is(roundTimeShift(-10), 0), true, "no negative zero");
});

Deno.test("time shift: validation matches ftputil 5 (checked against 5.0.4)", () => {
  assert.equal(validateTimeShift(3600), 3600);
  assert.equal(validateTimeShift(240), 0);
  assert.throws(() => validateTimeShift(420), TimeShiftError);
  assert.throws(() => validateTimeShift(456), TimeShiftError);
  assert.throws(() => validateTimeShift(301), TimeShiftError);
  assert.throws(() => validateTimeShift(25 * 3600), TimeShiftError);
  assert.equal(validateTimeShift(-24 * 3600), -24 * 3600);
  assert.throws(() => validateTimeShift(Number.NaN), TimeShiftError);
  try {
    validateTimeShift(25 * 3600);
  } catch (e) {
    assert.equal((e as TimeShiftError).code, "ETIMESHIFT");
  }
});

Deno.test("time shift: parsing and formatting", () => {
  assert.equal(parseTimeShift("+05:30"), 19_800);
  assert.equal(parseTimeShift("-0130"), -5_400);
  assert.equal(parseTimeShift("+2"), 7_200);
  assert.equal(parseTimeShift("3600"), 3_600);
  assert.equal(parseTimeShift(" -900 "), -900);
  assert.equal(parseTimeShift(7200), 7_200);
  assert.equal(parseTimeShift("AUTO"), "auto");
  for (const bad of ["+05:70", "+25:00", "5h", "", "+05:07"]) {
    assert.throws(() => parseTimeShift(bad), TimeShiftError, bad);
  }
  assert.equal(formatTimeShift(19_800), "+05:30");
  assert.equal(formatTimeShift(-3_600), "-01:00");
  assert.equal(formatTimeShift(0), "+00:00");
});

Deno.test("time shift: measured from a probe file", () => {
  const at = (iso: string) => new Date(iso);
  // +05:30 server, LIST minute precision, written within a second.
  assert.equal(
    timeShiftFromProbe({
      listed: at("2026-03-01T15:30:00Z"),
      precision: 60_000,
      before: at("2026-03-01T10:00:10Z"),
      after: at("2026-03-01T10:00:11Z"),
    }),
    19_800,
  );
  // Truncation just before a minute boundary still lands on the step.
  assert.equal(
    timeShiftFromProbe({
      listed: at("2026-03-01T08:59:00Z"),
      precision: 60_000,
      before: at("2026-03-01T09:59:59Z"),
      after: at("2026-03-01T10:00:00Z"),
    }),
    -3_600,
  );
  // UTC server with MLSD seconds.
  assert.equal(
    timeShiftFromProbe({
      listed: at("2026-03-01T10:00:00Z"),
      precision: 1_000,
      before: at("2026-03-01T10:00:00Z"),
      after: at("2026-03-01T10:00:00.300Z"),
    }),
    0,
  );
  // A server east of UTC already in the new year: the year guess lands a year early.
  assert.equal(
    timeShiftFromProbe({
      listed: at("2026-01-01T03:00:00Z"),
      precision: 60_000,
      before: at("2026-12-31T21:29:40Z"),
      after: at("2026-12-31T21:29:41Z"),
    }),
    19_800,
  );
  assert.throws(
    () =>
      timeShiftFromProbe({
        listed: at("2026-03-01T00:00:00Z"),
        precision: 86_400_000,
        before: at("2026-03-01T10:00:00Z"),
        after: at("2026-03-01T10:00:01Z"),
      }),
    TimeShiftError,
  );
  assert.throws(
    () =>
      timeShiftFromProbe({
        listed: at("2026-03-03T10:00:00Z"),
        precision: 60_000,
        before: at("2026-03-01T10:00:00Z"),
        after: at("2026-03-01T10:00:01Z"),
      }),
    TimeShiftError,
  );
});

Deno.test("shouldTransfer: ftputil's TestTimestampComparison table", () => {
  const second = 1000, minute = 60 * second, hour = 60 * minute, day = 24 * hour;
  const unknown = Number.POSITIVE_INFINITY;
  const rows: [number, number, number, number, boolean][] = [
    // Non-overlapping
    [1000 * second, second, 900 * second, second, true],
    [900 * second, second, 1000 * second, second, false],
    // Equal (if in doubt, transfer)
    [1000 * second, second, 1000 * second, second, true],
    // Just touching
    [1000 * second, second, 1000 * second + second, minute, true],
    [1000 * second + second, minute, 1000 * second, second, true],
    // Other overlaps
    [10000 * second - 0.5 * hour, hour, 10000 * second, day, true],
    [10000 * second + 0.5 * hour, hour, 10000 * second, day, true],
    [10000 * second + 0.2 * hour, 0.2 * hour, 10000 * second, hour, true],
    [10000 * second - 0.2 * hour, 2 * hour, 10000 * second, hour, true],
    // Unknown precision
    [1000 * second, unknown, 1000 * second, second, true],
    [1000 * second, second, 1000 * second, unknown, true],
    [1000 * second, unknown, 1000 * second, unknown, true],
  ];
  for (const [s, sp, t, tp, expected] of rows) {
    assert.equal(
      shouldTransfer({ mtime: new Date(s), precision: sp }, { mtime: new Date(t), precision: tp }),
      expected,
      `${s}/${sp} -> ${t}/${tp}`,
    );
  }
});

Deno.test("shouldTransfer: missing sides and unknown times", () => {
  const f = { mtime: new Date(0), precision: 1000 };
  assert.equal(shouldTransfer(f, null), true);
  assert.equal(shouldTransfer(null, f), false);
  assert.equal(shouldTransfer({ precision: 1000 }, f), true);
  assert.equal(shouldTransfer(f, { precision: 1000 }), true);
  // A day-precision remote file and a local copy made later that day: in doubt.
  const remote = { mtime: new Date("2020-01-01T00:00:00Z"), precision: 86_400_000 };
  const local = { mtime: new Date("2020-01-01T15:00:00Z"), precision: 1 };
  assert.equal(shouldTransfer(remote, local), true);
  const nextDay = { mtime: new Date("2020-01-02T00:00:01Z"), precision: 1 };
  assert.equal(shouldTransfer(remote, nextDay), false);
});

Deno.test("compareMtimes uses both precisions", () => {
  const at = (ms: number, precision: number) => ({ mtime: new Date(ms), precision });
  assert.equal(compareMtimes(at(0, 1000), at(5000, 60_000)), "older");
  assert.equal(compareMtimes(at(61_001, 1000), at(0, 60_000)), "newer");
  assert.equal(compareMtimes(at(60_000, 1000), at(0, 60_000)), "undecided");
  assert.equal(compareMtimes(at(0, Infinity), at(1e9, 1)), "undecided");
});
