import assert from "node:assert/strict";
import { describeShifts, shiftSettings, TimeShiftStore } from "./time_sync.ts";

Deno.test("time shift store: remembers per server, forgets when old", async () => {
  const dir = await Deno.makeTempDir();
  try {
    let now = new Date("2026-01-01T00:00:00Z");
    const store = new TimeShiftStore(`${dir}/state/time-shift.json`, { now: () => now });
    assert.equal(await store.get("ftp://a@h:21", 3600_000), undefined);
    await store.set("ftp://a@h:21", 19800);
    await store.set("ftp://b@h:21", -3600);
    assert.equal(await store.get("ftp://a@h:21", 3600_000), 19800);
    assert.equal(await store.get("ftp://b@h:21", 3600_000), -3600);
    now = new Date("2026-01-01T01:00:01Z");
    assert.equal(await store.get("ftp://a@h:21", 3600_000), undefined);
    const again = TimeShiftStore.inStateDir(`${dir}/state`);
    assert.equal(again.file, `${dir}/state/time-shift.json`);
    assert.equal(await again.get("ftp://a@h:21", Infinity), 19800);
    await Deno.writeTextFile(again.file, "not json");
    assert.equal(await again.get("ftp://a@h:21", Infinity), undefined);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("time shift store: LIST and MLSD shifts are remembered apart", async () => {
  const dir = await Deno.makeTempDir();
  try {
    const store = TimeShiftStore.inStateDir(dir);
    await store.setShifts("ftp://a@h:21", { list: 19800 });
    assert.deepEqual(await store.getShifts("ftp://a@h:21", 3600_000), { list: 19800 });
    await store.setShifts("ftp://a@h:21", { list: 19800, mlsd: 0 });
    assert.deepEqual(await store.getShifts("ftp://a@h:21", 3600_000), { list: 19800, mlsd: 0 });
    // A server that refused MLST on the probe: remembered as such, without an MLSD shift.
    await store.setShifts("ftp://c@h:21", { list: 19800, mlstRefused: true });
    assert.deepEqual(await store.getShifts("ftp://c@h:21", 3600_000), {
      list: 19800,
      mlstRefused: true,
    });
    // An entry of older versions (server alone, mode unknown) is not taken for either.
    await store.set("ftp://b@h:21", 19800);
    assert.deepEqual(await store.getShifts("ftp://b@h:21", 3600_000), {});
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("shiftSettings: MLSD is UTC unless its own shift says otherwise", () => {
  // Pure-FTPd, ProFTPD TimesGMT off: LIST local, MLSD UTC.
  assert.deepEqual(shiftSettings({ list: 19800, mlsd: 0 }), { shift: 19800, mlsdLocalTime: false });
  // The UFTPD, pyftpdlib without GMT times: both local.
  assert.deepEqual(shiftSettings({ list: 19800, mlsd: 19800 }), {
    shift: 19800,
    mlsdLocalTime: true,
  });
  // MLST readable, LIST not: still the MLSD shift.
  assert.deepEqual(shiftSettings({ mlsd: -3600 }), { shift: -3600, mlsdLocalTime: true });
  // LIST mode: nothing is said about MLSD.
  assert.deepEqual(shiftSettings({ list: 3600 }), { shift: 3600, mlsdLocalTime: undefined });
  assert.deepEqual(shiftSettings({}), { shift: 0, mlsdLocalTime: undefined });
});

Deno.test("describeShifts: each listing command with its shift as ±HH:MM", () => {
  assert.equal(describeShifts({ list: 19800, mlsd: 0 }), "LIST +05:30, MLSD +00:00");
  assert.equal(describeShifts({ list: -3600, mlstRefused: true }), "LIST -01:00, MLSD refused");
  assert.equal(describeShifts({}), "LIST +00:00");
});
