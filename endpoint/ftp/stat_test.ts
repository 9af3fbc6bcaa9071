import assert from "node:assert/strict";
import { entryToStat } from "./stat.ts";
import { abspath, linkTarget, remoteBasename, remoteDirname, remoteJoin } from "./remote_path.ts";
import { InvalidPathError } from "../errors.ts";

Deno.test("entryToStat: drops . .. cdir pdir, keeps facts that matter", () => {
  const base = { precision: 60_000, raw: "" };
  assert.equal(entryToStat({ ...base, name: ".", type: "dir" }), undefined);
  assert.equal(entryToStat({ ...base, name: "..", type: "dir" }), undefined);
  assert.equal(entryToStat({ ...base, name: "x", type: "cdir" }), undefined);
  assert.equal(entryToStat({ ...base, name: "x", type: "pdir" }), undefined);
  const mtime = new Date("2024-01-01T00:00:00Z");
  assert.deepEqual(
    entryToStat({
      ...base,
      name: "l",
      type: "symlink",
      size: 4,
      mtime,
      mode: 0o777,
      target: "t",
      unique: "u1",
    }),
    {
      name: "l",
      type: "symlink",
      size: 4,
      mtime,
      precision: 60_000,
      mode: 0o777,
      target: "t",
      unique: "u1",
    },
  );
  assert.deepEqual(entryToStat({ ...base, name: "d", type: "dir", size: 4096 }), {
    name: "d",
    type: "dir",
    size: 0,
    mtime: undefined,
    precision: Number.POSITIVE_INFINITY,
  });
});

Deno.test("remote paths", () => {
  assert.equal(abspath("/home/bob", "pub/../x"), "/home/bob/x");
  assert.equal(abspath("/home/bob", "/etc/"), "/etc");
  assert.equal(abspath("/", "."), "/");
  assert.equal(abspath("/a", "a b/ c "), "/a/a b/ c ");
  assert.throws(() => abspath("/", "a\r\nDELE x"), InvalidPathError);
  assert.equal(remoteDirname("/a/b"), "/a");
  assert.equal(remoteBasename("/a/b.txt"), "b.txt");
  assert.equal(remoteJoin("/a", "b", "c"), "/a/b/c");
  assert.equal(linkTarget("/pub/latest", "v2/file"), "/pub/v2/file");
  assert.equal(linkTarget("/pub/latest", "/srv/x"), "/srv/x");
  assert.equal(linkTarget("/pub/sub/up", ".."), "/pub");
});
