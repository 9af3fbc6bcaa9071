import assert from "node:assert/strict";
import { MULTI_FILE_TAG, requestedBase } from "./service.ts";

Deno.test("auth service: PyUNICORE's multi-file tag is stripped from serverPath", () => {
  assert.equal(requestedBase(`/data/${MULTI_FILE_TAG}`), "/data");
  assert.equal(requestedBase(`/${MULTI_FILE_TAG}`), "/");
  assert.equal(requestedBase(MULTI_FILE_TAG), "");
  assert.equal(requestedBase(`rel/${MULTI_FILE_TAG}`), "rel");
  assert.equal(requestedBase("/data/"), "/data/");
});
