import assert from "node:assert/strict";
import {
  baseDirOf,
  ForbiddenPathError,
  isWithin,
  normalizeVirtual,
  pyStrip,
  resolveInBase,
} from "./paths.ts";
import { twoWords } from "./commands.ts";

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

Deno.test("uftpd: Python's strip and MFMT's split, as the Python UFTPD has them", () => {
  assert.equal(pyStrip("\x1c a \x85"), "a");
  assert.equal(pyStrip("\ufeffa\u3000"), "\ufeffa");
  assert.deepEqual(twoWords("20240102030405 a.txt"), ["20240102030405", "a.txt"]);
  assert.deepEqual(twoWords("20240102030405 a\tb"), ["20240102030405", "a\tb"]);
  assert.throws(() => twoWords("20240102030405 a b"), /too many values to unpack \(expected 2\)/);
  assert.throws(() => twoWords("20240102030405  a"), /too many values/);
  assert.throws(
    () => twoWords("20240102030405"),
    /not enough values to unpack \(expected 2, got 1\)/,
  );
});
