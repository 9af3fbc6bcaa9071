import assert from "node:assert/strict";
import { LruCache } from "./lru.ts";

Deno.test("lru: evicts the least recently used", () => {
  const cache = new LruCache<string, number>({ size: 2 });
  cache.set("a", 1);
  cache.set("b", 2);
  assert.equal(cache.get("a"), 1);
  cache.set("c", 3);
  assert.equal(cache.has("b"), false);
  assert.deepEqual([...cache.keys()], ["a", "c"]);
  cache.set("a", 10); // an update refreshes recency too
  cache.set("d", 4);
  assert.deepEqual([...cache.keys()], ["a", "d"]);
  assert.equal(cache.get("a"), 10);
});

Deno.test("lru: max age with a fake clock", () => {
  let now = 1000;
  const cache = new LruCache<string, string>({ maxAge: 500, now: () => now });
  cache.set("x", "fresh");
  now += 500;
  assert.equal(cache.has("x"), true);
  assert.equal(cache.get("x"), "fresh");
  now += 1;
  assert.equal(cache.has("x"), false);
  assert.equal(cache.get("x"), undefined);
  assert.equal(cache.length, 0, "an expired entry is dropped when touched");
  cache.set("y", "again");
  cache.maxAge = 0;
  assert.equal(cache.get("y"), "again");
  now += 1;
  assert.equal(cache.get("y"), undefined);
});

Deno.test("lru: resize, delete, deleteWhere, clear", () => {
  const cache = new LruCache<string, number>({ size: 5 });
  for (const k of ["a", "b", "c", "d", "e"]) cache.set(k, 0);
  cache.resize(3);
  assert.deepEqual([...cache.keys()], ["c", "d", "e"]);
  assert.equal(cache.size, 3);
  assert.equal(cache.delete("d"), true);
  assert.equal(cache.delete("d"), false);
  assert.equal(cache.deleteWhere((k) => k !== "e"), 1);
  assert.deepEqual([...cache.keys()], ["e"]);
  cache.clear();
  assert.equal(cache.length, 0);
  assert.throws(() => cache.resize(0), RangeError);
});

Deno.test("lru: an entry may count as several against the size", () => {
  const cache = new LruCache<string, number>({ size: 5 });
  cache.set("a", 1, 3);
  cache.set("b", 2, 2);
  assert.equal(cache.has("a"), true);
  cache.set("c", 3); // 6 > 5: the oldest goes
  assert.deepEqual([cache.has("a"), cache.has("b"), cache.has("c")], [false, true, true]);
  cache.delete("b");
  cache.set("d", 4, 4); // 1 + 4 fits
  assert.equal(cache.has("c"), true);
  cache.set("c", 5, 2); // stored again, heavier: 4 + 2 > 5, d is now the oldest
  assert.deepEqual([cache.has("d"), cache.get("c")], [false, 5]);
  cache.deleteWhere(() => true);
  cache.set("e", 6, 5); // all weight given back: fits alone
  assert.equal(cache.get("e"), 6);
});
