import assert from "node:assert/strict";
import { DatabaseSync } from "node:sqlite";
import { StateStore } from "./state.ts";

Deno.test("StateStore: keeps each side's precision, and opens a file written before it did", async () => {
  const dir = await Deno.makeTempDir({ prefix: "ferry-state-" });
  try {
    const path = `${dir}/state.db`;
    // The schema of state files written before the precision was kept.
    const old = new DatabaseSync(path);
    old.exec(`
      CREATE TABLE pairs (id INTEGER PRIMARY KEY, kind TEXT NOT NULL, a TEXT NOT NULL,
        b TEXT NOT NULL, last_run TEXT, UNIQUE (kind, a, b)) STRICT;
      CREATE TABLE entries (pair INTEGER NOT NULL REFERENCES pairs(id) ON DELETE CASCADE,
        path TEXT NOT NULL, a_type TEXT, a_size INTEGER, a_mtime INTEGER,
        b_type TEXT, b_size INTEGER, b_mtime INTEGER, PRIMARY KEY (pair, path)) STRICT;
      INSERT INTO pairs VALUES (1, 'sync', 'A', 'B', '2026-01-01T00:00:00.000Z');
      INSERT INTO entries VALUES (1, 'x', 'file', 1, 60000, 'file', 1, 60000);
    `);
    old.close();
    const store = StateStore.open(path);
    try {
      const loaded = store.load("sync", "A", "B");
      assert.deepEqual(loaded.entries.get("x"), {
        a: { type: "file", size: 1, mtime: 60000 },
        b: { type: "file", size: 1, mtime: 60000 },
      });
      const entry = {
        a: { type: "file" as const, size: 2, mtime: 5_000, precision: 1 },
        b: { type: "file" as const, size: 2, mtime: 0, precision: 60_000 },
      };
      store.save("sync", "A", "B", new Map([["x", entry]]));
      assert.deepEqual(store.load("sync", "A", "B").entries.get("x"), entry);
    } finally {
      store.close();
    }
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
