import assert from "node:assert/strict";
import { whereOn } from "./where.ts";

Deno.test("whereOn: the endpoint URL with the path, a local path for file:", () => {
  assert.equal(
    whereOn("ftp://bob@127.0.0.1:21/", "pub/missing"),
    "ftp://bob@127.0.0.1:21/pub/missing",
  );
  assert.equal(whereOn("ftp://bob@127.0.0.1:21/pub", "/x/"), "ftp://bob@127.0.0.1:21/pub/x");
  assert.equal(whereOn("ftp://bob@127.0.0.1:21/pub", ""), "ftp://bob@127.0.0.1:21/pub");
  assert.equal(whereOn("file:///srv/a%20b", "c"), "/srv/a b/c");
  assert.equal(whereOn("file:///", "c"), "/c");
  assert.equal(whereOn("s3://bucket/backups/", "k"), "s3://bucket/backups/k");
  assert.equal(
    whereOn("uftp://u@h:9000/rest/auth/T:/data", "m"),
    "uftp://u@h:9000/rest/auth/T:/data/m",
  );
});
