import assert from "node:assert/strict";
import { TimeShiftStore } from "./time_sync.ts";

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
