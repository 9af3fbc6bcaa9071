import assert from "node:assert/strict";
import { baseName, ftpNormalize, isInside, quotePath, stripListOptions } from "./paths.ts";

Deno.test("ftpNormalize: .. and absolute paths never climb above the home", () => {
  assert.equal(ftpNormalize("/", ".."), "/");
  assert.equal(ftpNormalize("/a/b", "../../../etc/passwd"), "/etc/passwd");
  assert.equal(ftpNormalize("/a", "/x/./y//z/"), "/x/y/z");
  assert.equal(ftpNormalize("/a", "b/../c"), "/a/c");
  assert.throws(() => ftpNormalize("/", "a\0b"), /NUL/);
  assert.equal(quotePath('/a"b'), '"/a""b"');
  assert.ok(isInside("/a/b", "/a") && !isInside("/ab", "/a") && isInside("/x", "/"));
});

Deno.test("ftpNormalize: a normal path comes back as it is; dots inside names are names", () => {
  assert.equal(ftpNormalize("/", "a.txt"), "/a.txt");
  assert.equal(ftpNormalize("/pub", ".hidden"), "/pub/.hidden");
  assert.equal(ftpNormalize("/pub", "..a/...b"), "/pub/..a/...b");
  assert.equal(ftpNormalize("/pub", "a/.."), "/pub");
  assert.equal(ftpNormalize("/pub", "a/."), "/pub/a");
  assert.equal(ftpNormalize("/", "a/"), "/a");
  assert.equal(baseName("/a/b.txt"), "b.txt");
  assert.equal(baseName("/a/b/"), "b");
  assert.equal(baseName("/"), "");
});

Deno.test("stripListOptions: leading ls options (-la) are dropped, others kept", () => {
  assert.equal(stripListOptions("-la /pub"), "/pub");
  assert.equal(stripListOptions("-a"), "");
  assert.equal(stripListOptions("-file"), "");
  assert.equal(stripListOptions("dir -la"), "dir -la");
});
