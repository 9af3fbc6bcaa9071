import assert from "node:assert/strict";
import { Precision, type Stat } from "../../endpoint/types.ts";
import { copyIfNewer, ifNewer, planIfNewer } from "../../sync/if_newer.ts";
import { at, contents, mem, put, tempLocal, text } from "./helpers.ts";

const fast = { retry: { baseDelayMs: 0 } };

Deno.test("ifNewer: ftputil's rule with precision, plus 'already copied'", () => {
  const f = (size: number, s: number, precision: number = Precision.seconds) =>
    ({ name: "f", type: "file", size, mtime: at(s), precision }) as const;
  assert.deepEqual(ifNewer(f(1, 0), undefined), { transfer: true, reason: "missing" });
  assert.equal(ifNewer(f(1, 0), f(2, 100)).transfer, false, "target certainly newer");
  assert.equal(ifNewer(f(1, 0), f(2, 1)).transfer, true, "touching intervals: in doubt");
  assert.equal(ifNewer(f(1, 0, Precision.minutes), f(2, 50)).transfer, true, "inside the minute");
  assert.equal(ifNewer(f(1, 0, Precision.minutes), f(2, 61)).transfer, false);
  assert.equal(ifNewer(f(1, 0, Precision.unknown), f(2, 1e6)).transfer, true, "unknown: transfer");
  assert.deepEqual(ifNewer(f(1, 10), f(1, 10)), { transfer: false, reason: "same size and mtime" });
  assert.equal(ifNewer(f(1, 10), f(2, 10)).transfer, true, "same time, other size: in doubt");
});

Deno.test("copyIfNewer: a tree, only newer files, nothing deleted", async () => {
  const src = mem();
  await put(src, "a.txt", "new a", at(100));
  await put(src, "b.txt", "old b", at(0));
  await put(src, "d/c.txt", "c", at(0));
  const dst = mem();
  await put(dst, "a.txt", "old a", at(0));
  await put(dst, "b.txt", "newer b on target", at(500));
  await put(dst, "extra.txt", "stays", at(0));
  const dry = await copyIfNewer(src, "", dst, "", { ...fast, dryRun: true });
  assert.deepEqual(
    dry.plan!.map((a) => [a.op, a.path]),
    [["mkdir", "d"], ["transfer", "a.txt"], ["transfer", "d/c.txt"], ["skip", "b.txt"]],
  );
  const r = await copyIfNewer(src, "", dst, "", fast);
  assert.equal(r.ok, true, JSON.stringify(r.errors));
  assert.equal(r.files.transferred, 2);
  assert.deepEqual(await contents(dst), {
    "a.txt": "new a",
    "b.txt": "newer b on target",
    "d/": "",
    "d/c.txt": "c",
    "extra.txt": "stays",
  });
  const again = await copyIfNewer(src, "", dst, "", fast);
  assert.equal(again.files.transferred, 0, JSON.stringify(again.plan));
});

Deno.test("copyIfNewer: a single file, upload and download with LIST-like precision", async () => {
  await using local = await tempLocal();
  const remote = mem(Precision.minutes);
  await put(local, "site/index.html", "<h1>v2</h1>", at(3600));
  await put(remote, "www/index.html", "<h1>v1</h1>", at(0));
  const up = await copyIfNewer(local, "site/index.html", remote, "www/index.html", fast);
  assert.equal(up.files.transferred, 1);
  assert.equal(await text(remote, "www/index.html"), "<h1>v2</h1>");
  const down = await copyIfNewer(remote, "www/index.html", local, "copy/index.html", fast);
  assert.equal(down.files.transferred, 1, "missing target");
  assert.equal(await text(local, "copy/index.html"), "<h1>v2</h1>");
  const none = await copyIfNewer(remote, "www/index.html", local, "copy/index.html", fast);
  assert.equal(none.files.transferred, 0, JSON.stringify(none.plan));
});

Deno.test("copyIfNewer: a missing source is an error in the report", async () => {
  const r = await copyIfNewer(mem(), "nope", mem(), "x", fast);
  assert.equal(r.ok, false);
  assert.equal(r.errors[0].code, "ENOENT");
});

Deno.test("planIfNewer: names below a target directory that was not listed are skipped", () => {
  const f = (name: string) =>
    ({ name, type: "file", size: 1, mtime: at(0), precision: Precision.seconds }) as const;
  const d = (name: string) =>
    ({ name, type: "dir", size: 0, precision: Precision.unknown }) as const;
  const src = {
    root: "",
    entries: new Map<string, Stat>([
      ["a.txt", f("a.txt")],
      ["sub", d("sub")],
      ["sub/b.txt", f("b.txt")],
      ["sub/deep", d("deep")],
      ["sub/deep/c.txt", f("c.txt")],
      ["other", d("other")],
      ["other/e.txt", f("e.txt")],
    ]),
    partials: new Map(),
    errors: [],
    warnings: [],
    complete: true,
  };
  const dst = {
    root: "",
    entries: new Map<string, Stat>([["sub", d("sub")], ["other", d("other")]]),
    partials: new Map(),
    errors: [{ path: "sub", message: "HTTP 500 on the listing's second page" }],
    warnings: [],
    complete: false,
  };
  assert.deepEqual(
    planIfNewer(src, dst).map((a) => [a.op, a.path, a.op === "skip" ? a.reason : ""]),
    [
      ["transfer", "a.txt", ""],
      ["transfer", "other/e.txt", ""],
      ["skip", "sub/b.txt", "target directory not listed"],
      ["skip", "sub/deep", "target directory not listed"],
      ["skip", "sub/deep/c.txt", "target directory not listed"],
    ],
  );
});
