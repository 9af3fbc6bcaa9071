/**
 * `ferry walk -o FILE`: without -f the format follows the file's extension
 * (.json, .ndjson/.jsonl, .csv, .txt as the tree; anything else JSON), as the
 * walk job's `output:` does; an explicit -f wins.
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import { ferry } from "./helpers.ts";

Deno.test("walk -o report.EXT: the format from the extension unless -f says otherwise", async () => {
  const dir = await Deno.makeTempDir({ prefix: "ferry-walk-o-" });
  try {
    const src = join(dir, "src");
    await Deno.mkdir(join(src, "sub"), { recursive: true });
    await Deno.writeTextFile(join(src, "a.txt"), "abc");
    await Deno.writeTextFile(join(src, "sub", "b.bin"), "12345");
    const walk = async (out: string, ...flags: string[]) => {
      const run = await ferry(["walk", src, "-o", join(dir, out), ...flags]);
      assert.equal(run.code, 0, run.stderr);
      return await Deno.readTextFile(join(dir, out));
    };
    const json = JSON.parse(await walk("report.json"));
    assert.deepEqual(json.entries.map((e: { path: string }) => e.path).sort(), [
      "a.txt",
      "sub",
      "sub/b.bin",
    ]);
    const csv = (await walk("report.csv")).trim().split("\n");
    assert.match(csv[0], /^path,type,size,mtime,precision$/);
    assert.equal(csv.length, 4, csv.join("\n"));
    const ndjson = (await walk("report.ndjson")).trim().split("\n");
    assert.equal(ndjson.length, 3);
    for (const line of ndjson) assert.ok(JSON.parse(line).path);
    const tree = await walk("report.txt");
    assert.match(tree, /b\.bin/);
    assert.throws(() => JSON.parse(tree));
    const forced = (await walk("forced.json", "-f", "ndjson")).trim().split("\n");
    assert.equal(forced.length, 3, "-f ndjson wins over .json");
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
