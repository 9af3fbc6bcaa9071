/** The UFTPD's pure parts: the jail's path rules, listing lines, local time, the job table. */
import assert from "node:assert/strict";
import { JobStore } from "../../plugins/uftp/mod.ts";
import {
  baseDirOf,
  ForbiddenPathError,
  isWithin,
  normalizeVirtual,
  resolveInBase,
} from "../../plugins/uftp/uftpd/paths.ts";
import {
  listLine,
  localTimeVal,
  mlsdLine,
  parseLocalTimeVal,
  statLine,
} from "../../plugins/uftp/uftpd/listing.ts";

Deno.test("uftpd paths: makeabs by whole segments, never out of the base", () => {
  assert.equal(normalizeVirtual("/a/./b/../c//"), "/a/c");
  assert.equal(normalizeVirtual("/../.."), "/");
  assert.ok(isWithin("/data/x", "/data"));
  assert.ok(!isWithin("/data2", "/data")); // the Python UFTPD's prefix test would pass this
  assert.equal(resolveInBase("sub/f", "/data/x", "/data"), "/data/x/sub/f");
  assert.equal(resolveInBase("/data/f", "/data", "/data"), "/data/f");
  assert.equal(resolveInBase("  spaced  ", "/data", "/data"), "/data/  spaced  ");
  for (const bad of ["..", "../x", "/etc/passwd", "/data2/x", "a/../../b"]) {
    assert.throws(() => resolveInBase(bad, "/data", "/data"), ForbiddenPathError, bad);
  }
  assert.throws(() => resolveInBase("a\0b", "/data", "/data"), ForbiddenPathError);
  assert.equal(baseDirOf("/data/"), "/data");
  assert.equal(baseDirOf("/data/sub/"), "/data/sub");
  assert.equal(baseDirOf("rel/"), "/rel");
  assert.equal(baseDirOf(""), "/");
  assert.equal(baseDirOf("/"), "/");
});

Deno.test("uftpd listing: MLSD in local time, STAT in epoch ms, ls-style LIST", () => {
  const mtime = new Date("2024-01-02T03:04:05Z");
  const file = { name: "a b", type: "file" as const, size: 3, mtime, precision: 1, mode: 0o640 };
  const dir = { name: "d", type: "dir" as const, size: 4096, mtime, precision: 1, mode: 0o755 };
  const ist = () => 330;
  assert.equal(
    mlsdLine(file, "a b", ist),
    "size=3;modify=20240102083405;type=file;perm=rw;UNIX.mode=100640; a b",
  );
  assert.equal(
    mlsdLine(dir, "d", () => 0),
    "size=0;modify=20240102030405;type=dir;perm=lwe;UNIX.mode=40755; d",
  );
  assert.equal(statLine(file, "a b"), `-rw- 3 ${mtime.getTime()} a b`);
  assert.equal(statLine(dir, ""), `drwx 0 ${mtime.getTime()} .`);
  assert.equal(
    listLine(file, "a b", new Date("2024-02-01Z"), ist),
    "-rw-------   1 dummy dummy 3 Jan 02 08:34 a b",
  );
  assert.equal(
    listLine(file, "a b", new Date("2025-02-01Z"), ist),
    "-rw-------   1 dummy dummy 3 Jan 02 2024 a b",
  );
  assert.equal(localTimeVal(mtime, () => -420), "20240101200405");
  assert.equal(parseLocalTimeVal("20240102083405", ist)?.toISOString(), mtime.toISOString());
  assert.equal(parseLocalTimeVal("2024", ist), undefined);
  assert.equal(parseLocalTimeVal("20241302083405", ist), undefined);
});

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

Deno.test("auth service: PyUNICORE's multi-file tag is stripped from serverPath", async () => {
  const { requestedBase, MULTI_FILE_TAG } = await import("../../plugins/uftp/mod.ts");
  assert.equal(requestedBase(`/data/${MULTI_FILE_TAG}`), "/data");
  assert.equal(requestedBase(`/${MULTI_FILE_TAG}`), "/");
  assert.equal(requestedBase(MULTI_FILE_TAG), "");
  assert.equal(requestedBase(`rel/${MULTI_FILE_TAG}`), "rel");
  assert.equal(requestedBase("/data/"), "/data/");
});
