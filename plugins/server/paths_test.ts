import assert from "node:assert/strict";
import { ftpNormalize, isInside, quotePath } from "./paths.ts";

Deno.test("ftpNormalize: .. and absolute paths never climb above the home", () => {
  assert.equal(ftpNormalize("/", ".."), "/");
  assert.equal(ftpNormalize("/a/b", "../../../etc/passwd"), "/etc/passwd");
  assert.equal(ftpNormalize("/a", "/x/./y//z/"), "/x/y/z");
  assert.equal(ftpNormalize("/a", "b/../c"), "/a/c");
  assert.throws(() => ftpNormalize("/", "a\0b"), /NUL/);
  assert.equal(quotePath('/a"b'), '"/a""b"');
  assert.ok(isInside("/a/b", "/a") && !isInside("/ab", "/a") && isInside("/x", "/"));
});
