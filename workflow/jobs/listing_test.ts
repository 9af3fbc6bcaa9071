import assert from "node:assert/strict";
import { formatListing, listingEntries, listingTotals } from "./listing.ts";
import { formatFromName } from "./walk.ts";

const entries = listingEntries(
  new Map(
    [
      ["a", { name: "a", type: "dir", size: 0, mtime: new Date(0), precision: 1000 }],
      ["a/x,y.txt", {
        name: "x,y.txt",
        type: "file",
        size: 3,
        mtime: new Date(0),
        precision: 60_000,
      }],
      ["b", { name: "b", type: "symlink", size: 0, precision: Infinity, target: "a" }],
    ] as const,
  ),
);

Deno.test("entries, totals and unknown precision", () => {
  assert.equal(entries[2].precision, null);
  assert.equal(entries[2].mtime, null);
  assert.deepEqual(listingTotals(entries), { files: 1, dirs: 1, symlinks: 1, other: 0, bytes: 3 });
});

Deno.test("formats", () => {
  const json = JSON.parse(formatListing(entries, "json", { root: "pub", totals: true }));
  assert.equal(json.root, "pub");
  assert.equal(json.totals.files, 1);
  const nd = formatListing(entries, "ndjson").trim().split("\n");
  assert.equal(nd.length, 3);
  const csv = formatListing(entries, "csv").split("\n");
  assert.equal(csv[2], '"a/x,y.txt",file,3,1970-01-01T00:00:00.000Z,60000');
  assert.equal(
    formatListing(entries, "tree", { root: "pub" }),
    "pub\n├── a/\n│   └── x,y.txt  (3)\n└── b -> a\n",
  );
  assert.equal(formatFromName("l.csv"), "csv");
  assert.equal(formatFromName("l.jsonl"), "ndjson");
  assert.equal(formatFromName("l.json"), "json");
});
