import assert from "node:assert/strict";
import type { RawControl, Reply } from "../../ftp.ts";
import { type FactContext, factThenRename, sendFact, UftpStrandedError } from "./facts.ts";
import { relativePath, upToBase } from "./paths.ts";

/** A control connection that logs each line; `refuse` picks the lines answered 550. */
function fakeControl(refuse: (line: string) => boolean = () => false) {
  const sent: string[] = [];
  let lost = 0;
  const answer = (line: string): Reply => {
    if (refuse(line)) return { code: 550, text: "refused", lines: ["550 refused"] };
    if (line.startsWith("RNFR")) return { code: 350, text: "send RNTO", lines: [] };
    if (line.startsWith("MFMT")) return { code: 213, text: "Modify", lines: [] };
    return { code: 200, text: "OK", lines: [] };
  };
  const ctl = {
    command: (line: string) => Promise.resolve((sent.push(line), answer(line))),
  } as unknown as RawControl;
  const cx: FactContext = { ctl, lost: () => void lost++, random: () => "r" };
  return { cx, sent, lost: () => lost };
}

const mfmt = (p: string) => `MFMT 20240304050607 ${p}`;

Deno.test("relativePath: Python's white space at either end is kept from its strip", () => {
  assert.equal(relativePath("/a\x85"), "a\x85/.");
  assert.equal(relativePath("/\x1cb"), "./\x1cb");
  assert.equal(relativePath("/a b"), "a b");
  assert.equal(upToBase("/ lead/tail "), "../..");
  assert.equal(upToBase("/"), "");
});

Deno.test("sendFact: a path without a space goes as it is", async () => {
  const { cx, sent } = fakeControl();
  assert.equal((await sendFact(cx, mfmt, "/d/a.txt"))?.code, 213);
  assert.deepEqual(sent, ["MFMT 20240304050607 d/a.txt"]);
});

Deno.test("sendFact: a spaced directory is entered, the plain name set, and left", async () => {
  const { cx, sent } = fakeControl();
  assert.equal((await sendFact(cx, mfmt, "/a b/ lead/c.txt"))?.code, 213);
  assert.deepEqual(sent, ["CWD a b/ lead", "MFMT 20240304050607 c.txt", "CWD ../.."]);
  const own = fakeControl();
  assert.equal(await sendFact(own.cx, mfmt, "/d/c d.txt"), undefined, "a spaced name: no way");
  assert.deepEqual(own.sent, []);
});

Deno.test("sendFact: a refused way back loses the session", async () => {
  const { cx, lost } = fakeControl((l) => l === "CWD ..");
  await assert.rejects(sendFact(cx, mfmt, "/a b/c.txt"), /550/);
  assert.equal(lost(), 1);
});

Deno.test("factThenRename: a spaced name goes by a name without white space", async () => {
  const { cx, sent } = fakeControl();
  const reply = await factThenRename(cx, mfmt, "/a b/.c d.ferry.part", "/a b/c d");
  assert.equal(reply.code, 213);
  assert.deepEqual(sent, [
    "RNFR a b/.c d.ferry.part",
    "RNTO a b/.r.ferry-mtime.part",
    "CWD a b",
    "MFMT 20240304050607 .r.ferry-mtime.part",
    "CWD ..",
    "RNFR a b/.r.ferry-mtime.part",
    "RNTO a b/c d",
  ]);
});

Deno.test("factThenRename: a refused time still renames; the reply tells", async () => {
  const { cx, sent } = fakeControl((l) => l.startsWith("MFMT"));
  const reply = await factThenRename(cx, mfmt, "/c d", "/c d");
  assert.equal(reply.code, 550);
  assert.deepEqual(sent, [
    "RNFR c d",
    "RNTO .r.ferry-mtime.part",
    "MFMT 20240304050607 .r.ferry-mtime.part",
    "RNFR .r.ferry-mtime.part",
    "RNTO c d",
  ]);
});

Deno.test("factThenRename: a refused rename onto the target moves the file back", async () => {
  const { cx, sent } = fakeControl((l) => l === "RNTO x y");
  await assert.rejects(factThenRename(cx, mfmt, "/.x y.part", "/x y"), /550/);
  assert.deepEqual(sent.slice(-4), [
    "RNFR .r.ferry-mtime.part",
    "RNTO x y",
    "RNFR .r.ferry-mtime.part",
    "RNTO .x y.part",
  ]);
});

Deno.test("factThenRename: a file that cannot be moved back is said where it is", async () => {
  const { cx } = fakeControl((l) => l.startsWith("RNTO") && !l.includes("ferry-mtime"));
  const error = await factThenRename(cx, mfmt, "/.x y.part", "/x y").catch((e) => e);
  assert.ok(error instanceof UftpStrandedError, String(error));
  assert.equal(error.left, "/.r.ferry-mtime.part");
  const first = fakeControl((l) => l === "RNTO .r.ferry-mtime.part");
  await assert.rejects(factThenRename(first.cx, mfmt, "/x y", "/x y"), /550/);
  assert.deepEqual(first.sent, ["RNFR x y", "RNTO .r.ferry-mtime.part"], "nothing more");
});
