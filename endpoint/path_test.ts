import assert from "node:assert/strict";
import {
  basename,
  dirname,
  displayPath,
  isInside,
  isRoot,
  joinPath,
  normalizePath,
  resolveLinkTarget,
  splitPath,
} from "./path.ts";
import { InvalidPathError } from "./errors.ts";

Deno.test("normalizePath: root spellings", () => {
  for (const p of ["", ".", "/", "//", "./", "/./.", "a/.."]) assert.equal(normalizePath(p), "");
});

Deno.test("normalizePath: canonical form", () => {
  assert.equal(normalizePath("/a//b/./c/"), "a/b/c");
  assert.equal(normalizePath("a/../b"), "b");
  assert.equal(normalizePath("a/b/../../c"), "c");
  assert.equal(normalizePath("dir with space/ü文件"), "dir with space/ü文件");
  assert.equal(normalizePath("..."), "...");
  assert.equal(normalizePath(".hidden"), ".hidden");
});

Deno.test("normalizePath: rejects escapes and control characters", () => {
  for (const p of ["..", "../x", "/..", "a/../../x", "a\0b", "a\rb", "a\nb", "x/\r\n"]) {
    assert.throws(() => normalizePath(p), InvalidPathError, p);
  }
  try {
    normalizePath("a\nb");
  } catch (e) {
    assert.ok(e instanceof InvalidPathError);
    assert.equal(e.code, "EINVAL");
    assert.equal(e.path, "a\nb");
    assert.match(e.message, /LF/);
  }
});

Deno.test("path helpers", () => {
  assert.equal(joinPath("a", "b/c", "../d"), "a/b/d");
  assert.equal(joinPath("", "x"), "x");
  assert.equal(joinPath(), "");
  assert.throws(() => joinPath("a", "../.."), InvalidPathError);
  assert.deepEqual(splitPath("/a/b/"), ["a", "b"]);
  assert.deepEqual(splitPath("/"), []);
  assert.equal(dirname("a/b/c"), "a/b");
  assert.equal(dirname("a"), "");
  assert.equal(dirname(""), "");
  assert.equal(basename("a/b/c.txt"), "c.txt");
  assert.equal(basename("/"), "");
  assert.equal(isRoot("/"), true);
  assert.equal(isRoot("a"), false);
  assert.equal(isInside("a/b", "a"), true);
  assert.equal(isInside("a", "a"), true);
  assert.equal(isInside("ab", "a"), false);
  assert.equal(isInside("x", ""), true);
  assert.equal(resolveLinkTarget("a/link", "../b/f"), "b/f");
  assert.equal(resolveLinkTarget("a/link", "/x"), "x");
  assert.equal(resolveLinkTarget("link", "t"), "t");
  assert.throws(() => resolveLinkTarget("link", "../../etc/passwd"), InvalidPathError);
  assert.equal(displayPath("a/b"), "/a/b");
  assert.equal(displayPath(""), "/");
});
