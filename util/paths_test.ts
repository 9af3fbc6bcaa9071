import assert from "node:assert/strict";
import nodePath from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import { fileUrlToPath, host, pathToFileUrl, posix } from "./paths.ts";

/** Every path of up to four pieces from a set that covers roots, dots, doubled and trailing slashes. */
function samples(): string[] {
  const pieces = ["", "/", "//", ".", "..", "a", "b c", "a/", "../x", "./y/"];
  const out = new Set<string>(pieces);
  for (const a of pieces) {
    for (const b of pieces) {
      out.add(a + b);
      for (const c of pieces) {
        out.add(a + b + c);
        out.add(a + "/" + b + "/" + c);
      }
    }
  }
  return [...out];
}

Deno.test("paths: posix answers as node:path's posix for every sample", () => {
  const paths = samples();
  for (const p of paths) {
    for (const f of ["normalize", "dirname", "basename", "isAbsolute"] as const) {
      assert.deepEqual(posix[f](p), nodePath.posix[f](p), `${f}(${JSON.stringify(p)})`);
    }
    assert.equal(posix.resolve(p), nodePath.posix.resolve(p), `resolve(${JSON.stringify(p)})`);
  }
  for (const a of paths.slice(0, 120)) {
    for (const b of paths.slice(0, 120)) {
      assert.equal(posix.join(a, b), nodePath.posix.join(a, b), `join(${a}, ${b})`);
      assert.equal(posix.resolve(a, b), nodePath.posix.resolve(a, b), `resolve(${a}, ${b})`);
      assert.equal(posix.relative(a, b), nodePath.posix.relative(a, b), `relative(${a}, ${b})`);
    }
  }
  assert.equal(posix.join(), nodePath.posix.join());
  assert.equal(posix.resolve(), nodePath.posix.resolve());
  assert.equal(posix.sep, nodePath.posix.sep);
  for (
    const [a, b] of [
      ["/", "/"],
      ["/", "/a/b"],
      ["/a/b", "/"],
      ["/a/b", "/a/bc"],
      ["/a/bc", "/a/b"],
      ["/a/b/c", "/a/x/y"],
      ["a/b", "/tmp"],
      ["/srv/mirror", "/srv/mirror/old/2026"],
      ["/srv/mirror/", "/srv/mirror"],
    ]
  ) assert.equal(posix.relative(a, b), nodePath.posix.relative(a, b), `relative(${a}, ${b})`);
});

Deno.test("paths: the host's are node:path's own", () => {
  for (const p of ["a/b", "/a/../b/", "", "C:\\x\\y"]) {
    assert.equal(host.resolve(p), nodePath.resolve(p));
    assert.equal(host.dirname(p), nodePath.dirname(p));
    assert.equal(host.basename(p), nodePath.basename(p));
    assert.equal(host.join(p, "z"), nodePath.join(p, "z"));
    assert.equal(host.isAbsolute(p), nodePath.isAbsolute(p));
    assert.equal(host.relative(p, "/srv/x"), nodePath.relative(p, "/srv/x"));
    assert.equal(host.relative("/srv/x", p), nodePath.relative("/srv/x", p));
  }
});

Deno.test("paths: the host's separator is node:path's", () => {
  assert.equal(host.sep, nodePath.sep);
});

Deno.test("paths: file: URLs both ways as node:url", () => {
  for (
    const p of [
      "/srv/a b",
      "/x/100%/y",
      "/q?#/",
      "rel/dir/",
      "/tab\there\nnl\r",
      "/back\\slash",
      "/ü/€",
    ]
  ) {
    assert.equal(pathToFileUrl(p).href, pathToFileURL(p).href, p);
    assert.equal(fileUrlToPath(pathToFileUrl(p)), fileURLToPath(pathToFileURL(p)), p);
  }
  for (const bad of ["file://host/x", "file:///a%2Fb", "http://h/x"]) {
    assert.throws(() => fileUrlToPath(bad));
    assert.throws(() => fileURLToPath(bad));
  }
});
