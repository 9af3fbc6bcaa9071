import assert from "node:assert/strict";
import { JobStore } from "./jobs.ts";

Deno.test("uftpd jobs: one use, persistence, expiry, address, duplicates, limits", () => {
  let now = 0;
  const jobs = new JobStore({ now: () => now, maxPerUser: 4 });
  const base = {
    clientIps: ["10.0.0.1"],
    user: "u",
    persistent: false,
    file: "/d/",
    streams: 1,
    compress: false,
  };
  jobs.add({ ...base, secret: "s1" });
  assert.throws(() => jobs.add({ ...base, secret: "s1" }), /Duplicate secret/);
  const wrongIp = jobs.login("s1", "10.0.0.2");
  assert.ok(
    !wrongIp.ok && wrongIp.code === 500 &&
      /Rejecting connection for 'u' from 10\.0\.0\.2/.test(wrongIp.message),
  );
  const first = jobs.login("s1", "10.0.0.1");
  assert.ok(first.ok);
  const second = jobs.login("s1", "10.0.0.1");
  assert.ok(!second.ok && /already running/.test(second.message));
  now = 10 * 60_000; // a running job does not expire
  assert.ok(first.ok && jobs.size === 1);
  if (first.ok) jobs.logout(first.job);
  assert.deepEqual(jobs.login("s1", "10.0.0.1"), {
    ok: false,
    code: 530,
    message: "no matching transfer request found",
  });
  jobs.add({ ...base, secret: "p", persistent: true });
  const a = jobs.login("p", "10.0.0.1"), b = jobs.login("p", "10.0.0.1");
  assert.ok(a.ok && b.ok);
  if (a.ok) jobs.logout(a.job);
  assert.ok(jobs.login("p", "10.0.0.1").ok, "still alive while one session runs");
  jobs.add({ ...base, secret: "late" });
  now += 300_000;
  assert.ok(jobs.login("late", "10.0.0.1").ok, "valid at exactly 300 s");
  jobs.add({ ...base, secret: "x1" });
  jobs.add({ ...base, secret: "x2" });
  assert.throws(() => jobs.add({ ...base, secret: "x3" }), /Too many active sessions for 'u'/);
  now += 300_001;
  assert.equal(jobs.login("x1", "10.0.0.1").ok, false, "expired unused");
});
