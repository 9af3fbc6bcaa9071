import assert from "node:assert/strict";
import type { Action } from "../../sync/plan.ts";
import { newReport } from "../../sync/report.ts";
import {
  batch,
  endpointUrls,
  mergeReport,
  planStages,
  reportPart,
  taskFormatProblem,
  urlIdentity,
  urlMismatches,
} from "./tasks.ts";

const t = (path: string, size = 10): Action => ({ op: "transfer", path, size, reason: "missing" });

Deno.test("planStages: mkdirs first, copies as children, deletions as their parent; skips left out", () => {
  const actions: Action[] = [
    { op: "mkdir", path: "a" },
    t("a/1"),
    t("b/2"),
    { op: "delete", path: "old", type: "file", size: 1, reason: "not in source" },
    { op: "skip", path: "same", reason: "same size+mtime" },
  ];
  assert.deepEqual(planStages(actions, { files: 1 }), [
    { children: [], parent: [0] },
    { children: [[1], [2]], parent: [3] },
  ]);
});

Deno.test("batch: by directory, closed at the file or byte limit; a big file alone", () => {
  const actions = [t("x/1"), t("y/1"), t("x/2"), t("x/big", 1000), t("x/3")];
  assert.deepEqual(batch(actions, [0, 1, 2, 3, 4], { files: 10, bytes: 100 }), [
    [0, 2],
    [3],
    [4, 1],
  ]);
  assert.deepEqual(batch(actions, [0, 1, 2], { files: 2 }), [[0, 2], [1]]);
});

Deno.test("mergeReport adds a task's counts and keeps the first deletesBlocked", () => {
  const total = newReport("mirror");
  const part = newReport("mirror");
  part.files.transferred = 2;
  part.bytes.transferred = 20;
  part.errors.push({ path: "a", message: "boom" });
  part.deletesBlocked = "1 transfer(s) failed";
  mergeReport(total, reportPart(part));
  mergeReport(total, reportPart(part));
  assert.equal(total.files.transferred, 4);
  assert.equal(total.bytes.transferred, 40);
  assert.equal(total.errors.length, 2);
  assert.equal(total.deletesBlocked, "1 transfer(s) failed");
});

Deno.test("urlMismatches: endpoints that resolve elsewhere on a worker, passwords left out", () => {
  const coordinator = endpointUrls({
    src: { url: "ftp://bob:pw@h:21/x" },
    dst: { url: "./out" },
  });
  assert.deepEqual(coordinator, { src: "ftp://bob@h/x", dst: "./out" });
  assert.deepEqual(urlMismatches(coordinator, { ...coordinator }), []);
  assert.deepEqual(urlMismatches(coordinator, { src: "ftp://bob@h/x", dst: "./other" }), [
    'endpoint dst is "./other" on this worker but "./out" on the coordinator',
  ]);
  assert.deepEqual(urlMismatches(coordinator, { dst: "./out" }), [
    'endpoint src is null on this worker but "ftp://bob@h/x" on the coordinator',
  ]);
});

Deno.test("urlIdentity: no password, also when the password makes it no URL ('/', '#', ' ')", () => {
  assert.equal(urlIdentity("ftp://bob:pw@h:2121/x"), "ftp://bob@h:2121/x");
  assert.equal(
    urlIdentity("ftp://bob:pa ss/wo#rd?x@127.0.0.1:2121/pub"),
    "ftp://bob:****@127.0.0.1:2121/pub",
  );
  assert.equal(urlIdentity("./a:b@c"), "./a:b@c");
});

Deno.test("taskFormatProblem: another version retries, no ferry task does not, v1 passes", () => {
  assert.equal(taskFormatProblem({ v: 2, run: "r", job: "j" })?.retry, true);
  assert.match(taskFormatProblem({ v: 2, run: "r", job: "j" })!.message, /format v2/);
  assert.equal(taskFormatProblem("text")?.retry, false);
  assert.equal(taskFormatProblem(null)?.retry, false);
  assert.match(taskFormatProblem({ v: 1, run: "r", job: "j" })!.message, /no workflow, lanes/);
  const ok = {
    v: 1,
    run: "r",
    job: "j",
    workflow: { file: "f", baseDir: "/", source: {} },
    lanes: {},
    actions: [],
    indexes: [],
    options: {},
  };
  assert.equal(taskFormatProblem(ok), undefined);
});
